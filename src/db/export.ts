// export: every stored record as plain JSON objects (with `type` and `hash`), epochs first,
// then assertions, then votes, so that importing the stream in order never meets a vote
// before its assertion. Importing it gives back the same hashes.
import { decodeRecord, hashRecordBytes, type StemeRecord } from '../records/index.js';
import { assertionPrefix, epochPrefix, votePrefixAll } from '../layout/index.js';
import type { KVStore } from '../storage/index.js';
import type { Overlay } from './overlay.js';
import { pendingRecord, storeHolds, type Stored } from './queries.js';

export type RecordKind = StemeRecord['type'];

// #11: retraction storage lands with the layout module; no retraction is stored, so none is
// exported until its prefix is added here (after assertions, like votes).
const prefixes: Array<[RecordKind, () => Uint8Array]> = [
  ['epoch', epochPrefix],
  ['assertion', assertionPrefix],
  ['vote', votePrefixAll],
];

/** Stored records of each kind, then that kind's pending ones (logged, not yet ingested). */
export function* exportRecords(store: KVStore, overlay: Overlay, kind?: RecordKind): Generator<Stored<StemeRecord>> {
  for (const [recordKind, prefix] of prefixes) {
    if (kind !== undefined && kind !== recordKind) continue;
    for (const { value } of store.scanPrefix(prefix())) {
      yield { ...decodeRecord(value), hash: hashRecordBytes(value) };
    }
    for (const entry of [...overlay.entries()]) {
      if (entry.record.type === recordKind && !storeHolds(store, entry)) yield pendingRecord(entry);
    }
  }
}
