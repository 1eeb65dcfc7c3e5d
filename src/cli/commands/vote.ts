// `stemedb vote`: records a vote on an assertion and prints the vote's hash.
import { Option, type Command } from 'commander';
import { globalsOf, withDb } from '../context.js';
import { printJson } from '../output.js';
import { parseHash, parseId, parseNumber } from '../parse.js';

interface VoteOptions {
  assertion: string;
  voter: string;
  stance: 'support' | 'oppose';
  weight?: number;
  epoch?: number;
}

export function registerVote(program: Command): void {
  program
    .command('vote')
    .description("vote for or against an assertion; prints the vote's hash")
    .requiredOption('--assertion <hash>', 'the hash of the assertion voted on', parseHash)
    .requiredOption('--voter <voter>', 'who votes (each voter counts once in the tally, with their latest vote)')
    .addOption(new Option('--stance <stance>', 'support or oppose').choices(['support', 'oppose']).makeOptionMandatory())
    .option('--weight <w>', "the vote's weight (default 1)", parseNumber)
    .option('--epoch <id>', 'the epoch the vote belongs to', parseId)
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<VoteOptions>();
      const result = await withDb(globals, (db) =>
        db.vote({
          assertion: o.assertion,
          voter: o.voter,
          stance: o.stance,
          ...(o.weight !== undefined && { weight: o.weight }),
          ...(o.epoch !== undefined && { epoch: o.epoch }),
        }),
      );
      if (globals.json) await printJson(result, true);
      else process.stdout.write(`${result.hash}\n`);
    });
}
