// verify: reads every WAL frame (checking both checksums) and checks that the KV store holds
// exactly the logged bytes under each record's key, that every stored value hashes to the
// hash in its key, and that every index (the memory graph's too) holds exactly the entries its records call for. Reports problems with the file/key and offset instead of throwing.
// Lists the dead letters too; a record that decodes but was filed as one (the store refused
// its key) is a problem: it was logged, and the store does not hold it.
import { WalCorruptError } from '../errors.js';
import { decodeRecord, hashFromBytes, hashRecordBytes, hashToBytes, openView, type AssertionView, type StemeRecord } from '../records/index.js';
import {
  assertionKey,
  assertionPrefix,
  decodeLocator,
  epochPrefix,
  firstDeadLetters,
  hasDeadLetter,
  readDeadLetter,
  hashFromKeyEnd,
  historyKeyFromUtf8,
  historyPrefixAll,
  locatorKey,
  predicateObjectKeyFromUtf8,
  predicatePrefixAll,
  primaryKey,
  readCheckpoint,
  readStatusKey,
  readU64,
  sourceKeyFromUtf8,
  sourcePrefixAll,
  statusKey,
  statusKind,
  statusPrefixAll,
  subjectKeyFromUtf8,
  subjectPrefixAll,
  votePrefixAll,
  pairPrefixAll,
  pairKey,
  decodeSummary,
  decodeInputs,
  type PairInputs,
} from '../layout/index.js';
import { sameBytes, type KVStore } from '../storage/index.js';
import { summarize, type BeliefSummary } from '../beliefs/index.js';
import { assertionsOfSubject, computePair } from './beliefs.js';
import { Overlay } from './overlay.js';
import type { Reads } from './queries.js';
import type { Wal } from '../wal/index.js';
import type { DeadLetterSummary } from './health.js';
import { verifyGraph } from './memory/verify.js';

export interface VerifyProblem {
  /** A WAL segment file, or a KV key family and hash. */
  where: string;
  /** Byte offset in the file, or the record's LSN. */
  offset?: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  walRecords: number;
  walBytes: number;
  kvRecords: number;
  problems: VerifyProblem[];
  /**
   * Every dead letter (at most 1,000, in log order): logged payloads ingest filed instead of
   * storing. One whose payload is a record the store refused is also a problem.
   */
  deadLetters: DeadLetterSummary[];
}

const problemsMax = 1000;


/** Where a logged record's bytes should be: its primary key (a retraction's, via its locator: it holds the first LSN). */
function storedKey(store: KVStore, record: StemeRecord, hash: Uint8Array): Uint8Array {
  if (record.type !== 'retraction') return primaryKey(record, hash);
  const locator = store.get(locatorKey(hash));
  return locator === undefined ? locatorKey(hash) : decodeLocator(locator).primaryKey;
}

async function verifyWal(wal: Wal, store: KVStore, report: VerifyReport): Promise<void> {
  const checkpoint = readCheckpoint(store);
  try {
    for await (const entry of wal.read()) {
      report.walRecords += 1;
      if (entry.lsn >= checkpoint) continue; // not ingested yet: nothing to compare
      let record: StemeRecord;
      try {
        record = decodeRecord(entry.payload);
      } catch {
        if (!hasDeadLetter(store, entry.lsn)) report.problems.push({ where: 'wal', offset: entry.lsn, message: 'undecodable record has no dead letter' });
        continue;
      }
      const hash = hashRecordBytes(entry.payload);
      const stored = store.get(storedKey(store, record, hashToBytes(hash)));
      if (stored !== undefined && sameBytes(stored, entry.payload)) continue;
      const letter = readDeadLetter(store, entry.lsn);
      if (record.type === 'epoch' && stored !== undefined && letter !== undefined) continue; // a refused conflicting definition
      if (stored === undefined && letter !== undefined) {
        report.problems.push({ where: `${record.type} ${hash}`, offset: entry.lsn, message: `logged record is not stored: a dead letter (${letter.kind}): ${letter.reason}` });
        continue;
      }
      report.problems.push({ where: `${record.type} ${hash}`, offset: entry.lsn, message: stored === undefined ? 'logged record is missing from the KV store' : 'KV bytes differ from the logged bytes' });
    }
  } catch (error) {
    if (!(error instanceof WalCorruptError)) throw error;
    report.problems.push({ where: error.file, offset: error.offset, message: error.reason });
  }
}

/** How many entries a key family holds. */
function countUnder(store: KVStore, prefix: Uint8Array): number {
  let n = 0;
  for (const _ of store.scanPrefix(prefix)) n++;
  return n;
}

