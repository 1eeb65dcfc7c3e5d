// What is believed (docs/beliefs.md): per (subject, predicate), the candidate values with
// their support and opposition, the best one, the consensus, and whether it is contested;
// and the list of contested pairs. Two paths, one rule module (src/beliefs):
// - fast: unscoped and current, read the summaries the ingestor keeps (B:, K:), except for
//   pairs that records still pending in the overlay touch;
// - slow: with an epoch or asOf, or for such pairs, gather the pair's records from the
//   indexes (its assertions, their status changes and votes) and apply the rules.
import { summarize, type BeliefSummary } from '../beliefs/index.js';
import { InvalidQueryError, UnknownEpochError } from '../errors.js';
import {
  assertionKeyHex,
  decodeContested,
  decodeSummary,
  mayBeContestedInAScope,
  hashHexFromKeyEnd,
  pairKey,
  pairPrefix,
  pairPrefixAll,
  readU64,
  subjectPredicatePrefix,
  subjectPrefix,
  type StoredSummary,
} from '../layout/index.js';
import { openView, type Assertion, type AssertionView, type Hash, type JsonValue } from '../records/index.js';
import { assertionWithLsn, cutAt, statusAt } from './claims.js';
import { pagedScan, type IndexHit } from './paged-scan.js';
import { getEpochWithLsn, toLimit, votesWithLsn, type Reads } from './queries.js';

export interface Candidate {
  object: JsonValue;
  support: number;
  oppose: number;
  score: number;
  supporters: number;
  assertions: Hash[];
}

export interface PredicateBeliefs {
  predicate: string;
  contested: boolean;
  consensus: number;
  best: Candidate | null;
  candidates: Candidate[];
}

export interface Beliefs {
  subject: string;
  atLsn: number;
  predicates: PredicateBeliefs[];
}

