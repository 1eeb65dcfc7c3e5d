// The process exit codes `stemedb` uses, documented in docs/cli.md. Scripts rely on them:
// 2 means "fix the command line", 3 means "another process has the database open, retry later",
// 4 means "the database failed while serving: restart to recover" (docs/operations.md).
// Every error code has its exit code below, so a new code does not compile until it is mapped.
import type { CliErrorCode } from './errors.js';

export const exitOk = 0;
/** Any failure that is not a usage error or a held lock; also `verify` finding damage. */
export const exitFailure = 1;
export const exitUsage = 2;
export const exitLocked = 3;
/**
 * `serve` stopped because the WAL failed (a write or fsync error, e.g. a full disk) or ingest
 * failed for good. Everything acknowledged is durable: a supervisor should restart the
 * process, whose open recovers it (once the cause, e.g. the full disk, is fixed).
 */
export const exitDatabaseFailed = 4;

export const exitCodeByError: Record<CliErrorCode, number> = {
  USAGE: exitUsage,
  LOCKED: exitLocked,
  INVALID_ARGUMENT: exitFailure,
  INVALID_RECORD: exitFailure,
  CREATED_AT_IN_FUTURE: exitFailure,
  RECORD_SIZE: exitFailure,
  WAL_CORRUPT: exitFailure,
  WAL_FAILED: exitFailure,
  CLOSED: exitFailure,
  NOT_FOUND: exitFailure,
  UNKNOWN_ASSERTION: exitFailure,
  EPOCH_CONFLICT: exitFailure,
  NOT_AUTHOR: exitFailure,
  UNKNOWN_EPOCH: exitFailure,
  INVALID_QUERY: exitFailure,
  INVALID_CURSOR: exitFailure,
  CURSOR_EXPIRED: exitFailure,
  STORAGE: exitFailure,
  BACKUP_TARGET_EXISTS: exitFailure,
  NOT_OWNER: exitFailure,
  PARTITION_MISMATCH: exitFailure,
  CLUSTER_UNAVAILABLE: exitFailure,
  INTERNAL: exitFailure,
  TIMEOUT: exitFailure,
  DATABASE_FAILED: exitDatabaseFailed,
};
