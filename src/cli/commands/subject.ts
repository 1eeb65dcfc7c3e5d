// `stemedb subject S`: the assertions about a subject as NDJSON (ordered by predicate digest,
// then hash), each with its hash, LSN and status: live ones, or all with --include-retracted.
// Pages through the database so any number of assertions streams in bounded memory.
import type { Command } from 'commander';
import { asOfFlag, asOfRead } from '../as-of.js';
import { globalsOf, withDb } from '../context.js';
import { LineWriter } from '../output.js';
import { printPages } from '../pages.js';
import { parseCount } from '../parse.js';

interface SubjectOptions {
  predicate?: string;
  includeRetracted?: boolean;
  asOf?: number;
  limit?: number;
}

export function registerSubject(program: Command): void {
  program
    .command('subject')
    .description('print the assertions about a subject as NDJSON, one per line, each with its hash and status')
    .argument('<subject>', 'the subject, e.g. city:2988507')
    .option('--predicate <predicate>', 'only assertions with this predicate')
    .option('--include-retracted', 'also retracted and superseded assertions (each line has its status)')
    .addOption(asOfFlag())
    .option('--limit <n>', 'print at most n assertions (default: all)', parseCount)
    .action(async (subject: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<SubjectOptions>();
      const out = new LineWriter();
      await withDb(globals, (db) =>
        printPages(out, o.limit, (page) =>
          db.assertionsAbout(subject, {
            ...page,
            ...(o.predicate !== undefined && { predicate: o.predicate }),
            ...(o.includeRetracted === true && { includeRetracted: true }),
            ...asOfRead(o.asOf),
          }),
        ),
      );
      await out.end();
    });
}
