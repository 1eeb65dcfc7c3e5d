// Checks at open that the KV store and the WAL belong together: the store is of this layout
// version (else it is rebuilt from the log), and its checkpoint lies within the log. Past its end, acknowledged records are missing from the log; before its
// first retained LSN, records between the two are gone. Either is refused, never papered over.
// And whether the store takes every key the layout builds: when it does not, the database
// still opens (records it refuses become dead letters; health says so), never refuses to.
import { assert, StorageError, WalCorruptError } from '../errors.js';
import { kvKeyBytesMax, layoutVersion, readCheckpoint, readLayoutVersion } from '../layout/index.js';
import type { KVStore } from '../storage/index.js';
import type { Wal } from '../wal/index.js';

export function checkStoreWithinLog(wal: Wal, store: KVStore): void {
  const checkpoint = readCheckpoint(store);
  if (checkpoint > wal.recordsEndLsn) {
    throw new WalCorruptError(wal.dir, wal.recordsEndLsn, `the KV store has ingested up to LSN ${checkpoint}, past the end of the WAL: acknowledged records are missing from the log (written with sync 'none' before a machine crash, or the WAL directory was replaced)`);
  }
  if (checkpoint < wal.firstLsn && !(checkpoint === 0 && wal.firstLsn === 0)) {
    throw new WalCorruptError(wal.dir, wal.firstLsn, `the WAL starts at LSN ${wal.firstLsn} but the KV store has only ingested up to LSN ${checkpoint}: records in between are gone`);
  }
}

/**
 * A store written under another layout version (an older StemeDB) is rebuilt from the WAL:
 * the WAL is the truth and the store a view of it. Refused (STORAGE) when segments before the
 * store's checkpoint were deleted (retainWal: false), since those records could not be re-read.
 */
export async function rebuildOtherLayout(wal: Wal, store: KVStore, log: (message: string) => void): Promise<void> {
  const version = readLayoutVersion(store);
  if (version === undefined || version === layoutVersion) return;
  if (wal.firstLsn !== 0) {
    throw new StorageError(`the KV store has layout version ${version}, this StemeDB reads version ${layoutVersion}, and it cannot be rebuilt because WAL segments before LSN ${wal.firstLsn} were deleted: open it with the StemeDB that wrote it and export, then import`);
  }
  log(`the KV store has layout version ${version}; rebuilding it from the WAL for version ${layoutVersion}`);
  await store.clear();
}

/**
 * Warns when the store's key cap is below the layout's longest key: an LMDB environment created
 * by a StemeDB from before 8 KiB pages (4 KiB pages cap keys at 1978 bytes). `created`: the
 * store did not exist before this open. Not refused: a
 * record with a longer key (a text of hundreds of NUL bytes) is rare, and ingest files it as a
 * dead letter; health reports the store as `limited` from the start (docs/operations.md).
 */
export function checkKeyRoom(store: KVStore, created: boolean, log: (message: string) => void): void {
  if (store.keyBytesMax >= kvKeyBytesMax) return;
  // A store this open created has our page size: if it cannot take the layout's longest key,
  // the limits and the page size disagree, a bug (test/layout/key-bounds.test.ts checks it too).
  assert(!created, `a new KV store takes keys of at most ${store.keyBytesMax} bytes, below the layout's ${kvKeyBytesMax}`);
  log(`the KV store takes keys of at most ${store.keyBytesMax} bytes, but the layout builds keys of up to ${kvKeyBytesMax} (an environment created with 4 KiB pages): records with longer keys will be dead letters; move kv/ aside and reopen to rebuild it with 8 KiB pages`);
}