export interface BeliefsOptions {
  predicate?: string;
  epoch?: number;
  asOf?: number;
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

function toPredicateBeliefs(predicate: string, summary: BeliefSummary): PredicateBeliefs {
  const candidates = summary.candidates.map(({ objectJson, support, oppose, score, supporters, assertions }) => ({
    object: JSON.parse(objectJson) as JsonValue,
    support,
    oppose,
    score,
    supporters,
    assertions,
  }));
  return { predicate, contested: summary.contested, consensus: summary.consensus, best: summary.hasBest ? candidates[0]! : null, candidates };
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

/** Every assertion about `subject` (with `predicate`, or any), stored or pending, grouped by predicate. */
export function assertionsOfSubject(reads: Reads, subject: string, predicate: string | undefined): Map<string, PairClaim[]> {
  const byPredicate = new Map<string, PairClaim[]>();
  const seen = new Set<Hash>();
  const add = (name: string, claim: PairClaim): void => {
    if ((predicate !== undefined && name !== predicate) || seen.has(claim.hash)) return;
    seen.add(claim.hash);
    const list = byPredicate.get(name);
    if (list === undefined) byPredicate.set(name, [claim]);
    else list.push(claim);
  };
  const prefix = predicate === undefined ? subjectPrefix(subject) : subjectPredicatePrefix(subject, predicate);
  for (const { key, value } of reads.store.scanPrefix(prefix)) {
    const hash = hashHexFromKeyEnd(key);
    const bytes = reads.store.get(assertionKeyHex(hash));
    if (bytes !== undefined) add((openView(bytes) as AssertionView).predicate, { hash, lsn: readU64(value) });
  }
  for (const entry of reads.overlay.assertionsAbout(subject)) add((entry.record as Assertion).predicate, { hash: entry.hash, lsn: entry.lsn });
  return byPredicate;
}

/** The slow path: one pair's beliefs from its records, cut at `asOf` and scoped to `scope`. */
export function computePair(reads: Reads, claims: readonly PairClaim[], asOf: number, scope: Set<number> | undefined): BeliefSummary {
  const assertions = [];
  const votes = [];
  for (const { hash, lsn } of claims) {
    if (lsn >= asOf) continue;
    const bytes = claimBytes(reads, hash);
    if (bytes === undefined) continue;
    const view = openView(bytes) as AssertionView;
    if (!inScope(scope, view.epoch) || statusAt(reads, hash, asOf) !== 'live') continue;
    assertions.push({ hash, objectJson: view.objectJson, source: view.source, lsn });
    for (const { vote, lsn: voteLsn } of votesWithLsn(reads, hash, asOf)) {
      if (inScope(scope, vote.epoch)) votes.push({ assertion: hash, voter: vote.voter, stance: vote.stance, weight: vote.weight, createdAt: vote.createdAt, lsn: voteLsn });
    }
  }
  return summarize(assertions, votes);
}

/** Whether records pending in the overlay touch this stored summary's pair (then it is stale). */
function touchedByPending(reads: Reads, summary: StoredSummary): boolean {
  if (reads.overlay.size === 0) return false;
  if (reads.overlay.assertionsAbout(summary.subject).some((entry) => (entry.record as Assertion).predicate === summary.predicate)) return true;
  for (const candidate of summary.candidates) {
    for (const hash of candidate.assertions) {
      if (reads.overlay.votesFor(hash).length > 0 || reads.overlay.statusChanges(hash).length > 0) return true;
    }
  }
  return false;
}

/** What is believed about `subject`, per predicate (sorted by predicate). */
export function beliefsAt(reads: Reads, subject: string, options: BeliefsOptions, endLsn: number): Beliefs {
  if (typeof subject !== 'string' || subject.length === 0) throw new InvalidQueryError('subject must be a non-empty string');
  const predicate = options.predicate;
  if (predicate !== undefined && (typeof predicate !== 'string' || predicate.length === 0)) throw new InvalidQueryError('predicate must be a non-empty string');
  const cut = cutAt(options.asOf, endLsn);
  const scope = epochScope(reads, options.epoch);
  const predicates: PredicateBeliefs[] = [];
  const fast = scope === undefined && options.asOf === undefined;
  const done = new Set<string>();
  if (fast) {
    const entries = predicate === undefined ? reads.store.scanPrefix(pairPrefix('summary', subject)) : one(reads, pairKey('summary', subject, predicate));
    for (const { value } of entries) {
      const summary = decodeSummary(value);
      if (summary.subject !== subject || (predicate !== undefined && summary.predicate !== predicate)) continue; // a digest collision
      if (touchedByPending(reads, summary)) continue; // computed below, with the pending records
      predicates.push(toPredicateBeliefs(summary.predicate, summary));
      done.add(summary.predicate);
    }
  }
  for (const [name, claims] of assertionsOfSubject(reads, subject, predicate)) {
    if (done.has(name)) continue;
    if (!claims.some((claim) => claim.lsn < cut.asOf)) continue; // nothing about this predicate was logged before the cut
    predicates.push(toPredicateBeliefs(name, computePair(reads, claims, cut.asOf, scope)));
  }
  predicates.sort((a, b) => (a.predicate < b.predicate ? -1 : a.predicate > b.predicate ? 1 : 0));
  return { subject, atLsn: cut.atLsn, predicates };
}

function one(reads: Reads, key: Uint8Array): Array<{ key: Uint8Array; value: Uint8Array }> {
  const value = reads.store.get(key);
  return value === undefined ? [] : [{ key, value }];
}

/**
 * The contested (subject, predicate) pairs, a page at a time, in key order (subject, then
 * predicate digest). Unscoped: the K: index, corrected for pairs pending records touch.
 * With an epoch: every pair is computed in that scope (cost: all pairs; see docs/beliefs.md).
 */
export function contestedAt(reads: Reads, options: ContestedOptions): { items: ContestedItem[]; cursor?: string } {
  const scope = epochScope(reads, options.epoch);
  const limit = toLimit(options.limit);
  // Pairs pending records touch: computed now, whatever the summaries say.
  const pendingPairs = new Map<string, ContestedItem | undefined>();
  const pendingKeyOf = (subject: string, predicate: string): string => Buffer.from(pairKey(scope === undefined ? 'contested' : 'summary', subject, predicate)).toString('hex');
  const computeItem = (subject: string, predicate: string): ContestedItem | undefined => {
    const claims = assertionsOfSubject(reads, subject, predicate).get(predicate) ?? [];
    const summary = computePair(reads, claims, Number.POSITIVE_INFINITY, scope);
    return summary.contested ? { subject, predicate, consensus: summary.consensus } : undefined;
  };
  for (const entry of reads.overlay.entries()) {
    const { record } = entry;
    if (record.type === 'epoch') continue;
    const about = record.type === 'assertion' ? record : assertionWithLsn(reads, record.assertion)?.assertion;
    if (about === undefined) continue;
    const id = pendingKeyOf(about.subject, about.predicate);
    if (!pendingPairs.has(id)) pendingPairs.set(id, computeItem(about.subject, about.predicate));
  }
  const page = pagedScan(reads.store, {
    query: 'contested',
    params: [options.epoch],
    prefix: pairPrefixAll(scope === undefined ? 'contested' : 'summary'),
    fromStore: (key) => ({ key, hash: '' as Hash, lsn: 0 }),
    pending: () => [...pendingPairs].filter(([, item]) => item !== undefined).map(([id]) => ({ key: Buffer.from(id, 'hex'), hash: '' as Hash, lsn: 0 })),
    accept: (hit: IndexHit): ContestedItem | undefined => {
      const id = Buffer.from(hit.key).toString('hex');
      if (pendingPairs.has(id)) return pendingPairs.get(id);
      const value = reads.store.get(hit.key);
      if (value === undefined) return undefined;
      if (scope === undefined) return decodeContested(value);
      if (!mayBeContestedInAScope(value)) return undefined; // one value, no votes: never contested in any scope
      const { subject, predicate } = decodeSummary(value);
      return computeItem(subject, predicate);
    },
    limit,
    cursor: options.cursor,
  });
  return page;
}
