// An ordered in-memory KVStore for unit tests: a sorted array of entries with binary search.
// Transactions stage their writes in a map and apply them only if the callback returns, so a
// throwing callback leaves nothing. Nothing survives close.
import { ClosedError } from '../errors.js';
import { compareBytes, copyBytes, startsWith, successor } from './bytes.js';
import type { KVEntry, KVStore, KVTransaction, ScanOptions } from './kv-store.js';

const hex = (key: Uint8Array): string => Buffer.from(key).toString('hex');

export class MemoryStore implements KVStore {
  private entries: KVEntry[] = [];
  private closed = false;

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

  get(key: Uint8Array): Uint8Array | undefined {
    this.check();
    const entry = this.entries[this.lowerBound(key)];
    return entry !== undefined && compareBytes(entry.key, key) === 0 ? copyBytes(entry.value) : undefined;
  }

  has(key: Uint8Array): boolean {
    return this.get(key) !== undefined;
  }

  *scanPrefix(prefix: Uint8Array, options: ScanOptions = {}): Iterable<KVEntry> {
    this.check();
    const start = options.after !== undefined && compareBytes(options.after, prefix) >= 0 ? successor(options.after) : prefix;
    let remaining = options.limit ?? Infinity;
    for (let i = this.lowerBound(start); i < this.entries.length && remaining > 0; i++, remaining--) {
      const entry = this.entries[i]!;
      if (!startsWith(entry.key, prefix)) return;
      yield { key: copyBytes(entry.key), value: copyBytes(entry.value) };
    }
  }

  private apply(key: Uint8Array, value: Uint8Array | undefined): void {
    const i = this.lowerBound(key);
    const found = this.entries[i] !== undefined && compareBytes(this.entries[i]!.key, key) === 0;
    if (value === undefined) {
      if (found) this.entries.splice(i, 1);
    } else if (found) {
      this.entries[i] = { key: this.entries[i]!.key, value };
    } else {
      this.entries.splice(i, 0, { key: copyBytes(key), value });
    }
  }

  async transaction<T>(fn: (tx: KVTransaction) => T): Promise<T> {
    this.check();
    const staged = new Map<string, { key: Uint8Array; value: Uint8Array | undefined }>();
    const read = (key: Uint8Array): Uint8Array | undefined => {
      const write = staged.get(hex(key));
      return write !== undefined ? (write.value && copyBytes(write.value)) : this.get(key);
    };
    const tx: KVTransaction = {
      get: read,
      has: (key) => read(key) !== undefined,
      put: (key, value) => void staged.set(hex(key), { key: copyBytes(key), value: copyBytes(value) }),
      del: (key) => void staged.set(hex(key), { key: copyBytes(key), value: undefined }),
    };
    const result = fn(tx);
    for (const { key, value } of staged.values()) this.apply(key, value);
    return result;
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.transaction((tx) => tx.put(key, value));
  }

  del(key: Uint8Array): Promise<void> {
    return this.transaction((tx) => tx.del(key));
  }

  async flushed(): Promise<void> {
    this.check();
  }

  async clear(): Promise<void> {
    this.check();
    this.entries = [];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
