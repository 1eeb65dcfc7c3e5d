// `stemedb export`: every record as NDJSON with its type and hash — epochs, then assertions
// (a superseding one after the one it replaces), then votes, then retractions — so that
// `import` reads it back in a valid order and to the same hashes.
import { Option, type Command } from 'commander';
import type { RecordKind } from '../../index.js';
import { globalsOf, withDb } from '../context.js';
import { LineWriter } from '../output.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('print every record as NDJSON (epochs, assertions, votes, then retractions), each with "type" and "hash"')
    .addOption(new Option('--kind <kind>', 'only records of this kind').choices(['assertion', 'vote', 'retraction', 'epoch']))
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const { kind } = command.opts<{ kind?: RecordKind }>();
      const out = new LineWriter();
      await withDb(globals, async (db) => {
        for (const record of db.export(kind === undefined ? {} : { kind })) await out.json(record);
      });
      await out.end();
    });
}
