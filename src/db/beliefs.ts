// What is believed (docs/beliefs.md): per (subject, predicate), the candidate values with
// their support and opposition, the best one, the consensus, and whether it is contested;
// and the list of contested pairs. Two paths, one rule module (src/beliefs):
// - fast: unscoped and current, read the pair states the ingestor keeps (B:, P:, K:), except
//   for pairs that records still pending in the overlay touch (one lookup a pair);
// - slow: with an epoch or asOf, or for such pairs, gather the pair's records from the
//   indexes (its assertions, their status changes and votes) and apply the rules.
// A page of beliefs holds at most `limit` predicates, in the order of their digests (the key
// order of B: and S:), and at most `candidates` candidates each: its work is the pairs listed.
import { summarize, type BeliefSummary } from '../beliefs/index.js';
import { InvalidArgumentError, InvalidCursorError, InvalidQueryError, UnknownEpochError } from '../errors.js';
import {
  beliefsAssertionsListedMax,
  beliefsCandidatesDefault,
  beliefsCandidatesMax,
  beliefsPageCandidatesMax,
  beliefsPredicatesDefault,
  beliefsPredicatesMax,
} from '../limits.js';
import {
  assertionKeyHex,
  decodeContested,
  hashHexFromKeyEnd,
  mayBeContestedInAScope,
  pairKey,
  pairNames,
  pairPrefix,
  pairPrefixAll,
  predicateDigestBytes,
  readPairSummary,
  readU64,
  subjectPredicatePrefix,
  subjectPrefix,
  type StoredCandidate,
  type StoredSummary,
} from '../layout/index.js';
import { openView, type AssertionView, type Hash, type JsonValue } from '../records/index.js';
import { compareBytes } from '../storage/index.js';
import { cutAt, statusAt } from './claims.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { PendingPair } from './overlay.js';
import { pagedScan, type IndexHit } from './paged-scan.js';
import { getEpochWithLsn, toLimit, votesWithLsn, type Reads } from './queries.js';

export interface Candidate {
  object: JsonValue;
  support: number;
  oppose: number;
  score: number;
  supporters: number;
  /** Its first live assertions in scope, in log order (at most beliefsAssertionsListedMax). */
  assertions: Hash[];
  /** All of them. */
  assertionCount: number;
}

export interface PredicateBeliefs {
  predicate: string;
  contested: boolean;
  consensus: number;
  best: Candidate | null;
  /** The first candidates in the ranking (at most `candidates` of the query). */
  candidates: Candidate[];
  /** All of them. */
  candidateCount: number;
}

export interface Beliefs {
  subject: string;
  atLsn: number;
  predicates: PredicateBeliefs[];
  /** Pass back as `cursor` (with the same options) for the next page; absent on the last page. */
  cursor?: string;
}

export interface BeliefsOptions {
  predicate?: string;
  epoch?: number;
  asOf?: number;
  /** Predicates in the page: 1..beliefsPredicatesMax (default beliefsPredicatesDefault). */
  limit?: number;
  cursor?: string;
  /** Candidates listed per predicate: 1..beliefsCandidatesMax (default beliefsCandidatesDefault). */
  candidates?: number;
}

export interface ContestedItem {
  subject: string;
  predicate: string;
  consensus: number;
}

export interface ContestedOptions {
  epoch?: number;
  limit?: number;
  cursor?: string;
}

/** The epochs in scope of `epoch`: itself and its ancestors (UNKNOWN_EPOCH if it is not defined). */
export function epochScope(reads: Reads, epoch: unknown): Set<number> | undefined {
  if (epoch === undefined) return undefined;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) throw new InvalidQueryError(`epoch must be an epoch id: an integer from 0, got ${JSON.stringify(epoch)}`);
  if (getEpochWithLsn(reads, epoch) === undefined) throw new UnknownEpochError(epoch);
  const scope = new Set<number>();
  // Follow `parent` while it names a defined epoch not seen yet (a cycle ends the walk).
  // A parent that names no defined epoch ends the walk too: it is not in scope, and records
  // that carry that undefined id are not either.
  for (let id: number | undefined = epoch; id !== undefined && !scope.has(id); ) {
    scope.add(id);
    const parent: number | undefined = getEpochWithLsn(reads, id)?.epoch.parent;
    id = parent !== undefined && getEpochWithLsn(reads, parent) !== undefined ? parent : undefined;
  }
  return scope;
}

const inScope = (scope: Set<number> | undefined, epoch: number | undefined): boolean => scope === undefined || epoch === undefined || scope.has(epoch);

function countIn(value: unknown, name: string, fallback: number, max: number): number {
  const count = value ?? fallback;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > max) {
    throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return count;
}

