// An ordered in-memory KVStore for unit tests: a sorted array of entries with binary search.
// Transactions stage their writes and apply them only when the callback returns, so a
// throwing callback leaves nothing. Every byte array in or out is copied, as with LMDB.
// A scan re-finds its place after each entry, so writes during a scan never repeat or skip
// an entry that existed throughout. Nothing survives close.
import { ClosedError, InvalidArgumentError } from '../errors.js';
import { memoryStoreKeyBytesMaxDefault } from '../limits.js';
import { compareBytes, copyBytes, startsWith, successor } from './bytes.js';
import { checkSynchronous, isStorableKey, nestedWriteRefusal, scanRange, type ScanRange } from './guards.js';
import type { KVEntry, KVStore, KVTransaction, ScanOptions } from './kv-store.js';
import { MemoryTransaction } from './memory-transaction.js';

export interface MemoryStoreOptions {
  /** The longest key it takes (default memoryStoreKeyBytesMaxDefault: what LMDB takes from a new environment). */
  keyBytesMax?: number;
}

export class MemoryStore implements KVStore {
  readonly keyBytesMax: number;
  private entries: KVEntry[] = [];
  private closed = false;
  private writing = false;
  private nested: InvalidArgumentError | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    const keyBytesMax = options.keyBytesMax ?? memoryStoreKeyBytesMaxDefault;
    if (!Number.isSafeInteger(keyBytesMax) || keyBytesMax < 1) throw new InvalidArgumentError(`keyBytesMax is an integer >= 1, not ${String(keyBytesMax)}`);
    this.keyBytesMax = keyBytesMax;
  }

  /** Index of the first entry whose key is >= `key`. */
  private lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.entries[mid]!.key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private check(): void {
    if (this.closed) throw new ClosedError('kv store');
  }

  /** The stored value itself (not a copy): for this module and its transactions only. */
  private find(key: Uint8Array): Uint8Array | undefined {
    if (!isStorableKey(key, this.keyBytesMax)) return undefined;
    const entry = this.entries[this.lowerBound(key)];
    return entry !== undefined && compareBytes(entry.key, key) === 0 ? entry.value : undefined;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.check();
    const value = this.find(key);
    return value === undefined ? undefined : copyBytes(value);
  }

  has(key: Uint8Array): boolean {
    this.check();
    return this.find(key) !== undefined;
  }

  scanPrefix(prefix: Uint8Array, options: ScanOptions = {}): Iterable<KVEntry> {
    this.check();
    const range = scanRange(prefix, options, this.keyBytesMax);
    return range.empty ? [] : this.scan(prefix, range);
  }

  private *scan(prefix: Uint8Array, range: ScanRange): Generator<KVEntry> {
    let from = range.start;
    for (let left = range.limit; left > 0; left--) {
      const entry = this.entries[this.lowerBound(from)];
      if (entry === undefined || !startsWith(entry.key, prefix)) return;
      yield { key: copyBytes(entry.key), value: copyBytes(entry.value) };
      this.check(); // the consumer may have closed the store while this entry was out
      from = successor(entry.key);
    }
  }

  transaction<T>(fn: (tx: KVTransaction) => T): Promise<T> {
    if (this.writing) return this.refuseNested();
    try {
      this.check();
      return Promise.resolve(this.runTransaction(fn));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private runTransaction<T>(fn: (tx: KVTransaction) => T): T {
    const tx = new MemoryTransaction((key) => this.find(key), this.keyBytesMax);
    this.writing = true;
    try {
      const result = fn(tx);
      checkSynchronous(result);
      if (this.nested !== undefined) throw this.nested;
      for (const [key, value] of tx.writes()) this.apply(key, value);
      return result;
    } finally {
      tx.finish();
      this.writing = false;
      this.nested = undefined;
    }
  }

  /** As LmdbStore: refuse a nested write and fail the outer transaction with the same error. */
  private refuseNested(): Promise<never> {
    const { error, refused } = nestedWriteRefusal();
    this.nested = error;
    return refused;
  }

  /** Applies one staged write (its key was checked when staged; `value` is the store's own copy). */
  private apply(key: Uint8Array, value: Uint8Array | undefined): void {
    const i = this.lowerBound(key);
    const found = this.entries[i] !== undefined && compareBytes(this.entries[i]!.key, key) === 0;
    if (value === undefined) {
      if (found) this.entries.splice(i, 1);
    } else if (found) {
      this.entries[i] = { key: this.entries[i]!.key, value };
    } else {
      this.entries.splice(i, 0, { key, value });
    }
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.transaction((tx) => tx.put(key, value));
  }

  del(key: Uint8Array): Promise<void> {
    return this.transaction((tx) => tx.del(key));
  }

  async flushed(): Promise<void> {
    this.check(); // nothing to flush: memory is as durable as it gets
  }

  /** Nothing on disk to copy: an in-memory store cannot be backed up. */
  backup(): Promise<void> {
    return Promise.reject(new InvalidArgumentError('an in-memory store cannot be backed up: open the database with the LMDB store'));
  }

  clear(): Promise<void> {
    if (this.writing) return this.refuseNested();
    try {
      this.check();
      this.entries = [];
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
