// Checks a write must pass before it is logged: a vote needs its assertion to exist (in the
// store, or earlier in the same batch), and an epoch id may be defined once — the same
// content again is idempotent, other content is EPOCH_CONFLICT. Both wait for the ingestor to
// catch up before refusing, so a record acknowledged with {visible: false} still counts.
import { EpochConflictError, UnknownAssertionError } from '../errors.js';
import { decodeLocator, type Ingestor } from '../ingest/index.js';
import { hashToBytes, type Epoch, type Hash, type StemeRecord } from '../records/index.js';
import { assertionKey, locatorKey, type KVStore } from '../storage/index.js';
import type { Wal } from '../wal/index.js';
import { getEpoch } from './queries.js';

interface Encoded {
  bytes: Uint8Array;
  hash: Hash;
}

export async function checkVotes(store: KVStore, ingestor: Ingestor, wal: Wal, records: StemeRecord[], encoded: Encoded[]): Promise<void> {
  const inBatch = new Set(encoded.filter((_, i) => records[i]!.type === 'assertion').map((e) => e.hash));
  let caughtUp = false;
  for (const record of records) {
    if (record.type !== 'vote' || inBatch.has(record.assertion)) continue;
    const key = assertionKey(hashToBytes(record.assertion));
    if (store.has(key)) continue;
    if (!caughtUp) {
      await ingestor.waitFor(wal.recordsEndLsn);
      caughtUp = true;
      if (store.has(key)) continue;
    }
    throw new UnknownAssertionError(record.assertion);
  }
}

function sameDefinition(a: Epoch, b: Epoch): boolean {
  return a.id === b.id && a.name === b.name && a.description === b.description && a.parent === b.parent;
}

/**
 * For each record: the existing write result when it re-defines a known epoch with the same
 * content (it is not logged again), else undefined. Throws EPOCH_CONFLICT on other content.
 * Call under the database's epoch lock.
 */
export async function checkEpochs(
  store: KVStore,
  ingestor: Ingestor,
  wal: Wal,
  records: StemeRecord[],
  encoded: Encoded[],
): Promise<Array<{ hash: Hash; lsn: number } | undefined>> {
  await ingestor.waitFor(wal.recordsEndLsn);
  const inBatch = new Map<number, Encoded>();
  return records.map((record, i) => {
    if (record.type !== 'epoch') return undefined;
    const earlier = inBatch.get(record.id);
    if (earlier !== undefined) {
      if (earlier.hash !== encoded[i]!.hash) throw new EpochConflictError(record.id);
      return undefined;
    }
    inBatch.set(record.id, encoded[i]!);
    const existing = getEpoch(store, record.id);
    if (existing === undefined) return undefined;
    if (!sameDefinition(existing, record)) throw new EpochConflictError(record.id);
    const locator = store.get(locatorKey(hashToBytes(existing.hash)));
    return { hash: existing.hash, lsn: locator === undefined ? 0 : decodeLocator(locator).lsn };
  });
}