/**
 * Every stored record hashes to its key and decodes, and has each index entry the ingestor
 * writes for it (with the LSN its locator or subject entry records); then every index holds
 * exactly as many entries as the records call for, so no entry points at nothing.
 */
function verifyStore(store: KVStore, report: VerifyReport): void {
  const check = (where: string, ok: boolean, message: string): void => {
    if (!ok) report.problems.push({ where, message });
  };
  const expected = { subject: 0, object: 0, source: 0, history: 0, status: 0 };
  const subjectOf = (target: Uint8Array): Uint8Array | undefined => {
    const bytes = store.get(assertionKey(target));
    return bytes === undefined ? undefined : (openView(bytes) as AssertionView).subjectBytes;
  };
  for (const { key, value } of store.scanPrefix(assertionPrefix())) {
    report.kvRecords += 1;
    const hashBytes = hashFromKeyEnd(key);
    const keyHash = hashFromBytes(hashBytes);
    const where = `assertion ${keyHash}`;
    const actual = hashRecordBytes(value);
    check(where, actual === keyHash, `stored bytes hash to ${actual}`);
    try {
      decodeRecord(value);
    } catch (error) {
      check(where, false, `stored bytes do not decode: ${(error as Error).message}`);
      continue;
    }
    const view = openView(value) as AssertionView;
    const lsnBytes = store.get(subjectKeyFromUtf8(view.subjectBytes, view.predicateBytes, hashBytes));
    check(where, lsnBytes !== undefined, 'missing from the subject index');
    if (lsnBytes === undefined) continue;
    const lsn = readU64(lsnBytes);
    const objectLsn = store.get(predicateObjectKeyFromUtf8(view.predicateBytes, view.objectJsonBytes, hashBytes));
    check(where, objectLsn !== undefined && readU64(objectLsn) === lsn, 'missing from the predicate/object index, or with another LSN');
    check(where, store.has(sourceKeyFromUtf8(view.sourceBytes, lsn, hashBytes)), 'missing from the source index');
    check(where, store.has(historyKeyFromUtf8(view.subjectBytes, lsn, hashBytes)), 'missing from the subject history');
    expected.subject += 1;
    expected.object += 1;
    expected.source += 1;
    expected.history += 1;
    const target = view.supersedesHashBytes;
    if (target !== undefined) {
      check(where, store.has(statusKey(target, lsn, statusKind.supersession, hashBytes)), 'missing from the status index of the assertion it supersedes');
      expected.status += 1;
    }
  }
  for (const { key, value } of store.scanPrefix(votePrefixAll())) {
    report.kvRecords += 1;
    const hashBytes = hashFromKeyEnd(key);
    const keyHash = hashFromBytes(hashBytes);
    const actual = hashRecordBytes(value);
    check(`vote ${keyHash}`, actual === keyHash, `stored bytes hash to ${actual}`);
    const locator = store.get(locatorKey(hashBytes));
    check(`vote ${keyHash}`, locator !== undefined, 'has no locator');
    const subject = subjectOf(key.subarray(2, 2 + 32));
    if (locator === undefined || subject === undefined) continue;
    check(`vote ${keyHash}`, store.has(historyKeyFromUtf8(subject, decodeLocator(locator).lsn, hashBytes)), 'missing from the subject history');
    expected.history += 1;
  }
  for (const { key, value } of store.scanPrefix(statusPrefixAll())) {
    if (readStatusKey(key).kind !== statusKind.retraction) continue;
    report.kvRecords += 1;
    expected.status += 1;
    const hashBytes = hashFromKeyEnd(key);
    const keyHash = hashFromBytes(hashBytes);
    const actual = hashRecordBytes(value);
    check(`retraction ${keyHash}`, actual === keyHash, `stored bytes hash to ${actual}`);
    const locator = store.get(locatorKey(hashBytes));
    check(`retraction ${keyHash}`, locator !== undefined && sameBytes(decodeLocator(locator).primaryKey, key), 'has no locator, or one that points elsewhere');
    const subject = subjectOf(key.subarray(2, 2 + 32));
    if (locator === undefined || subject === undefined) continue;
    check(`retraction ${keyHash}`, store.has(historyKeyFromUtf8(subject, decodeLocator(locator).lsn, hashBytes)), 'missing from the subject history');
    expected.history += 1;
  }
  for (const { value } of store.scanPrefix(epochPrefix())) {
    report.kvRecords += 1;
    try {
      decodeRecord(value);
    } catch (error) {
      check(`epoch ${hashRecordBytes(value)}`, false, `stored bytes do not decode: ${(error as Error).message}`);
    }
  }
  const indexes: Array<[keyof typeof expected, Uint8Array, string]> = [
    ['subject', subjectPrefixAll(), 'subject index (S:)'],
    ['object', predicatePrefixAll(), 'predicate/object index (O:)'],
    ['source', sourcePrefixAll(), 'source index (A:)'],
    ['history', historyPrefixAll(), 'subject history (L:)'],
    ['status', statusPrefixAll(), 'status index (T:)'],
  ];
  for (const [name, prefix, what] of indexes) {
    const found = countUnder(store, prefix);
    check(what, found === expected[name], `holds ${found} entries; the stored records call for ${expected[name]}`);
  }
}

