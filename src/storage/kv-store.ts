// The KVStore interface: the one seam between StemeDB and its key-value backend (LMDB in
// production, an ordered in-memory store in unit tests). Keys and values are bytes; keys
// order bytewise. Reads are synchronous because LMDB reads are memory-mapped: an await per
// get would cost more than the get itself. test/storage/conformance.ts is the contract every
// implementation must pass.

/** One key and its value, as a scan returns them. Both are the caller's own copies. */
export interface KVEntry {
  /** The full key (prefix included). */
  key: Uint8Array;
  /** The value stored under `key`. */
  value: Uint8Array;
}

/** How much of a prefix `scanPrefix` returns, and from where. */
export interface ScanOptions {
  /**
   * Return at most this many entries: an integer >= 0. Default: no limit, because a scan is
   * lazy (an unconsumed entry costs nothing) and ingest, export and rebuild read whole prefixes;
   * query pages pass their own limit (pageLimitMax in limits.ts bounds those).
   */
  limit?: number;
  /**
   * Start strictly after this key: the last key of the previous page, so paging never repeats
   * or skips an entry. An `after` below the prefix starts at the prefix; above it, nothing.
   */
  after?: Uint8Array;
  // No `reverse`: no caller needs it yet. LMDB supports it (getRange reverse) when one does.
}

/** Reads, inside or outside a transaction. */
export interface KVReader {
  /**
   * The value under `key`, or undefined. The bytes are the caller's own copy: they stay valid
   * after later reads and writes, and mutating them does not touch the store.
   */
  get(key: Uint8Array): Uint8Array | undefined;
  /** Whether `key` exists (cheaper than get: no value is copied). */
  has(key: Uint8Array): boolean;
}

/**
 * The handle `transaction` passes its callback. Reads see the transaction's own writes. The
 * handle is valid only while the callback runs; any use afterwards throws CLOSED, so a write
 * can never escape its transaction silently.
 */
export interface KVTransaction extends KVReader {
  /**
   * Stores `value` under `key` (replacing any value) when the transaction commits. The store
   * keeps its own copy of both. `key` must be 1..keyBytesMax bytes: else KeyRefusedError
   * (INVALID_ARGUMENT), thrown before anything is written, about that key alone.
   */
  put(key: Uint8Array, value: Uint8Array): void;
  /**
   * Stores `value` under `key` only if the key is absent (in the store or staged earlier in
   * this transaction); returns whether it stored. One lookup, where has() then put() is two.
   */
  putIfAbsent(key: Uint8Array, value: Uint8Array): boolean;
  /** Deletes `key` when the transaction commits; deleting a missing key is not an error. */
  del(key: Uint8Array): void;
}

export interface KVStore extends KVReader {
  /**
   * The longest key this store takes, in bytes (LMDB: its cap at the environment's page size).
   * Longer keys are refused on write and found nowhere on read. The layout's longest key
   * should fit (StemeDB.open checks, and health reports a store where it does not).
   */
  readonly keyBytesMax: number;
  /**
   * Entries whose key starts with `prefix`, in bytewise key order, read lazily. A long scan
   * does not pin one read snapshot (that would stop LMDB reusing freed pages and grow the
   * file), so entries written while it runs may or may not appear; each entry is consistent.
   * Using the store after close, including mid-scan, throws CLOSED.
   */
  scanPrefix(prefix: Uint8Array, options?: ScanOptions): Iterable<KVEntry>;
  /**
   * Runs `fn` synchronously inside one atomic write transaction and commits. If `fn` throws,
   * nothing it wrote is applied and the promise rejects with that same error. Resolves with
   * `fn`'s result once committed (visible to reads); durability on disk is what `flushed()`
   * confirms. `fn` must not return a promise and must not start another transaction (both
   * INVALID_ARGUMENT); inside `fn`, read through `tx`, not through the store.
   */
  transaction<T>(fn: (tx: KVTransaction) => T): Promise<T>;
  /** One put in its own transaction. */
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  /** One delete in its own transaction. */
  del(key: Uint8Array): Promise<void>;
  /**
   * Resolves once every transaction committed before the call is durable on disk, so that a
   * power loss cannot roll the store back past it. Only after this may WAL segments below the
   * checkpoint those transactions wrote be deleted.
   */
  flushed(): Promise<void>;
  /**
   * Writes a copy of the store as of one committed transaction (a read snapshot: writers go on
   * meanwhile) into `dir`, which must be missing or empty, as a store of the same kind that
   * opens at that path; `compact` leaves out free pages (slower, smaller). The copy's files and
   * `dir` are fsynced before this resolves. A store that cannot be copied rejects INVALID_ARGUMENT.
   */
  backup(dir: string, options: { compact: boolean }): Promise<void>;
  /** Deletes every key, atomically (for rebuild). */
  clear(): Promise<void>;
  /** Waits for pending writes to reach disk and closes; any later call throws CLOSED. Idempotent. */
  close(): Promise<void>;
}
