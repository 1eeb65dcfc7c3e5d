// The KVTransaction handle LmdbStore gives a transaction callback. It runs inside lmdb-js's
// transactionSync, where get/doesExist read the open write transaction (so they see its own
// writes) and putSync/removeSync write into it. The handle refuses use after the callback
// returns: a putSync outside a transaction would silently commit on its own.
import type { RootDatabase } from 'lmdb';
import { ClosedError } from '../errors.js';
import { checkKey } from './guards.js';
import type { KVTransaction } from './kv-store.js';
import { lmdbError, lmdbRead } from './lmdb-error.js';

export class LmdbTransaction implements KVTransaction {
  private readonly db: RootDatabase<Uint8Array, Uint8Array>;
  private readonly keyBytesMax: number;
  private open = true;

  constructor(db: RootDatabase<Uint8Array, Uint8Array>, keyBytesMax: number) {
    this.db = db;
    this.keyBytesMax = keyBytesMax;
  }

  /** Called when the callback returns or throws; every later call throws CLOSED. */
  finish(): void {
    this.open = false;
  }

  private check(): void {
    if (!this.open) throw new ClosedError('kv transaction');
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.check();
    return lmdbRead('get', key, this.keyBytesMax, undefined, (k) => this.db.get(k));
  }

  has(key: Uint8Array): boolean {
    this.check();
    return lmdbRead('has', key, this.keyBytesMax, false, (k) => this.db.doesExist(k));
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.write(key, value, false);
  }

  putIfAbsent(key: Uint8Array, value: Uint8Array): boolean {
    return this.write(key, value, true);
  }

  /**
   * putSync into the open transaction (LMDB copies key and value). With `noOverwrite`
   * (MDB_NOOVERWRITE) it is one B-tree descent that inserts or finds the key present; lmdb-js
   * returns whether it stored (false: MDB_KEYEXIST), though its types say void. The storage
   * conformance suite checks that result on every run.
   */
  private write(key: Uint8Array, value: Uint8Array, noOverwrite: boolean): boolean {
    this.check();
    checkKey(key, this.keyBytesMax);
    try {
      const stored: unknown = noOverwrite ? this.db.putSync(key, value, { noOverwrite: true }) : this.db.putSync(key, value);
      return stored === true;
    } catch (error) {
      throw lmdbError('put', error);
    }
  }

  del(key: Uint8Array): void {
    this.check();
    checkKey(key, this.keyBytesMax);
    try {
      this.db.removeSync(key);
    } catch (error) {
      throw lmdbError('delete', error);
    }
  }
}
