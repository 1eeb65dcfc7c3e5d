// `stemedb assert`: records one assertion and prints its hash (with --json, hash and LSN).
// With --supersedes it replaces an earlier assertion; the database checks that it may.
import type { Command } from 'commander';
import type { AssertionInput } from '../../index.js';
import { globalsOf, withDb } from '../context.js';
import { printJson } from '../output.js';
import { parseHash, parseId, parseNumber, parseObject } from '../parse.js';

/** What commander parses: an assertion without createdAt (the write time is used). */
type AssertOptions = Omit<AssertionInput, 'createdAt'>;

/** The source recorded when --source is not given. */
export const cliSourceDefault = 'cli';

export function registerAssert(program: Command): void {
  program
    .command('assert')
    .description('record a claim (subject, predicate, object); prints its hash')
    .requiredOption('--subject <subject>', 'what the claim is about, e.g. city:2988507')
    .requiredOption('--predicate <predicate>', 'the property claimed, e.g. population')
    .requiredOption('--object <value>', 'the value: parsed as JSON when it is valid JSON (42, true, {"a":1}, "42"), else taken as a string', parseObject)
    .option('--source <source>', 'who or what makes the claim', cliSourceDefault)
    .option('--confidence <c>', 'how sure the source is, from 0 to 1', parseNumber)
    .option('--epoch <id>', 'the epoch the claim belongs to', parseId)
    .option('--supersedes <hash>', 'the hash of an earlier assertion this one replaces (same source, subject and predicate)', parseHash)
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<AssertOptions>();
      const result = await withDb(globals, (db) =>
        db.assert({
          subject: o.subject,
          predicate: o.predicate,
          object: o.object,
          source: o.source,
          ...(o.confidence !== undefined && { confidence: o.confidence }),
          ...(o.epoch !== undefined && { epoch: o.epoch }),
          ...(o.supersedes !== undefined && { supersedes: o.supersedes }),
        }),
      );
      if (globals.json) await printJson(result, true);
      else process.stdout.write(`${result.hash}\n`);
    });
}