/**
 * Every pair's stored summary and inputs (B:) and contested entry (K:) equal what the rules
 * give when recomputed from the pair's records, and every pair with an assertion has them.
 */
function verifySummaries(store: KVStore, report: VerifyReport): void {
  const reads: Reads = { store, overlay: new Overlay() };
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  let summaries = 0;
  for (const { value } of store.scanPrefix(pairPrefixAll('summary'))) {
    summaries += 1;
    const stored = decodeSummary(value);
    const where = `beliefs of ${JSON.stringify(stored.subject)} / ${JSON.stringify(stored.predicate)}`;
    let expected: BeliefSummary;
    try {
      const claims = assertionsOfSubject(reads, stored.subject, stored.predicate).get(stored.predicate) ?? [];
      expected = computePair(reads, claims, Number.POSITIVE_INFINITY, undefined);
    } catch (error) {
      // A damaged record of the pair (reported by verifyStore) leaves nothing to compare with.
      report.problems.push({ where, message: `cannot be recomputed: ${(error as Error).message}` });
      continue;
    }
    const { subject: _s, predicate: _p, ...summary } = stored;
    if (!same(summary, expected)) report.problems.push({ where, message: 'the stored summary differs from one recomputed from the records' });
    if (!same(summarizeInputs(decodeInputs(value)), expected)) report.problems.push({ where, message: 'its inputs summarize to another answer' });
    if (store.has(pairKey('contested', stored.subject, stored.predicate)) !== expected.contested) {
      report.problems.push({ where, message: expected.contested ? 'contested, but missing from the contested index (K:)' : 'in the contested index (K:) but not contested' });
    }
  }
  const pairs = new Set<string>();
  for (const { value } of store.scanPrefix(assertionPrefix())) {
    try {
      const view = openView(value) as AssertionView;
      pairs.add(`${Buffer.from(view.subjectBytes).toString('hex')}:${Buffer.from(view.predicateBytes).toString('hex')}`);
    } catch {
      // reported by verifyStore
    }
  }
  if (summaries !== pairs.size) report.problems.push({ where: 'belief summaries (B:)', message: `hold ${summaries} pairs; the assertions call for ${pairs.size}` });
  // Every K: entry belongs to a summary that is contested (checked above, per summary), so
  // the contested index can hold no more entries than there are contested summaries.
  let contested = 0;
  for (const { value } of store.scanPrefix(pairPrefixAll('summary'))) if (decodeSummary(value).contested) contested += 1;
  const entries = countUnder(store, pairPrefixAll('contested'));
  if (entries !== contested) report.problems.push({ where: 'contested index (K:)', message: `holds ${entries} pairs; ${contested} are contested` });
}

function summarizeInputs(inputs: PairInputs): BeliefSummary {
  return summarize(
    inputs.assertions.map(([hash, objectJson, source, lsn]) => ({ hash, objectJson, source, lsn })),
    inputs.votes.map(([assertion, voter, stance, weight, createdAt, lsn]) => ({ assertion, voter, stance, weight, createdAt, lsn })),
  );
}

export async function verifyDatabase(wal: Wal, store: KVStore): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, walRecords: 0, walBytes: wal.stats().bytes, kvRecords: 0, problems: [], deadLetters: [] };
  report.deadLetters = firstDeadLetters(store, problemsMax).map(({ lsn, hash, kind, reason }) => ({ lsn, hash, kind, reason }));
  await verifyWal(wal, store, report);
  verifyStore(store, report);
  verifySummaries(store, report);
  report.problems.push(...verifyGraph(store, problemsMax));
  report.problems = report.problems.slice(0, problemsMax);
  report.ok = report.problems.length === 0;
  return report;
}
