// The KVStore interface: the one seam between StemeDB and its key-value backend (LMDB in
// production, an ordered in-memory store in unit tests). Keys and values are bytes; keys
// order bytewise. Reads are synchronous because LMDB reads are memory-mapped: an await per
// get would cost more than the get itself.

export interface KVEntry {
  key: Uint8Array;
  value: Uint8Array;
}

export interface ScanOptions {
  /** Return at most this many entries (default: no limit). */
  limit?: number;
  /** Start strictly after this key (a cursor from a previous page). */
  after?: Uint8Array;
}

/** Reads, inside or outside a transaction. */
export interface KVReader {
  /** The value under `key`, or undefined. The bytes are the caller's: mutating them does not touch the store. */
  get(key: Uint8Array): Uint8Array | undefined;
  /** Whether `key` exists. */
  has(key: Uint8Array): boolean;
}

/** The view `transaction` gives its callback: reads see the transaction's own writes. */
export interface KVTransaction extends KVReader {
  /** Stores `value` under `key` (replacing any value), when the transaction commits. */
  put(key: Uint8Array, value: Uint8Array): void;
  /** Deletes `key` (a missing key is fine), when the transaction commits. */
  del(key: Uint8Array): void;
}

export interface KVStore extends KVReader {
  /**
   * Entries whose key starts with `prefix`, in key order. Iterating reads in bounded steps
   * without pinning one read snapshot for the whole scan, so a long scan does not stop the
   * backend from reusing free pages; entries written during the scan may or may not appear.
   */
  scanPrefix(prefix: Uint8Array, options?: ScanOptions): Iterable<KVEntry>;
  /**
   * Runs `fn` synchronously inside one atomic write transaction and commits. If `fn` throws,
   * nothing it wrote is applied and the promise rejects with that error. Resolves with
   * `fn`'s result once committed (visible to reads), not necessarily flushed to disk.
   */
  transaction<T>(fn: (tx: KVTransaction) => T): Promise<T>;
  /** One put in its own transaction. */
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  /** One delete in its own transaction. */
  del(key: Uint8Array): Promise<void>;
  /** Resolves once every transaction committed before the call is durable on disk. */
  flushed(): Promise<void>;
  /** Deletes every key (for rebuild). */
  clear(): Promise<void>;
  /** Flushes and closes; any later call throws CLOSED. Idempotent. */
  close(): Promise<void>;
}
