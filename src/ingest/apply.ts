// Applies a batch of WAL records to the KV store inside one transaction: the records under
// their primary keys, the indexes (subject, predicate + object, source, history, status, the
// memory graph's), each changed (subject, predicate)'s belief summary, locators, counters, dead letters, and
// the checkpoint — all or nothing, so a crash leaves a batch boundary. A record becomes a dead
// letter when it is the record's own fault, never the store's: a payload that is not a record,
// a conflicting epoch, or a key the store refuses (KeyRefusedError: longer than it takes).
// Any other store error (a full map, an I/O error) or a broken invariant propagates, aborting
// the whole transaction with the checkpoint unmoved, so the batch is retried and no
// acknowledged record is skipped. Replay is idempotent: a key already present adds nothing.
import type { WalEntry } from '../wal/index.js';
import { assert, InvalidRecordError, KeyRefusedError } from '../errors.js';
import { AssertionView, decodeRecord, EpochView, openView, recordDigest, RetractionView, VoteView, type PreparedFields, type RecordView } from '../records/index.js';
import { GraphIndex } from './graph-index.js';
import { PairSummaries, type PairLimits } from './pair-summaries.js';
import { pairInlineBytesMax, pairInlineInputsMax } from '../limits.js';
import { sameBytes, type KVStore, type KVTransaction } from '../storage/index.js';
import {
  addCounts,
  assertionKey,
  encodeLocator,
  epochKey,
  historyKeyFromUtf8,
  historyKind,
  historyValue,
  firstChangeKey,
  encodeFirstChange,
  locatorKey,
  predicateObjectKeyFromUtf8,
  putDeadLetter,
  recordKindCode,
  sourceKeyFromUtf8,
  statusKey,
  statusKind,
  subjectKeyFromUtf8,
  voteKey,
  writeCheckpoint,
  writeLayoutVersion,
  writeU64,
  zeroCounts,
  type Counts,
  type DeadLetterKind,
} from '../layout/index.js';

const emptyValue = new Uint8Array(0);

/** When a pair's belief state leaves the inline form, unless the database was opened with other limits. */
export const defaultPairLimits: PairLimits = { inlineInputsMax: pairInlineInputsMax, inlineBytesMax: pairInlineBytesMax };


/**
 * A record this process validated and logged, handed over in memory: its fields (a view over
 * its bytes on the apply worker, the write path's fields in this thread) and its hash.
 */
export interface Prepared {
  record: RecordView | PreparedFields;
  /** The record's hash, as its 32 bytes. */
  hashBytes: Uint8Array;
}

/** A WAL entry, with the writer's hand-off when there is one. */
export interface IngestEntry extends WalEntry {
  prepared?: Prepared | undefined;
}

function isView(record: RecordView | PreparedFields): record is RecordView {
  return record instanceof AssertionView || record instanceof VoteView || record instanceof EpochView || record instanceof RetractionView;
}

/** One LSN as an index value (u64 LE): when the record was first ingested. */
const lsnValue = (lsn: number): Uint8Array => writeU64(lsn);

/** The stored assertion `target`, as a view, or undefined if the store lacks it. */
function storedAssertion(tx: KVTransaction, target: Uint8Array): AssertionView | undefined {
  const bytes = tx.get(assertionKey(target));
  return bytes === undefined ? undefined : (openView(bytes) as AssertionView);
}

/** Why a record is filed as a dead letter instead of stored. */
interface Refusal {
  kind: DeadLetterKind;
  reason: string;
}

/**
 * A key of the record at `lsn` that the store refused. Thrown out of the transaction, which
 * aborts it (some of the record's keys may already be written); applyRefusing then applies
 * the batch again with that record filed as a dead letter from the start.
 */
class RecordRefused extends Error {
  constructor(
    readonly lsn: number,
    readonly refusal: Refusal,
  ) {
    super(`the record at LSN ${lsn} is refused by the store: ${refusal.reason}`);
  }
}

/**
 * Stores one record and its index entries. Returns why the record is refused as data (a
 * dead letter's), or undefined. Store errors are thrown, never returned: they are not the
 * record's fault. A record already stored (replay, or logged twice) adds nothing.
 */
