// `stemedb subject S`: the assertions about a subject as NDJSON (ordered by hash), each with
// its hash. Pages through the database so any number of assertions streams in bounded memory.
import type { Command } from 'commander';
import { pageLimitMax } from '../../limits.js';
import { globalsOf, withDb } from '../context.js';
import { LineWriter } from '../output.js';
import { parseCount } from '../parse.js';

export function registerSubject(program: Command): void {
  program
    .command('subject')
    .description('print the assertions about a subject as NDJSON, one per line, each with its hash')
    .argument('<subject>', 'the subject, e.g. city:2988507')
    .option('--limit <n>', 'print at most n assertions (default: all)', parseCount)
    .action(async (subject: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const { limit } = command.opts<{ limit?: number }>();
      const out = new LineWriter();
      await withDb(globals, async (db) => {
        let left = limit ?? Infinity;
        let cursor: string | undefined;
        do {
          const page = db.assertionsAbout(subject, { limit: Math.min(left, pageLimitMax), ...(cursor !== undefined && { cursor }) });
          for (const item of page.items) await out.json(item);
          left -= page.items.length;
          cursor = page.cursor;
        } while (cursor !== undefined && left > 0);
      });
      await out.end();
    });
}
