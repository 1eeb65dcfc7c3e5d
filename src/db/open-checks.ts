// Checks at open that the KV store and the WAL belong together: the store's checkpoint must
// lie within the log. Past its end, acknowledged records are missing from the log; before its
// first retained LSN, records between the two are gone. Either is refused, never papered over.
import { WalCorruptError } from '../errors.js';
import { readCheckpoint } from '../layout/index.js';
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
