// `stemedb history S`: the audit trail of a subject as NDJSON, in log order: every assertion
// about it and every vote and retraction on those, each as {lsn, type, hash, record}.
import type { Command } from 'commander';
import { asOfFlag, asOfRead } from '../as-of.js';
import { globalsOf, withDb } from '../context.js';
import { LineWriter } from '../output.js';
import { printPages } from '../pages.js';
import { parseCount } from '../parse.js';

interface HistoryOptions {
  predicate?: string;
  asOf?: number;
  limit?: number;
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('print every assertion about a subject, and every vote and retraction on them, in log order as NDJSON')
    .argument('<subject>', 'the subject, e.g. city:2988507')
    .option('--predicate <predicate>', 'only records about (or on assertions with) this predicate')
    .addOption(asOfFlag())
    .option('--limit <n>', 'print at most n records (default: all)', parseCount)
    .action(async (subject: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<HistoryOptions>();
      const out = new LineWriter();
      await withDb(globals, (db) =>
        printPages(out, o.limit, (page) =>
          db.history(subject, { ...page, ...(o.predicate !== undefined && { predicate: o.predicate }), ...asOfRead(o.asOf) }),
        ),
      );
      await out.end();
    });
}
