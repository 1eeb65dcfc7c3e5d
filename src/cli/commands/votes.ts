// `stemedb votes HASH`: every vote on an assertion as NDJSON (in log order), then a last line
// {"tally": {...}} in which each voter counts once, with their latest vote; the tally carries
// the LSN it was answered at (atLsn). With --as-of, as the database stood at that LSN.
import type { Command } from 'commander';
import { NotFoundError } from '../../index.js';
import { asOfFlag, asOfRead, asOfText } from '../as-of.js';
import { globalsOf, withDb } from '../context.js';
import { LineWriter } from '../output.js';
import { parseHash } from '../parse.js';

export function registerVotes(program: Command): void {
  program
    .command('votes')
    .description('print the votes on an assertion as NDJSON, then a final line {"tally": {...}}')
    .argument('<hash>', 'the assertion hash', parseHash)
    .addOption(asOfFlag())
    .action(async (hash: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const { asOf } = command.opts<{ asOf?: number }>();
      const out = new LineWriter();
      await withDb(globals, async (db) => {
        const at = asOfRead(asOf);
        if (db.get(hash, at)?.type !== 'assertion') throw new NotFoundError(`no assertion with hash ${hash}${asOfText(asOf)}`);
        for (const vote of db.votesFor(hash, at)) await out.json(vote);
        await out.json({ tally: db.tally(hash, at) });
      });
      await out.end();
    });
}
