// `stemedb votes HASH`: every vote on an assertion as NDJSON (oldest first), then a last line
// {"tally": {...}} in which each voter counts once, with their latest vote.
import type { Command } from 'commander';
import { NotFoundError } from '../../index.js';
import { globalsOf, withDb } from '../context.js';
import { LineWriter } from '../output.js';
import { parseHash } from '../parse.js';

export function registerVotes(program: Command): void {
  program
    .command('votes')
    .description('print the votes on an assertion as NDJSON, then a final line {"tally": {...}}')
    .argument('<hash>', 'the assertion hash', parseHash)
    .action(async (hash: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const out = new LineWriter();
      await withDb(globals, async (db) => {
        if (db.get(hash)?.type !== 'assertion') throw new NotFoundError(`no assertion with hash ${hash}`);
        for (const vote of db.votesFor(hash)) await out.json(vote);
        await out.json({ tally: db.tally(hash) });
      });
      await out.end();
    });
}
