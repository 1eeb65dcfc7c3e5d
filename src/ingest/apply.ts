// Applies a batch of WAL records to the KV store inside one transaction: the records under
// their primary keys, the indexes (subject, predicate + object, source, history, status, the
// memory graph's), each changed (subject, predicate)'s belief summary, locators, counters, dead letters for payloads that are not records, and the checkpoint —
// all or nothing, so a crash leaves a batch boundary. Only bad data becomes a dead letter: any error the store raises (a full map, an
// I/O error, a refused key) or a broken invariant propagates, aborting the whole transaction
// with the checkpoint unmoved, so the batch is retried and no acknowledged record is skipped.
// Replay is idempotent: a key already present is skipped and counted once.
import type { WalEntry } from '../wal/index.js';
import { InvalidRecordError } from '../errors.js';
import { AssertionView, decodeRecord, EpochView, hashFromBytes, openView, recordDigest, RetractionView, VoteView, type PreparedFields, type RecordView } from '../records/index.js';
import { GraphIndex } from './graph-index.js';
import { PairSummaries } from './pair-summaries.js';
import { sameBytes, type KVTransaction } from '../storage/index.js';
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
} from '../layout/index.js';

const emptyValue = new Uint8Array(0);


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

/**
 * Stores one record and its index entries. Returns why the record is refused as data (a
 * dead letter's reason), or undefined. Store errors are thrown, never returned: they are not
 * the record's fault. A record already stored (replay, or logged twice) adds nothing.
 */
function store(tx: KVTransaction, summaries: PairSummaries, graph: GraphIndex, record: RecordView, hash: Uint8Array, payload: Uint8Array, lsn: number, added: Counts): string | undefined {
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
        tx.putIfAbsent(firstChangeKey(target), encodeFirstChange(statusKind.supersession, lsn, hash));
        const replaced = storedAssertion(tx, target);
        if (replaced !== undefined) graph.changed(replaced, target);
      }
      summaries.assertion(record, hashFromBytes(hash), lsn, record.supersedes);
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
        summaries.vote(record, claim, lsn);
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
      tx.putIfAbsent(firstChangeKey(target), encodeFirstChange(statusKind.retraction, lsn, hash));
      const claim = storedAssertion(tx, target);
      if (claim !== undefined) {
        tx.put(historyKeyFromUtf8(claim.subjectBytes, lsn, hash), historyValue(historyKind.retraction, key));
        summaries.retraction(claim, record.assertion);
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
 * The entry's record (as a view over its bytes) and hash: the hand-off's when there is one
 * (the writer validated and hashed exactly these bytes), else checked by the strict decoder.
 * A string (the reason) when the payload is not a record: the one failure that is the data's
 * and becomes a dead letter.
 */
function readEntry(entry: IngestEntry): { record: RecordView; hash: Uint8Array } | string {
  const prepared = entry.prepared;
  if (prepared !== undefined) return { record: isView(prepared.record) ? prepared.record : openView(entry.payload), hash: prepared.hashBytes };
  try {
    decodeRecord(entry.payload);
    return { record: openView(entry.payload), hash: recordDigest(entry.payload) };
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
  const summaries = new PairSummaries(tx);
  const graph = new GraphIndex(tx);
  for (const entry of entries) {
    const read = readEntry(entry);
    const problem = typeof read === 'string' ? read : store(tx, summaries, graph, read.record, read.hash, entry.payload, entry.lsn, added);
    if (problem !== undefined && putDeadLetter(tx, entry.lsn, problem, entry.payload)) added.deadLetters += 1;
  }
  summaries.flush();
  graph.flush();
  addCounts(tx, added);
  const last = entries[entries.length - 1];
  if (last !== undefined) writeCheckpoint(tx, last.nextLsn);
  writeLayoutVersion(tx);
  return added;
}
