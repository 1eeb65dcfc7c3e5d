// The CLI's own errors, next to StemeDB's: a usage mistake (exit 2) and a bad input line in
// `import` (which names the line and how much of the input is durable). Their `code` is what
// the one-line error message starts with, so scripts can match it like a StemeError's code.
import type { ErrorCode } from '../index.js';

/**
 * StemeDB's codes plus the CLI's: USAGE (a mistake on the command line), INTERNAL (a bug),
 * TIMEOUT (`serve` could not shut down within serveShutdownMsMax), DATABASE_FAILED (`serve`
 * stopped because the WAL or ingest failed: restart it to recover).
 */
export type CliErrorCode = ErrorCode | 'USAGE' | 'INTERNAL' | 'TIMEOUT' | 'DATABASE_FAILED';

export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** The command line itself is wrong (unknown option, missing argument, bad number). */
export class UsageError extends CliError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** An input line `import` could not take; with --on-error abort, every earlier line is durable. */
export class BadLineError extends CliError {
  readonly line: number;
  readonly reason: string;

  constructor(code: CliErrorCode, line: number, reason: string, options: { cause?: unknown } = {}) {
    super(code, `line ${line}: ${reason}`, options);
    this.line = line;
    this.reason = reason;
  }
}
