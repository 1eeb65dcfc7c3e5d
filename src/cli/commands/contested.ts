// `stemedb contested`: the contested (subject, predicate) pairs, one line each (subject,
// predicate, consensus; tab-separated), or NDJSON {subject, predicate, consensus} with --json.
// Every page unless --limit, like `find`: a store's contested pairs stream in bounded memory.
// With --epoch the database computes every pair in that scope (docs/beliefs.md: its cost).
import type { Command } from 'commander';
import type { ContestedItem } from '../../index.js';
import { globalsOf, withDb } from '../context.js';
import { epochScopeFlag, epochScopeRead } from '../epoch-scope.js';
import { LineWriter } from '../output.js';
import { printPages } from '../pages.js';
import { parseCount } from '../parse.js';
import { formatPercent } from '../table.js';

interface ContestedFlags {
  epoch?: number;
  limit?: number;
}

const contestedLine = (item: ContestedItem): string => [item.subject, item.predicate, formatPercent(item.consensus)].join('\t');

export function registerContested(program: Command): void {
  program
    .command('contested')
    .description('print the contested (subject, predicate) pairs, one per line: subject, predicate, consensus (with --json: NDJSON)')
    .addOption(epochScopeFlag())
    .option('--limit <n>', 'print at most n pairs (default: all)', parseCount)
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<ContestedFlags>();
      const out = new LineWriter();
      await withDb(globals, (db) => printPages(out, o.limit, (page) => db.contested({ ...page, ...epochScopeRead(o.epoch) }), globals.json ? undefined : contestedLine));
      await out.end();
    });
}
