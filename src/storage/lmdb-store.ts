// The production KVStore on LMDB through the `lmdb` package, opened with every durability
// and layout option explicit (lmdb-settings.ts). Reads are synchronous and return fresh
// copies (lmdb-js copies binary values out of the map). Each transaction is one lmdb-js
// transactionSync, which aborts when the callback throws and is fsynced when it returns.
import fs from 'node:fs';
import path from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { nodeFileSystem } from '../fs/node-file-system.js';
import { ClosedError, InvalidArgumentError, StemeError, StorageError } from '../errors.js';
import { kvCompactBatchEntriesMax } from '../limits.js';
import { checkSynchronous, nestedWriteRefusal, scanRange, type ScanRange } from './guards.js';
import type { KVEntry, KVStore, KVTransaction, ScanOptions } from './kv-store.js';
import { lmdbError, lmdbRead } from './lmdb-error.js';
import { lmdbSettings } from './lmdb-settings.js';
import { LmdbTransaction } from './lmdb-transaction.js';

export interface LmdbStoreOptions {
  /** Directory of the LMDB environment (created if missing). */
  path: string;
}

type Db = RootDatabase<Uint8Array, Uint8Array>;

export class LmdbStore implements KVStore {
  private readonly db: Db;
  private closed = false;
  /** Set while a transaction callback runs: a store write from inside it would nest. */
  private nested: InvalidArgumentError | undefined;
  private writing = false;

  /** The environment's directory: another thread opens its own handle on it. */
  readonly path: string;
  /** lmdb-js's cap on keys for this environment: 4026 from 8 KiB pages up, 1978 with 4 KiB pages. */
  readonly keyBytesMax: number;

  private constructor(db: Db, path: string, keyBytesMax: number) {
    this.db = db;
    this.path = path;
    this.keyBytesMax = keyBytesMax;
  }

  /**
   * Makes this thread's next reads see commits made by another thread. lmdb-js keeps one read
   * transaction per thread and renews it lazily (after the current event-loop turn at best),
   * so without this a read right after another thread's commit may see the snapshot before it.
   */
  refreshReads(): void {
    this.check();
    this.db.resetReadTxn();
  }

  static async open(options: LmdbStoreOptions): Promise<LmdbStore> {
    let db: Db;
    try {
      fs.mkdirSync(options.path, { recursive: true });
      db = open<Uint8Array, Uint8Array>(lmdbSettings(options.path));
    } catch (error) {
      throw new StorageError(`cannot open LMDB at ${options.path}: ${(error as Error).message}`, { cause: error });
    }
    // pageSize applies only to new environments: an older one keeps its pages, and lmdb-js's own
    // (untyped) maxKeySize is the cap it enforces on every write there. The store reports it;
    // the database decides what a cap below its longest key means (health, dead letters).
    const keyBytesMax = (db as unknown as { maxKeySize?: unknown }).maxKeySize;
    if (typeof keyBytesMax !== 'number' || !Number.isSafeInteger(keyBytesMax) || keyBytesMax < 1) {
      await db.close();
      throw new StorageError(`LMDB at ${options.path} reports no key size cap (maxKeySize ${String(keyBytesMax)}): an lmdb-js this StemeDB was not built for`);
    }
    return new LmdbStore(db, options.path, keyBytesMax);
  }

  private check(): void {
    if (this.closed) throw new ClosedError('kv store');
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.check();
    return lmdbRead('get', key, this.keyBytesMax, undefined, (k) => this.db.get(k));
  }

  has(key: Uint8Array): boolean {
    this.check();
    return lmdbRead('has', key, this.keyBytesMax, false, (k) => this.db.doesExist(k));
  }

  scanPrefix(prefix: Uint8Array, options: ScanOptions = {}): Iterable<KVEntry> {
    this.check();
    const range = scanRange(prefix, options, this.keyBytesMax);
    return range.empty ? [] : this.entries(range);
  }

  private *entries(range: ScanRange): Generator<KVEntry> {
    // snapshot: false lets lmdb-js renew its read transaction between event turns while the
    // cursor is suspended, so a slow consumer never pins the pages of an old snapshot.
    // The options are object literals of one fixed shape, not built with conditional spreads:
    // lmdb-js reads them on every step of the scan, and a spread-built object cost ~2.3 µs a
    // scan (measured: an empty prefix scan took 3.5 µs, against 0.7 µs for lmdb-js alone).
    // An absent end or limit may be undefined; `start` must be absent when empty (lmdb-js
    // tests `'start' in options`, and LMDB refuses empty keys).
    const end = range.end;
    const limit = range.limit === Infinity ? undefined : range.limit;
    const found = range.start.length > 0 ? this.db.getRange({ start: range.start, end, limit, snapshot: false }) : this.db.getRange({ end, limit, snapshot: false });
    try {
      for (const { key, value } of found) {
        yield { key, value };
        this.check(); // the consumer may have closed the store while this entry was out
      }
    } catch (error) {
      throw error instanceof StemeError ? error : lmdbError('scan', error);
    }
  }

