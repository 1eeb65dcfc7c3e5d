// Turns a failure inside lmdb-js (disk full, I/O error, a closed environment) into a
// StorageError that keeps the original as `cause`, so callers branch on code 'STORAGE'
// instead of parsing lmdb-js's plain Error strings.
import { StorageError } from '../errors.js';
import { isStorableKey } from './guards.js';

export function lmdbError(operation: string, error: unknown): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(`LMDB ${operation} failed: ${message}`, { cause: error });
}

/** A get or has on lmdb-js (inside or outside a write transaction), with the shared checks. */
export function lmdbRead<T>(operation: string, key: Uint8Array, keyBytesMax: number, absent: T, read: (key: Uint8Array) => T): T {
  if (!isStorableKey(key, keyBytesMax)) return absent; // no such key can exist; LMDB would throw on it
  try {
    return read(key);
  } catch (error) {
    throw lmdbError(operation, error);
  }
}
