// Checks and scan bounds both stores share, so the memory store accepts exactly what LMDB
// does. No key is empty (LMDB refuses those) or longer than the store's keyBytesMax (LMDB's
// cap at its page size); a write of such a key is KeyRefusedError before the backend sees it,
// and reads of one find nothing instead of reaching LMDB, whose key buffer throws a RangeError
// on keys over its cap, even in a get.
import { InvalidArgumentError, KeyRefusedError } from '../errors.js';
import { compareBytes, prefixUpperBound, successor } from './bytes.js';
import type { ScanOptions } from './kv-store.js';

/** Whether a key of this length can exist in a store that takes keys of up to `keyBytesMax` bytes. */
export function isStorableKey(key: Uint8Array, keyBytesMax: number): boolean {
  return key.length > 0 && key.length <= keyBytesMax;
}

/** Refuses a key the store cannot hold (KeyRefusedError), before the backend sees it. */
export function checkKey(key: Uint8Array, keyBytesMax: number): void {
  if (!isStorableKey(key, keyBytesMax)) throw new KeyRefusedError(key, keyBytesMax);
}

/** Refuses an async transaction callback: its writes after an await would escape the transaction. */
export function checkSynchronous(result: unknown): void {
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new InvalidArgumentError('a transaction callback must be synchronous (it returned a promise); nothing was applied');
  }
}

/** Where a prefix scan starts and stops; `empty` when no storable key can match. */
export interface ScanRange {
  empty: boolean;
  /** Inclusive start (the prefix, or just after `after`). */
  start: Uint8Array;
  /** Exclusive end, or undefined when the prefix is all 0xFF bytes (or empty). */
  end: Uint8Array | undefined;
  /** Entries to return at most (Infinity by default). */
  limit: number;
}

export function scanRange(prefix: Uint8Array, options: ScanOptions, keyBytesMax: number): ScanRange {
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new InvalidArgumentError(`a scan limit is an integer >= 0, not ${String(limit)}`);
  }
  // A cursor longer than any key is cut to keyBytesMax bytes: for keys of at most that
  // length, "greater than after" and "greater than its cut" are the same test, and the start
  // key stays short enough for LMDB.
  const after = options.after?.subarray(0, keyBytesMax);
  const start = after !== undefined && compareBytes(after, prefix) >= 0 ? successor(after) : prefix;
  const end = prefixUpperBound(prefix);
  const empty = prefix.length > keyBytesMax || limit === 0 || (end !== undefined && compareBytes(start, end) >= 0);
  return { empty, start, end, limit };
}

/**
 * The error for a write started inside a transaction callback (it would nest), and a promise
 * already rejected with it. The store also throws the same error from the outer callback so
 * that it aborts; the promise is marked handled because the outer transaction reports it.
 */
export function nestedWriteRefusal(): { error: InvalidArgumentError; refused: Promise<never> } {
  const error = new InvalidArgumentError('transactions do not nest: a transaction callback started another write');
  const refused = Promise.reject(error);
  refused.catch(() => undefined);
  return { error, refused };
}
