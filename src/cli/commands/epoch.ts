// `stemedb epoch define` and `stemedb epoch list`. Defining the same epoch again is
// idempotent (same hash); the same id with other content is EPOCH_CONFLICT.
import type { Command } from 'commander';
import { globalsOf, withDb } from '../context.js';
import { LineWriter, printJson } from '../output.js';
import { parseId } from '../parse.js';

interface DefineOptions {
  id: number;
  name: string;
  description?: string;
  parent?: number;
}

export function registerEpoch(program: Command): void {
  const epoch = program.command('epoch').description('define and list epochs (named periods or versions of knowledge)');

  epoch
    .command('define')
    .description("define an epoch; prints its hash")
    .requiredOption('--id <n>', 'the epoch id, a non-negative integer', parseId)
    .requiredOption('--name <name>', 'a short name')
    .option('--description <text>', 'what the epoch covers')
    .option('--parent <id>', 'the epoch this one follows from', parseId)
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<DefineOptions>();
      const result = await withDb(globals, (db) =>
        db.defineEpoch({
          id: o.id,
          name: o.name,
          ...(o.description !== undefined && { description: o.description }),
          ...(o.parent !== undefined && { parent: o.parent }),
        }),
      );
      if (globals.json) await printJson(result, true);
      else process.stdout.write(`${result.hash}\n`);
    });

  epoch
    .command('list')
    .description('list the epochs by id: id, name, parent, hash (with --json: NDJSON records)')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const epochs = await withDb(globals, (db) => db.epochs());
      const out = new LineWriter();
      for (const e of epochs) {
        if (globals.json) await out.json(e);
        else await out.line([e.id, e.name, e.parent === undefined ? '-' : `parent ${e.parent}`, e.hash].join('\t'));
      }
      await out.end();
    });
}
