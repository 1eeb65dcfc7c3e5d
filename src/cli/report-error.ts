// Turns any error that reaches the top of the CLI into one line on stderr and an exit code.
// A user's mistake never prints a stack trace; an unexpected error (a bug) prints
// `INTERNAL` and its message, and its stack only when STEMEDB_DEBUG=1.
import { CommanderError } from 'commander';
import { StemeError } from '../index.js';
import { CliError } from './errors.js';
import { exitCodeByError, exitFailure, exitOk, exitUsage } from './exit-codes.js';

/** Commander's message without its "error: " prefix, on one line. */
function commanderMessage(error: CommanderError): string {
  return error.message
    .replace(/^error: /, '')
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' ');
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}

function exitCodeOf(error: unknown, write: (code: string, message: string) => void): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0 and their text already printed.
    if (error.exitCode === 0) return exitOk;
    // Bare `stemedb` (no command) has printed the help to stderr already.
    if (error.code !== 'commander.help') write('USAGE', commanderMessage(error));
    return exitUsage;
  }
  if (error instanceof CliError || error instanceof StemeError) {
    write(error.code, error.message);
    // A server's own code (watch passes on HTTP refusals such as UNAUTHORIZED) has no entry: a failure all the same.
    return exitCodeByError[error.code] ?? exitFailure;
  }
  write('INTERNAL', error instanceof Error ? error.message : String(error));
  return exitFailure;
}

/** Writes the error line (if any) and returns the exit code for `error`. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const code = exitCodeOf(error, (name, message) => void stderr.write(`stemedb: ${name}: ${oneLine(message)}\n`));
  if (process.env.STEMEDB_DEBUG === '1' && error instanceof Error && error.stack !== undefined) stderr.write(`${error.stack}\n`);
  return code;
}
