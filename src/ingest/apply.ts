// Applies a batch of WAL records to the KV store inside one transaction: the records under
// their primary keys, the subject index, vote locators, counters, dead letters for payloads
// that are not records, and the checkpoint — all or nothing, so a crash leaves a batch
// boundary. Only bad data becomes a dead letter: any error the store raises (a full map, an
// I/O error, a refused key) or a broken invariant propagates, aborting the whole transaction
// with the checkpoint unmoved, so the batch is retried and no acknowledged record is skipped.
// Replay is idempotent: a key already present is skipped and counted once.
import type { WalEntry } from '../wal/index.js';
import { InvalidRecordError } from '../errors.js';
import { decodeRecord, hashToBytes, recordDigest, type Assertion, type Epoch, type Vote } from '../records/index.js';
import type { KVTransaction } from '../storage/index.js';
import {
  addCounts,
  assertionKey,
  encodeLocator,
  epochKey,
  locatorKey,
  putDeadLetter,
  recordKindCode,
  subjectKey,
  subjectKeyFromUtf8,
  voteKey,
  writeCheckpoint,
  zeroCounts,
  type Counts,
} from '../layout/index.js';

const emptyValue = new Uint8Array(0);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * What storing a record reads from it: its kind and the field its index key needs. A decoded
 * record has these, and so does a view over the record's bytes (src/records views), which
 * also offers them as bytes in place: then the key is built without a string in between.
 */
export type Storable =
  | (Pick<Assertion, 'type' | 'subject'> & { readonly subjectBytes?: Uint8Array })
  | (Pick<Vote, 'type' | 'assertion'> & { readonly assertionHashBytes?: Uint8Array })
  | Pick<Epoch, 'type' | 'id'>;

/** A record this process validated and logged: its fields and hash, handed over in memory. */
export interface Prepared {
  record: Storable;
  /** The record's hash, as its 32 bytes. */
  hashBytes: Uint8Array;
}

/** A WAL entry, with the writer's hand-off when there is one. */
export interface IngestEntry extends WalEntry {
  prepared?: Prepared | undefined;
}

/**
 * Stores one record. Returns why the record is refused as data (a dead letter's reason), or
 * undefined. Store errors are thrown, never returned: they are not the record's fault.
 */
function store(tx: KVTransaction, record: Storable, hash: Uint8Array, payload: Uint8Array, lsn: number, added: Counts): string | undefined {
  switch (record.type) {
    case 'assertion': {
      if (!tx.putIfAbsent(assertionKey(hash), payload)) return undefined;
      const bytes = record.subjectBytes;
      tx.put(bytes === undefined ? subjectKey(record.subject, hash) : subjectKeyFromUtf8(bytes, hash), emptyValue);
      added.assertions += 1;
      return undefined;
    }
    case 'vote': {
      const key = voteKey(record.assertionHashBytes ?? hashToBytes(record.assertion), hash);
      if (!tx.putIfAbsent(key, payload)) return undefined;
      tx.put(locatorKey(hash), encodeLocator(recordKindCode.vote, lsn, key));
      added.votes += 1;
      return undefined;
    }
    case 'epoch': {
      const key = epochKey(record.id);
      const existing = tx.get(key);
      if (existing !== undefined) {
        // First definition in log order wins; the facade refuses conflicts before logging them.
        return sameBytes(existing, payload) ? undefined : `EPOCH_CONFLICT: epoch ${record.id} is already defined with different content`;
      }
      tx.put(key, payload);
      tx.put(locatorKey(hash), encodeLocator(recordKindCode.epoch, lsn, key));
      added.epochs += 1;
      return undefined;
    }
  }
}

/**
 * The entry's record and hash: the hand-off's when there is one (the writer validated and
 * hashed exactly these bytes), else decoded strictly. Undefined with the reason when the
 * payload is not a record: the one failure that is the data's and becomes a dead letter.
 */
function readEntry(entry: IngestEntry): { record: Storable; hash: Uint8Array } | string {
  if (entry.prepared !== undefined) return { record: entry.prepared.record, hash: entry.prepared.hashBytes };
  try {
    return { record: decodeRecord(entry.payload), hash: recordDigest(entry.payload) };
  } catch (error) {
    if (error instanceof InvalidRecordError) return error.message;
    throw error; // a bug, not bad data: abort the batch rather than file it as a dead letter
  }
}

/**
 * Applies `entries` (in LSN order) and advances the checkpoint; returns what was newly added.
 * Throws (and the caller's transaction then commits nothing) on any store error.
 */
export function applyBatch(tx: KVTransaction, entries: readonly IngestEntry[]): Counts {
  const added = zeroCounts();
  for (const entry of entries) {
    const read = readEntry(entry);
    const problem = typeof read === 'string' ? read : store(tx, read.record, read.hash, entry.payload, entry.lsn, added);
    if (problem !== undefined && putDeadLetter(tx, entry.lsn, problem, entry.payload)) added.deadLetters += 1;
  }
  addCounts(tx, added);
  const last = entries[entries.length - 1];
  if (last !== undefined) writeCheckpoint(tx, last.nextLsn);
  return added;
}