function store(tx: KVTransaction, summaries: PairSummaries, graph: GraphIndex, record: RecordView, hash: Uint8Array, payload: Uint8Array, lsn: number, added: Counts): Refusal | undefined {
  switch (record.type) {
    case 'assertion': {
      if (!tx.putIfAbsent(assertionKey(hash), payload)) return undefined;
      const subject = record.subjectBytes;
      const lsnBytes = lsnValue(lsn);
      tx.put(subjectKeyFromUtf8(subject, record.predicateBytes, hash), lsnBytes);
      tx.put(predicateObjectKeyFromUtf8(record.predicateBytes, record.objectJsonBytes, hash), lsnBytes);
      tx.put(sourceKeyFromUtf8(record.sourceBytes, lsn, hash), emptyValue);
      tx.put(historyKeyFromUtf8(subject, lsn, hash), historyValue(historyKind.assertion));
      const target = record.supersedesHashBytes;
      graph.assertion(record, hash, lsn);
      if (target !== undefined) {
        tx.put(statusKey(target, lsn, statusKind.supersession, hash), emptyValue);
        // The first status change decides: only then does the target stop being live.
        const first = tx.putIfAbsent(firstChangeKey(target), encodeFirstChange(statusKind.supersession, lsn, hash));
        const replaced = storedAssertion(tx, target);
        if (replaced !== undefined) {
          if (first) summaries.leaves(replaced, target);
          graph.changed(replaced, target);
        }
      }
      summaries.assertion(record, hash, lsn);
      added.assertions += 1;
      return undefined;
    }
    case 'vote': {
      const target = record.assertionHashBytes;
      const key = voteKey(target, hash);
      if (!tx.putIfAbsent(key, payload)) return undefined;
      tx.put(locatorKey(hash), encodeLocator(recordKindCode.vote, lsn, key));
      // The facade logs a vote only after its assertion, so the store holds it by now.
      const claim = storedAssertion(tx, target);
      if (claim !== undefined) {
        tx.put(historyKeyFromUtf8(claim.subjectBytes, lsn, hash), historyValue(historyKind.vote, key));
        summaries.vote(record, claim, !tx.has(firstChangeKey(target)), lsn);
      }
      added.votes += 1;
      return undefined;
    }
    case 'retraction': {
      const target = record.assertionHashBytes;
      const key = statusKey(target, lsn, statusKind.retraction, hash);
      // The locator is the retraction's "already stored" test: its primary key holds its LSN.
      if (!tx.putIfAbsent(locatorKey(hash), encodeLocator(recordKindCode.retraction, lsn, key))) return undefined;
      tx.put(key, payload);
      const first = tx.putIfAbsent(firstChangeKey(target), encodeFirstChange(statusKind.retraction, lsn, hash));
      const claim = storedAssertion(tx, target);
      if (claim !== undefined) {
        tx.put(historyKeyFromUtf8(claim.subjectBytes, lsn, hash), historyValue(historyKind.retraction, key));
        if (first) summaries.leaves(claim, target);
        graph.changed(claim, target);
      }
      added.retractions += 1;
      return undefined;
    }
    case 'epoch': {
      const key = epochKey(record.id);
      const existing = tx.get(key);
      if (existing !== undefined) {
        // First definition in log order wins; the facade refuses conflicts before logging them.
        return sameBytes(existing, payload) ? undefined : { kind: 'epoch-conflict', reason: `EPOCH_CONFLICT: epoch ${record.id} is already defined with different content` };
      }
      tx.put(key, payload);
      tx.put(locatorKey(hash), encodeLocator(recordKindCode.epoch, lsn, key));
      added.epochs += 1;
      return undefined;
    }
  }
}

