// `stemedb rebuild`: drops the KV store and re-ingests it from the WAL (the WAL is the truth).
import type { Command } from 'commander';
import { globalsOf, withDb } from '../context.js';
import { printJson } from '../output.js';

export function registerRebuild(program: Command): void {
  program
    .command('rebuild')
    .description('drop the KV store and rebuild it from the WAL')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const startedMs = performance.now();
      const records = await withDb(globals, async (db) => {
        await db.rebuild();
        return Object.values(db.stats().records).reduce((sum, count) => sum + count, 0);
      });
      const seconds = Number(((performance.now() - startedMs) / 1000).toFixed(3));
      if (globals.json) await printJson({ records, seconds }, true);
      else process.stdout.write(`rebuilt the KV store from the WAL: ${records} records in ${seconds.toFixed(2)} s\n`);
    });
}
