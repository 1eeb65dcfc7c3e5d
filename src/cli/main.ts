#!/usr/bin/env node
// The `stemedb` executable: runs the command line and turns whatever went wrong into one
// line on stderr and an exit code (0 ok, 1 failure, 2 usage, 3 locked; docs/cli.md).
// It never calls process.exit on success, so buffered stdout is always written out.
import { exitOk } from './exit-codes.js';
import { buildProgram } from './program.js';
import { reportError } from './report-error.js';

// `stemedb export | head` closes the pipe early: that is the reader's choice, not a failure.
// Any other stdout failure (disk full behind a redirect) ends the command with its one line.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  process.exit(error.code === 'EPIPE' ? exitOk : reportError(error));
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