/** A page's bounds: predicates and candidates each within their range, and their product within beliefsPageCandidatesMax. */
function pageBounds(options: BeliefsOptions): { limit: number; candidatesMax: number } {
  const limit = countIn(options.limit, 'limit', beliefsPredicatesDefault, beliefsPredicatesMax);
  const candidatesMax = countIn(options.candidates, 'candidates', beliefsCandidatesDefault, beliefsCandidatesMax);
  if (limit * candidatesMax > beliefsPageCandidatesMax) {
    throw new InvalidArgumentError(`limit x candidates is at most ${beliefsPageCandidatesMax} candidates a page, got ${limit} x ${candidatesMax}`);
  }
  return { limit, candidatesMax };
}

/** A full summary (the slow path's) cut to what a page lists. */
function capSummary(summary: BeliefSummary, candidatesMax: number): Omit<StoredSummary, 'subject' | 'predicate'> {
  return {
    contested: summary.contested,
    consensus: summary.consensus,
    hasBest: summary.hasBest,
    candidateCount: summary.candidates.length,
    candidates: summary.candidates.slice(0, candidatesMax).map((candidate) => ({
      ...candidate,
      assertions: candidate.assertions.slice(0, beliefsAssertionsListedMax),
      assertionCount: candidate.assertions.length,
    })),
  };
}

function toCandidate({ objectJson, support, oppose, score, supporters, assertions, assertionCount }: StoredCandidate): Candidate {
  return { object: JSON.parse(objectJson) as JsonValue, support, oppose, score, supporters, assertions, assertionCount };
}

function toPredicateBeliefs(predicate: string, summary: Omit<StoredSummary, 'subject' | 'predicate'>): PredicateBeliefs {
  const candidates = summary.candidates.map(toCandidate);
  return { predicate, contested: summary.contested, consensus: summary.consensus, best: summary.hasBest ? candidates[0]! : null, candidates, candidateCount: summary.candidateCount };
}

/** An assertion of a pair: its hash and the LSN it was first logged at. */
export interface PairClaim {
  hash: Hash;
  lsn: number;
}

/** The bytes of the assertion `hash`: stored (the store answers for what it holds), else pending. */
function claimBytes(reads: Reads, hash: Hash): Uint8Array | undefined {
  const stored = reads.store.get(assertionKeyHex(hash));
  if (stored !== undefined) return stored;
  const pending = reads.overlay.get(hash);
  return pending?.record.type === 'assertion' ? pending.bytes : undefined;
}

/** `stored` and the pending pair's assertions, each hash once. */
function withPending(stored: PairClaim[], pending: PendingPair | undefined): PairClaim[] {
  if (pending === undefined || pending.assertions.size === 0) return stored;
  const seen = new Set(stored.map((claim) => claim.hash));
  for (const entry of pending.assertions) if (!seen.has(entry.hash)) stored.push({ hash: entry.hash, lsn: entry.lsn });
  return stored;
}

/** Every assertion about (subject, predicate), stored or pending. */
export function pairClaims(reads: Reads, subject: string, predicate: string): PairClaim[] {
  const stored: PairClaim[] = [];
  for (const { key, value } of reads.store.scanPrefix(subjectPredicatePrefix(subject, predicate))) stored.push({ hash: hashHexFromKeyEnd(key), lsn: readU64(value) });
  return withPending(stored, reads.overlay.pair(subject, predicate));
}

/** The slow path: one pair's beliefs from its records, cut at `asOf` and scoped to `scope`. */
export function computePair(reads: Reads, predicate: string, claims: readonly PairClaim[], asOf: number, scope: Set<number> | undefined): BeliefSummary {
  const assertions = [];
  const votes = [];
  for (const { hash, lsn } of claims) {
    if (lsn >= asOf) continue;
    const bytes = claimBytes(reads, hash);
    if (bytes === undefined) continue;
    const view = openView(bytes) as AssertionView;
    // The predicate is compared, not trusted to its digest: a collision cannot mix two pairs.
    if (view.predicate !== predicate || !inScope(scope, view.epoch) || statusAt(reads, hash, asOf) !== 'live') continue;
    assertions.push({ hash, objectJson: view.objectJson, source: view.source, lsn });
    for (const { vote, lsn: voteLsn } of votesWithLsn(reads, hash, asOf)) {
      if (inScope(scope, vote.epoch)) votes.push({ assertion: hash, voter: vote.voter, stance: vote.stance, weight: vote.weight, lsn: voteLsn });
    }
  }
  return summarize(assertions, votes);
}

/** What the stored side offers for one pair, in digest order: its B: value (fast) or its assertions (slow). */
interface StoredPair {
  digest: Uint8Array;
  value?: Uint8Array;
  claims?: PairClaim[];
}