  /**
   * transactionSync, not lmdb-js's async transaction(): the sync one aborts when the callback
   * throws, and its commit is fsynced before it returns (about 2-4 ms here). The async one runs
   * the callback later from lmdb-js's write thread; with lmdb 3.5.6 on Node 20 in our test
   * environment it never ran it at all, and an earlier run saw it keep a throwing callback's writes.
   */
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
    let failed: { error: unknown } | undefined;
    this.writing = true;
    try {
      return this.db.transactionSync(() => {
        const tx = new LmdbTransaction(this.db, this.keyBytesMax);
        try {
          const result = fn(tx);
          checkSynchronous(result);
          if (this.nested !== undefined) throw this.nested;
          return result;
        } catch (error) {
          failed = { error };
          throw error; // makes transactionSync abort
        } finally {
          tx.finish();
        }
      });
    } catch (error) {
      if (failed !== undefined) throw failed.error; // the callback's own error, unchanged
      throw lmdbError('commit', error);
    } finally {
      this.writing = false;
      this.nested = undefined;
    }
  }

  /**
   * A write started inside a transaction callback would nest (lmdb-js would run it as a child
   * transaction on its async path). Refuse it, and make the outer transaction fail with the
   * same error so it aborts; the refusal is marked handled because the outer one reports it.
   */
  private refuseNested(): Promise<never> {
    const { error, refused } = nestedWriteRefusal();
    this.nested = error;
    return refused;
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return this.transaction((tx) => tx.put(key, value));
  }

  del(key: Uint8Array): Promise<void> {
    return this.transaction((tx) => tx.del(key));
  }

  async flushed(): Promise<void> {
    this.check();
    // Transactions are already on disk when they resolve (transactionSync fsyncs); lmdb-js's
    // `flushed` covers its async writes (clearAsync), which fsync after they commit.
    try {
      await this.db.flushed;
    } catch (error) {
      throw lmdbError('flush', error);
    }
  }

  /**
   * mdb_env_copy2 (lmdb-js `backup`, never with MDB_CP_COMPACT): copies the environment as of
   * one read transaction, on a libuv thread, while writers go on in the live file. LMDB writes
   * the copy's data.mdb without fsyncing it, so we do, and the directory that names it.
   * `compact` then rewrites that static copy, key by key, into a fresh environment (no free
   * pages): lmdb-js 3.5.6's own compacting copy produced environments whose first commits
   * crashed LMDB (mdb.c: Assertion 'key.mv_size > 0' failed in mdb_page_alloc; lmdb-js#198).
   */
  async backup(dir: string, options: { compact: boolean }): Promise<void> {
    this.check();
    const target = path.resolve(dir);
    fs.mkdirSync(target, { recursive: true });
    if (fs.readdirSync(target).length > 0) throw new InvalidArgumentError(`the KV copy's directory ${target} is not empty`);
    if (!options.compact) return this.copyEnvironment(target);
    // No dot in the name: lmdb-js takes a path with an extension for a file, not a directory.
    const full = `${target}-uncompacted`;
    fs.mkdirSync(full);
    try {
      await this.copyEnvironment(full);
      await rewriteInto(full, target);
    } finally {
      fs.rmSync(full, { recursive: true, force: true });
    }
  }

  private async copyEnvironment(target: string): Promise<void> {
    try {
      await this.db.backup(target, false);
    } catch (error) {
      throw lmdbError('backup', error);
    }
    await syncFile(path.join(target, 'data.mdb'));
    await nodeFileSystem.syncDirectory(target);
  }

  clear(): Promise<void> {
    return this.writing ? this.refuseNested() : this.clearAll();
  }

  private async clearAll(): Promise<void> {
    this.check();
    try {
      await this.db.clearAsync(); // one transaction, off the main thread
    } catch (error) {
      throw lmdbError('clear', error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.db.flushed;
      await this.db.close();
    } catch (error) {
      throw lmdbError('close', error);
    }
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await nodeFileSystem.openReadOnly(file);
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Copies every entry of the (static) environment in `from` into a new one in `to`, in key
 * order, kvCompactBatchEntriesMax per transaction: a store with no free pages. Each commit is
 * fsynced (transactionSync); the directory is synced last.
 */
async function rewriteInto(from: string, to: string): Promise<void> {
  const source = await LmdbStore.open({ path: from });
  try {
    const target = await LmdbStore.open({ path: to });
    try {
      let batch: KVEntry[] = [];
      const flush = async (): Promise<void> => {
        const entries = batch;
        batch = [];
        await target.transaction((tx) => {
          for (const { key, value } of entries) tx.put(key, value);
        });
      };
      for (const entry of source.scanPrefix(new Uint8Array(0))) {
        batch.push(entry);
        if (batch.length >= kvCompactBatchEntriesMax) await flush();
      }
      if (batch.length > 0) await flush();
      await target.flushed();
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
  // LMDB leaves its lock file beside the data; it is rebuilt at open and is not part of a copy.
  fs.rmSync(path.join(to, 'lock.mdb'), { force: true });
  await nodeFileSystem.syncDirectory(to);
}
