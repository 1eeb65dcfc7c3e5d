// `stemedb retract HASH`: takes back an assertion and prints the retraction's hash (with
// --json, hash and LSN). Only the assertion's author may (NOT_AUTHOR otherwise); the database
// checks it, and the first retraction or supersession of an assertion decides its status.
import type { Command } from 'commander';
import { globalsOf, withDb } from '../context.js';
import { printJson } from '../output.js';
import { parseHash } from '../parse.js';

interface RetractOptions {
  source: string;
  reason?: string;
}

export function registerRetract(program: Command): void {
  program
    .command('retract')
    .description("take back an assertion (only its source may); prints the retraction's hash")
    .argument('<hash>', 'the hash of the assertion taken back', parseHash)
    .requiredOption('--source <source>', "who takes it back: the assertion's own source")
    .option('--reason <text>', 'why it is taken back')
    .action(async (hash: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<RetractOptions>();
      const result = await withDb(globals, (db) =>
        db.retract({ assertion: hash, source: o.source, ...(o.reason !== undefined && { reason: o.reason }) }),
      );
      if (globals.json) await printJson(result, true);
      else process.stdout.write(`${result.hash}\n`);
    });
}