/**
 * store(), with a key the store refuses turned into RecordRefused for this record. Every key
 * of a record is written here but the pair's summary (B:, K:) and the memory graph's postings
 * (G:s), written at the end of the batch (an indexed pair's P: entries are written here too,
 * but their keys have a fixed length of at most pairEntryKeyBytesMax, 59 bytes): the pair's
 * keys hold the same subject as the record's S: key with 32 fewer bytes after it, and a vote's
 * or a retraction's L: key holds its stored assertion's subject with 8 fewer, so they fit
 * whenever the keys checked here did; a posting key is 10 bytes (key-bounds.ts; tested).
 */
function storeOrRefuse(tx: KVTransaction, summaries: PairSummaries, graph: GraphIndex, record: RecordView, hash: Uint8Array, payload: Uint8Array, lsn: number, added: Counts): Refusal | undefined {
  try {
    return store(tx, summaries, graph, record, hash, payload, lsn, added);
  } catch (error) {
    if (!(error instanceof KeyRefusedError)) throw error;
    throw new RecordRefused(lsn, { kind: 'unstorable', reason: `the KV store refused its ${error.family} key: ${error.keyBytes} bytes, and it takes keys of at most ${error.keyBytesMax}` });
  }
}

/**
 * The entry's record (as a view over its bytes) and hash: the hand-off's when there is one
 * (the writer validated and hashed exactly these bytes), else checked by the strict decoder.
 * A refusal when the payload is not a record: the data's own fault, a dead letter.
 */
function readEntry(entry: IngestEntry): { record: RecordView; hash: Uint8Array } | Refusal {
  const prepared = entry.prepared;
  if (prepared !== undefined) return { record: isView(prepared.record) ? prepared.record : openView(entry.payload), hash: prepared.hashBytes };
  try {
    decodeRecord(entry.payload);
    return { record: openView(entry.payload), hash: recordDigest(entry.payload) };
  } catch (error) {
    if (error instanceof InvalidRecordError) return { kind: 'undecodable', reason: error.message };
    throw error; // a bug, not bad data: abort the batch rather than file it as a dead letter
  }
}

const noneRefused: ReadonlyMap<number, Refusal> = new Map();

/**
 * Applies `entries` (in LSN order) and advances the checkpoint; returns what was newly added.
 * The records at the LSNs in `refused` are filed as dead letters without being stored. Throws
 * (and the caller's transaction then commits nothing) on any store error, and RecordRefused
 * when the store refuses a key of another record.
 */
export function applyBatch(tx: KVTransaction, entries: readonly IngestEntry[], refused: ReadonlyMap<number, Refusal> = noneRefused, limits: PairLimits = defaultPairLimits): Counts {
  const added = zeroCounts();
  const summaries = new PairSummaries(tx, limits);
  const graph = new GraphIndex(tx);
  for (const entry of entries) {
    const read = readEntry(entry);
    const known = refused.get(entry.lsn);
    const problem = known ?? ('kind' in read ? read : storeOrRefuse(tx, summaries, graph, read.record, read.hash, entry.payload, entry.lsn, added));
    if (problem !== undefined && putDeadLetter(tx, entry.lsn, problem.kind, problem.reason, entry.payload)) added.deadLetters += 1;
  }
  summaries.flush();
  graph.flush();
  addCounts(tx, added);
  const last = entries[entries.length - 1];
  if (last !== undefined) writeCheckpoint(tx, last.nextLsn);
  writeLayoutVersion(tx);
  return added;
}

/**
 * applyBatch in one transaction of `store`, again (at once, no backoff) each time the store
 * refuses a key of a record: that record is then filed as a dead letter and the rest of the
 * batch stored. A refusal is deterministic, so each attempt refuses a new record and there are
 * at most as many attempts as records plus one; nothing in the common path costs more.
 */
export async function applyRefusing(store: KVStore, entries: readonly IngestEntry[], limits: PairLimits = defaultPairLimits): Promise<Counts> {
  const refused = new Map<number, Refusal>();
  for (;;) {
    try {
      return await store.transaction((tx) => applyBatch(tx, entries, refused, limits));
    } catch (error) {
      if (!(error instanceof RecordRefused)) throw error;
      assert(!refused.has(error.lsn), 'a record already filed as refused is not stored again');
      refused.set(error.lsn, error.refusal);
    }
  }
}
