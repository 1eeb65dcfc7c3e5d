// `stemedb get HASH`: one record as JSON; an assertion comes with its current tally.
import type { Command } from 'commander';
import { NotFoundError } from '../../index.js';
import { globalsOf, withDb } from '../context.js';
import { printJson } from '../output.js';
import { parseHash } from '../parse.js';

export function registerGet(program: Command): void {
  program
    .command('get')
    .description('print the record with this hash (an assertion with its tally); NOT_FOUND if there is none')
    .argument('<hash>', 'a record hash (64 hex characters)', parseHash)
    .action(async (hash: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const record = await withDb(globals, (db) => {
        const found = db.get(hash);
        if (found === undefined) throw new NotFoundError(`no record with hash ${hash}`);
        return found.type === 'assertion' ? { ...found, tally: db.tally(hash) } : found;
      });
      await printJson(record, globals.json);
    });
}
