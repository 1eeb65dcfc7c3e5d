// export: every stored record as plain JSON objects (with `type` and `hash`): epochs, then
// assertions, then votes, then retractions, so that importing the stream in order never meets
// a record before the one it names. Assertions are read from the subject history, so each
// subject's come in log order and one that supersedes another comes after it. Each kind's
// pending records (logged, not yet ingested) follow its stored ones, in log order. Importing
// the stream gives back the same hashes.
import { decodeRecord, hashRecordBytes, type StemeRecord } from '../records/index.js';
import { assertionKey, epochPrefix, hashFromKeyEnd, historyKind, historyPrefixAll, readStatusKey, statusKind, statusPrefixAll, votePrefixAll } from '../layout/index.js';
import type { KVStore } from '../storage/index.js';
import type { Overlay } from './overlay.js';
import { pendingRecord, storeHolds, type Stored } from './queries.js';

export type RecordKind = StemeRecord['type'];

/** The stored bytes of each record of one kind, in export order. */
function* storedBytes(store: KVStore, kind: RecordKind): Generator<Uint8Array> {
  switch (kind) {
    case 'epoch':
      for (const { value } of store.scanPrefix(epochPrefix())) yield value;
      return;
    case 'assertion':
      for (const { key, value } of store.scanPrefix(historyPrefixAll())) {
        if (value[0] !== historyKind.assertion) continue;
        const bytes = store.get(assertionKey(hashFromKeyEnd(key)));
        if (bytes !== undefined) yield bytes;
      }
      return;
    case 'vote':
      for (const { value } of store.scanPrefix(votePrefixAll())) yield value;
      return;
    case 'retraction':
      for (const { key, value } of store.scanPrefix(statusPrefixAll())) if (readStatusKey(key).kind === statusKind.retraction) yield value;
      return;
  }
}

const kinds: readonly RecordKind[] = ['epoch', 'assertion', 'vote', 'retraction'];

/** Stored records of each kind, then that kind's pending ones (logged, not yet ingested). */
export function* exportRecords(store: KVStore, overlay: Overlay, kind?: RecordKind): Generator<Stored<StemeRecord>> {
  for (const recordKind of kinds) {
    if (kind !== undefined && kind !== recordKind) continue;
    for (const bytes of storedBytes(store, recordKind)) yield { ...decodeRecord(bytes), hash: hashRecordBytes(bytes) };
    for (const entry of [...overlay.entries()]) {
      if (entry.record.type === recordKind && !storeHolds(store, entry)) yield pendingRecord(entry);
    }
  }
}
