// `stemedb get HASH`: one record as JSON; an assertion comes with its LSN, its status (live,
// retracted, superseded) and its tally. With --as-of, as the database stood at that LSN.
import type { Command } from 'commander';
import { NotFoundError } from '../../index.js';
import { asOfFlag, asOfRead, asOfText } from '../as-of.js';
import { globalsOf, withDb } from '../context.js';
import { printJson } from '../output.js';
import { parseHash } from '../parse.js';

export function registerGet(program: Command): void {
  program
    .command('get')
    .description('print the record with this hash (an assertion with its status and tally); NOT_FOUND if there is none')
    .argument('<hash>', 'a record hash (64 hex characters)', parseHash)
    .addOption(asOfFlag())
    .action(async (hash: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const { asOf } = command.opts<{ asOf?: number }>();
      const record = await withDb(globals, (db) => {
        const found = db.get(hash, asOfRead(asOf));
        if (found === undefined) throw new NotFoundError(`no record with hash ${hash}${asOfText(asOf)}`);
        return found.type === 'assertion' ? { ...found, tally: db.tally(hash, asOfRead(asOf)) } : found;
      });
      await printJson(record, globals.json);
    });
}
