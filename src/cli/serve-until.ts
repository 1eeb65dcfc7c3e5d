// When `serve` stops: on SIGINT/SIGTERM, or, with --on-wal-failure=exit (the default), as soon
// as the database fails (the WAL after a write or fsync error, or ingest for good). A failed
// node that kept running would answer every write with 503 and never recover; exiting with
// exitDatabaseFailed lets a supervisor restart it into recovery (PostgreSQL does the same).
import { once } from 'node:events';
import type { DatabaseFailure, StemeDB } from '../index.js';
import { CliError } from './errors.js';

export type OnDatabaseFailure = 'exit' | 'stay';

export const onDatabaseFailureChoices: readonly OnDatabaseFailure[] = ['exit', 'stay'];

/** The error `serve` ends with after `failure`: DATABASE_FAILED, exit code 4. */
export function databaseFailedError(failure: DatabaseFailure): CliError {
  return new CliError('DATABASE_FAILED', `the ${failure.part} failed (${failure.error.message}); exiting so that a restart recovers the database: everything acknowledged is durable`, { cause: failure.error });
}

/**
 * Resolves when serving should end: undefined after a signal (a clean stop, exit 0), or the
 * DATABASE_FAILED error once the database fails and `onFailure` is 'exit'. With 'stay' a
 * failure is reported through `onStay` and serving goes on (reads work; writes and
 * /v1/health answer 503) until a signal.
 */
export async function serveUntil(stop: AbortSignal, db: StemeDB, onFailure: OnDatabaseFailure, onStay: (failure: DatabaseFailure) => void): Promise<CliError | undefined> {
  if (stop.aborted) return undefined;
  const stopped = once(stop, 'abort').then(() => undefined);
  const failed = db.failed.then((failure) => {
    if (onFailure === 'exit') return databaseFailedError(failure);
    onStay(failure);
    return stopped;
  });
  return Promise.race([stopped, failed]);
}
