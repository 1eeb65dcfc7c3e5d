// verify: reads every WAL frame (checking both checksums) and checks that the KV store holds
// exactly the logged bytes under each record's key, that every stored value hashes to the
// hash in its key, and that every index (the memory graph's too) holds exactly the entries its records call for. Reports problems with the file/key and offset instead of throwing.
// Lists the dead letters too; a record that decodes but was filed as one (the store refused
// its key) is a problem: it was logged, and the store does not hold it.
import { isDeepStrictEqual } from 'node:util';
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
  decodeInputs,
  decodeCandidate,
  decodePairHead,
  pairEntriesPrefix,
  pairEntriesPrefixAll,
  pairEntryKind,
  pairForm,
  pairIdOfEntryKey,
  pairNames,
  rankKey,
  encodeRankValue,
  pairDigestBytes,
  readPairSummary,
  type PairEntryKind,
  type PairHead,
  type PairInputs,
  type StoredSummary,
} from '../layout/index.js';
import { sameBytes, type KVStore } from '../storage/index.js';
import { summarize, type BeliefSummary } from '../beliefs/index.js';
import { computePair, pairClaims } from './beliefs.js';
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

/** A full summary in the shape a B: reader answers (every candidate and assertion listed, with counts). */
function asStored(summary: BeliefSummary): Omit<StoredSummary, 'subject' | 'predicate'> {
  return {
    contested: summary.contested,
    consensus: summary.consensus,
    hasBest: summary.hasBest,
    candidateCount: summary.candidates.length,
    candidates: summary.candidates.map((candidate) => ({ ...candidate, assertionCount: candidate.assertions.length })),
  };
}

/**
 * An indexed pair's P: entries agree with its head: as many of each kind as the head counts
 * (a rank entry and a candidate entry per candidate, a votes entry and a voters entry per
 * latest vote), every candidate ranked under the key its sums give, the head's total support
 * the sum of its candidates', and as many candidates and live assertions as the records give.
 */
function verifyIndexed(store: KVStore, where: string, head: PairHead, expected: BeliefSummary, report: VerifyReport): void {
  const kinds: Record<PairEntryKind, number> = { candidate: 0, rank: 0, assertion: 0, name: 0, vote: 0, voter: 0 };
  let supportAll = 0n;
  for (const { key, value } of store.scanPrefix(pairEntriesPrefix(head.id))) {
    const kind = pairEntryKind(key);
    if (kind === undefined) {
      report.problems.push({ where, message: 'holds a P: entry of an unknown kind' });
      continue;
    }
    kinds[kind] += 1;
    if (kind !== 'candidate') continue;
    const state = decodeCandidate(value);
    supportAll += state.support;
    const rank = store.get(rankKey(head.id, state));
    if (rank === undefined) report.problems.push({ where, message: 'a candidate is not ranked under the key its sums give' });
    else if (!sameBytes(rank, encodeRankValue(key.subarray(key.length - pairDigestBytes), state))) {
      report.problems.push({ where, message: 'a rank entry\'s numbers are not its candidate\'s' });
    }
  }
  const counts: Array<[string, number, number]> = [
    ['candidate', kinds.candidate, head.candidates],
    ['rank', kinds.rank, head.candidates],
    ['assertion', kinds.assertion, head.assertions],
    ['name', kinds.name, head.names],
    ['vote', kinds.vote, head.votes],
    ['voter', kinds.voter, head.votes],
    ['candidates the records give', expected.candidates.length, head.candidates],
    ['live assertions the records give', expected.candidates.reduce((n, c) => n + c.assertions.length, 0), head.assertions],
  ];
  for (const [what, found, counted] of counts) if (found !== counted) report.problems.push({ where, message: `${what}: ${found}, the head counts ${counted}` });
  if (supportAll !== head.supportAll) report.problems.push({ where, message: 'the head\'s total support is not the sum of its candidates\'' });
}

/**
 * Every pair's stored state (B:, and an indexed pair's P: entries) and contested entry (K:)
 * equal what the rules give when recomputed from the pair's records, and every pair with an
 * assertion has them; no P: entry belongs to no pair.
 */
function verifySummaries(store: KVStore, report: VerifyReport): void {
  const reads: Reads = { store, overlay: new Overlay() };
  let summaries = 0;
  let contested = 0;
  const pairIds = new Set<number>();
  for (const { value } of store.scanPrefix(pairPrefixAll('summary'))) {
    summaries += 1;
    let names: { subject: string; predicate: string };
    try {
      names = pairNames(value);
    } catch (error) {
      report.problems.push({ where: 'belief summaries (B:)', message: `a value cannot be read: ${(error as Error).message}` });
      continue;
    }
    const where = `beliefs of ${JSON.stringify(names.subject)} / ${JSON.stringify(names.predicate)}`;
    let expected: BeliefSummary;
    let stored: StoredSummary;
    try {
      expected = computePair(reads, names.predicate, pairClaims(reads, names.subject, names.predicate), Number.POSITIVE_INFINITY, undefined);
      stored = readPairSummary(store, value);
    } catch (error) {
      // A damaged record or entry of the pair leaves nothing to compare with.
      report.problems.push({ where, message: `cannot be recomputed or read: ${(error as Error).message}` });
      continue;
    }
    const { subject: _s, predicate: _p, ...summary } = stored;
    if (!isDeepStrictEqual(summary, asStored(expected))) report.problems.push({ where, message: 'the stored summary differs from one recomputed from the records' });
    if (stored.contested) contested += 1;
    if (pairForm(value) === 'inline') {
      if (!isDeepStrictEqual(summarizeInputs(decodeInputs(value)), expected)) report.problems.push({ where, message: 'its inputs summarize to another answer' });
    } else {
      const head = decodePairHead(value);
      pairIds.add(head.id);
      try {
        verifyIndexed(store, where, head, expected, report);
      } catch (error) {
        report.problems.push({ where, message: `an entry of its indexed state cannot be read: ${(error as Error).message}` });
      }
    }
    if (store.has(pairKey('contested', names.subject, names.predicate)) !== expected.contested) {
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
  const entries = countUnder(store, pairPrefixAll('contested'));
  if (entries !== contested) report.problems.push({ where: 'contested index (K:)', message: `holds ${entries} pairs; ${contested} are contested` });
  let orphans = 0;
  for (const { key } of store.scanPrefix(pairEntriesPrefixAll())) if (!pairIds.has(pairIdOfEntryKey(key))) orphans += 1;
  if (orphans > 0) report.problems.push({ where: 'belief state entries (P:)', message: `${orphans} entries belong to no pair` });
}

function summarizeInputs(inputs: PairInputs): BeliefSummary {
  return summarize(
    inputs.assertions.map(([hash, objectJson, source, lsn]) => ({ hash, objectJson, source, lsn })),
    inputs.votes.map(([assertion, voter, stance, weight, lsn]) => ({ assertion, voter, stance, weight, lsn })),
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