/** The subject's B: values after the digest `after`, in key order; only the one pair's with a predicate. */
function* storedSummaries(reads: Reads, subject: string, predicate: string | undefined, after: Uint8Array | undefined): Generator<StoredPair> {
  if (predicate !== undefined) {
    const key = pairKey('summary', subject, predicate);
    const value = reads.store.get(key);
    if (value !== undefined) yield { digest: key.subarray(key.length - predicateDigestBytes), value };
    return;
  }
  const prefix = pairPrefix('summary', subject);
  for (const { key, value } of reads.store.scanPrefix(prefix, after === undefined ? {} : { after: Buffer.concat([prefix, after]) })) {
    yield { digest: key.subarray(prefix.length), value };
  }
}

/** The subject's S: entries grouped by predicate digest, in key order, from after the digest `after`. */
function* storedClaimGroups(reads: Reads, subject: string, predicate: string | undefined, after: Uint8Array | undefined): Generator<StoredPair> {
  const prefix = predicate === undefined ? subjectPrefix(subject) : subjectPredicatePrefix(subject, predicate);
  const textEnd = subjectPrefix(subject).length;
  // Past every key of the digest `after`: the digest followed by the largest hash.
  const scanAfter = after === undefined ? undefined : Buffer.concat([subjectPrefix(subject), after, Buffer.alloc(32, 0xff)]);
  let group: StoredPair | undefined;
  for (const { key, value } of reads.store.scanPrefix(prefix, scanAfter === undefined ? {} : { after: scanAfter })) {
    const digest = key.subarray(textEnd, textEnd + predicateDigestBytes);
    if (group === undefined || compareBytes(group.digest, digest) !== 0) {
      if (group !== undefined) yield group;
      group = { digest: Uint8Array.from(digest), claims: [] };
    }
    group.claims!.push({ hash: hashHexFromKeyEnd(key), lsn: readU64(value) });
  }
  if (group !== undefined) yield group;
}

/** The stored pairs and the pending ones (both in digest order) merged: each digest once. */
function* byDigest(stored: Iterable<StoredPair>, pending: PendingPair[]): Generator<{ digest: Uint8Array; stored?: StoredPair; pending?: PendingPair }> {
  let p = 0;
  for (const pair of stored) {
    while (p < pending.length && compareBytes(pending[p]!.digest, pair.digest) < 0) yield { digest: pending[p]!.digest, pending: pending[p++]! };
    const same = p < pending.length && compareBytes(pending[p]!.digest, pair.digest) === 0;
    yield same ? { digest: pair.digest, stored: pair, pending: pending[p++]! } : { digest: pair.digest, stored: pair };
  }
  for (; p < pending.length; p++) yield { digest: pending[p]!.digest, pending: pending[p]! };
}

/** The predicate a stored group of assertions is about: its first assertion's. */
function predicateOfClaims(reads: Reads, claims: readonly PairClaim[]): string | undefined {
  for (const { hash } of claims) {
    const bytes = claimBytes(reads, hash);
    if (bytes !== undefined) return (openView(bytes) as AssertionView).predicate;
  }
  return undefined;
}

/**
 * What is believed about `subject`, a page of predicates at a time (in the order of their
 * digests), each with its first `candidates` candidates and the counts of all.
 */
export function beliefsAt(reads: Reads, subject: string, options: BeliefsOptions, endLsn: number): Beliefs {
  if (typeof subject !== 'string' || subject.length === 0) throw new InvalidQueryError('subject must be a non-empty string');
  const predicate = options.predicate;
  if (predicate !== undefined && (typeof predicate !== 'string' || predicate.length === 0)) throw new InvalidQueryError('predicate must be a non-empty string');
  const cut = cutAt(options.asOf, endLsn);
  const scope = epochScope(reads, options.epoch);
  const { limit, candidatesMax } = pageBounds(options);
  const fast = scope === undefined && options.asOf === undefined;
  const params = [subject, predicate, options.epoch, options.asOf, candidatesMax];
  const after = decodeCursor('beliefs', params, options.cursor);
  if (after !== undefined && after.length !== predicateDigestBytes) throw new InvalidCursorError('cursor was not issued by this query (damaged)');
  const isAfter = (digest: Uint8Array): boolean => after === undefined || compareBytes(digest, after) > 0;
  const pending = [...reads.overlay.pairsOf(subject)]
    .filter((pair) => (predicate === undefined || pair.predicate === predicate) && isAfter(pair.digest))
    .sort((a, b) => compareBytes(a.digest, b.digest));
  const stored = fast ? storedSummaries(reads, subject, predicate, after) : storedClaimGroups(reads, subject, predicate, after);
  const predicates: PredicateBeliefs[] = [];
  let last: Uint8Array | undefined;
  for (const pair of byDigest(stored, pending)) {
    if (!isAfter(pair.digest)) continue; // with a predicate, its one pair may lie before the cursor
    const answer = fast ? currentPair(reads, subject, predicate, pair, candidatesMax) : pairAt(reads, pair, cut.asOf, scope, candidatesMax);
    if (answer === undefined) continue;
    if (predicates.length === limit) return { subject, atLsn: cut.atLsn, predicates, cursor: encodeCursor('beliefs', params, last!) };
    predicates.push(answer);
    last = pair.digest;
  }
  return { subject, atLsn: cut.atLsn, predicates };
}

