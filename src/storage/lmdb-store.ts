// The production KVStore on LMDB through the `lmdb` package. Every option that affects
// durability or byte layout is passed explicitly, so a changed library default cannot change
// our guarantees. See docs/key-layout.md ("Durability") for why overlappingSync is safe here:
// the WAL is the source of truth and the ingest checkpoint commits with the records it covers.
import fs from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import { ClosedError, StorageError } from '../errors.js';
import { compareBytes, prefixUpperBound, successor } from './bytes.js';
import type { KVEntry, KVStore, KVTransaction, ScanOptions } from './kv-store.js';

export interface LmdbStoreOptions {
  /** Directory of the LMDB environment (created if missing). */
  path: string;
}

/** Initial map size; lmdb-js grows the map on demand. */
const mapSizeBytesInitial = 256 * 1024 * 1024;
const maxReaders = 126;

type Db = RootDatabase<Uint8Array, Uint8Array>;

/** Runs a backend call, turning any failure into a StorageError that keeps the cause. */
function backend<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw new StorageError(`LMDB: ${(error as Error).message}`, { cause: error });
  }
}

export class LmdbStore implements KVStore {
  private readonly db: Db;
  private readonly tx: KVTransaction;
  private closed = false;

  private constructor(db: Db) {
    this.db = db;
    // Inside transactionSync, reads and *Sync writes run in the one write txn. Backend
    // failures are wrapped where they happen, so they reach the caller as StorageError.
    this.tx = {
      get: (key) => backend(() => this.db.get(key)),
      has: (key) => backend(() => this.db.doesExist(key)),
      put: (key, value) => void backend(() => this.db.putSync(key, value)),
      del: (key) => void backend(() => this.db.removeSync(key)),
    };
  }

  static async open(options: LmdbStoreOptions): Promise<LmdbStore> {
    try {
      fs.mkdirSync(options.path, { recursive: true });
      const db = open<Uint8Array, Uint8Array>({
        path: options.path,
        keyEncoding: 'binary', // bytewise key order (the default encoding orders by type)
        encoding: 'binary', // values are our canonical bytes, stored as they are
        compression: false,
        cache: false,
        noSync: false, // commits are fsynced...
        noMetaSync: false,
        overlappingSync: true, // ...but a commit returns before its fsync; flushed() waits for it
        useWritemap: false, // a stray write through a writable map could corrupt the file
        noMemInit: false,
        mapSize: mapSizeBytesInitial,
        maxReaders,
      });
      return new LmdbStore(db);
    } catch (error) {
      throw new StorageError(`cannot open LMDB at ${options.path}: ${(error as Error).message}`, { cause: error });
    }
  }

  private check(): void {
    if (this.closed) throw new ClosedError('kv store');
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.check();
    return this.db.get(key);
  }

  has(key: Uint8Array): boolean {
    this.check();
    return this.db.doesExist(key);
  }

  *scanPrefix(prefix: Uint8Array, options: ScanOptions = {}): Iterable<KVEntry> {
    this.check();
    const start = options.after !== undefined && compareBytes(options.after, prefix) >= 0 ? successor(options.after) : prefix;
    const end = prefixUpperBound(prefix);
    // snapshot: false renews the read txn as the scan goes, so a long scan never pins old pages.
    const range = this.db.getRange({
      ...(start.length > 0 && { start }),
      ...(end !== undefined && { end }),
      ...(options.limit !== undefined && { limit: options.limit }),
      snapshot: false,
    });
    for (const { key, value } of range) yield { key, value };
  }

  /**
   * transactionSync, not lmdb-js's async transaction(): measured with lmdb 3.5, the async one
   * keeps the callback's putSync writes even when the callback throws or returns ABORT,
   * which would break "a batch is all or nothing". With overlappingSync the sync commit does
   * not wait for the fsync (~0.4 ms for 64 puts here).
   */
  async transaction<T>(fn: (tx: KVTransaction) => T): Promise<T> {
    this.check();
    let fnThrew = false;
    try {
      return this.db.transactionSync(() => {
        try {
          return fn(this.tx);
        } catch (error) {
          fnThrew = true;
          throw error;
        }
      });
    } catch (error) {
      if (fnThrew) throw error; // the caller's own error (or a wrapped backend one), as it was
      throw new StorageError(`LMDB commit failed: ${(error as Error).message}`, { cause: error });
    }
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.transaction((tx) => tx.put(key, value));
  }

  del(key: Uint8Array): Promise<void> {
    return this.transaction((tx) => tx.del(key));
  }

  async flushed(): Promise<void> {
    this.check();
    await this.db.flushed;
  }

  async clear(): Promise<void> {
    this.check();
    try {
      await this.db.clearAsync();
    } catch (error) {
      throw new StorageError(`cannot clear LMDB: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.flushed;
    await this.db.close();
  }
}
