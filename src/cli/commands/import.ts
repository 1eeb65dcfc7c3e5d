// `stemedb import FILE|-`: loads NDJSON records (as `export` and `sample` write them) in large
// batches, with a progress bar on a terminal and a summary at the end. The input is checked
// before the database is opened, so a missing file fails without touching the lock.
import { Option, type Command } from 'commander';
import { globalsOf, withDb } from '../context.js';
import type { BadLineError } from '../errors.js';
import { openLineInput } from '../load/line-input.js';
import { loadLines } from '../load/load-lines.js';
import type { OnBadLine } from '../load/loader.js';
import { printSummary } from '../load/summary.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('load NDJSON records (one per line, each with "type": assertion, vote, retraction or epoch; a "hash" field is checked) from a file or stdin (-)')
    .argument('<file>', 'an NDJSON file, or - for stdin')
    .addOption(new Option('--on-error <policy>', 'at a bad line: abort (stop there; every earlier line is durable) or skip (report it and go on)').choices(['abort', 'skip']).default('abort'))
    .action(async (file: string, _options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const { onError } = command.opts<{ onError: OnBadLine }>();
      const input = openLineInput(file);
      const showProgress = process.stderr.isTTY === true;
      const onSkip = (error: BadLineError): void => {
        // On a terminal the bar owns the current line: clear it so the message starts clean.
        process.stderr.write(`${showProgress ? '\r\x1b[2K' : ''}stemedb: ${error.code}: ${error.message} (skipped)\n`);
      };
      const summary = await withDb(globals, (db) => loadLines(db, input, { onError, onSkip, showProgress }));
      await printSummary('imported', summary, globals.json);
    });
}
