// `stemedb find`: assertions by what they say (predicate, object value, source, subject) as
// NDJSON, each with its hash, LSN and status. The database decides what makes a query (a
// predicate or a source; an object needs a predicate) and which index answers it.
import type { Command } from 'commander';
import type { FindQuery } from '../../index.js';
import { asOfFlag, asOfRead } from '../as-of.js';
import { globalsOf, withDb } from '../context.js';
import { LineWriter } from '../output.js';
import { printPages } from '../pages.js';
import { parseCount, parseJson } from '../parse.js';

/** The query's fields as options (pages are followed by the command, so no cursor). */
type FindOptions = Omit<FindQuery, 'cursor'>;

export function registerFind(program: Command): void {
  program
    .command('find')
    .description('print the assertions with this predicate (and object value), source or subject as NDJSON, each with its hash and status')
    .option('--predicate <predicate>', 'the property, e.g. name (find needs --predicate or --source)')
    .option('--object <json>', 'with --predicate: the value, as JSON text (42, true, {"a":1}; a string with its quotes: \'"Paris"\')', parseJson)
    .option('--source <source>', 'who or what made the claim')
    .option('--subject <subject>', 'what the claim is about')
    .option('--include-retracted', 'also retracted and superseded assertions (each line has its status)')
    .addOption(asOfFlag())
    .option('--limit <n>', 'print at most n assertions (default: all)', parseCount)
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<FindOptions>();
      const query: FindQuery = {
        ...(o.predicate !== undefined && { predicate: o.predicate }),
        ...(o.object !== undefined && { object: o.object }),
        ...(o.source !== undefined && { source: o.source }),
        ...(o.subject !== undefined && { subject: o.subject }),
        ...(o.includeRetracted === true && { includeRetracted: true }),
        ...asOfRead(o.asOf),
      };
      const out = new LineWriter();
      await withDb(globals, (db) => printPages(out, o.limit, (page) => db.find({ ...query, ...page })));
      await out.end();
    });
}
