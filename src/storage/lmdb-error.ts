// Turns a failure inside lmdb-js (disk full, I/O error, a closed environment) into a
// StorageError that keeps the original as `cause`, so callers branch on code 'STORAGE'
// instead of parsing lmdb-js's plain Error strings.
import { StorageError } from '../errors.js';

export function lmdbError(operation: string, error: unknown): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(`LMDB ${operation} failed: ${message}`, { cause: error });
}