/** The fast path for one pair: its stored state, or, while pending records touch it, its records. */
function currentPair(reads: Reads, subject: string, predicate: string | undefined, pair: { stored?: StoredPair; pending?: PendingPair }, candidatesMax: number): PredicateBeliefs | undefined {
  if (pair.pending === undefined) {
    const value = pair.stored!.value!;
    const names = pairNames(value);
    if (names.subject !== subject || (predicate !== undefined && names.predicate !== predicate)) return undefined; // a digest collision
    const summary = readPairSummary(reads.store, value, candidatesMax, beliefsAssertionsListedMax);
    return toPredicateBeliefs(summary.predicate, summary);
  }
  const name = pair.pending.predicate;
  const claims = pairClaims(reads, subject, name);
  if (claims.length === 0) return undefined;
  return toPredicateBeliefs(name, capSummary(computePair(reads, name, claims, Number.POSITIVE_INFINITY, undefined), candidatesMax));
}

/** The slow path for one pair: listed when one of its assertions was logged before the cut. */
function pairAt(reads: Reads, pair: { stored?: StoredPair; pending?: PendingPair }, asOf: number, scope: Set<number> | undefined, candidatesMax: number): PredicateBeliefs | undefined {
  const storedClaims = pair.stored?.claims ?? [];
  const name = pair.pending?.predicate ?? predicateOfClaims(reads, storedClaims);
  if (name === undefined) return undefined;
  const claims = withPending([...storedClaims], pair.pending);
  if (!claims.some((claim) => claim.lsn < asOf)) return undefined; // nothing about this predicate was logged before the cut
  return toPredicateBeliefs(name, capSummary(computePair(reads, name, claims, asOf, scope), candidatesMax));
}

/**
 * The contested (subject, predicate) pairs, a page at a time, in key order (subject, then
 * predicate digest). Unscoped: the K: index, corrected for pairs pending records touch.
 * With an epoch: every pair is computed in that scope (cost: all pairs; see docs/beliefs.md).
 */
export function contestedAt(reads: Reads, options: ContestedOptions): { items: ContestedItem[]; cursor?: string } {
  const scope = epochScope(reads, options.epoch);
  const limit = toLimit(options.limit);
  const computeItem = (subject: string, predicate: string): ContestedItem | undefined => {
    const summary = computePair(reads, predicate, pairClaims(reads, subject, predicate), Number.POSITIVE_INFINITY, scope);
    return summary.contested ? { subject, predicate, consensus: summary.consensus } : undefined;
  };
  // Pairs pending records touch: computed now, whatever the summaries say.
  const pendingPairs = new Map<string, ContestedItem | undefined>();
  const family = scope === undefined ? 'contested' : 'summary';
  for (const { subject, predicate } of reads.overlay.allPairs()) {
    pendingPairs.set(Buffer.from(pairKey(family, subject, predicate)).toString('hex'), computeItem(subject, predicate));
  }
  return pagedScan(reads.store, {
    query: 'contested',
    params: [options.epoch],
    prefix: pairPrefixAll(family),
    fromStore: (key) => ({ key, hash: '' as Hash, lsn: 0 }),
    pending: () => [...pendingPairs].filter(([, item]) => item !== undefined).map(([id]) => ({ key: Buffer.from(id, 'hex'), hash: '' as Hash, lsn: 0 })),
    accept: (hit: IndexHit): ContestedItem | undefined => {
      const id = Buffer.from(hit.key).toString('hex');
      if (pendingPairs.has(id)) return pendingPairs.get(id);
      const value = reads.store.get(hit.key);
      if (value === undefined) return undefined;
      if (scope === undefined) return decodeContested(value);
      if (!mayBeContestedInAScope(value)) return undefined; // one value, no votes: never contested in any scope
      const { subject, predicate } = pairNames(value);
      return computeItem(subject, predicate);
    },
    limit,
    cursor: options.cursor,
  });
}
