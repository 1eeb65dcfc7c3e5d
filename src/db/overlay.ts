// Records that are durable in the WAL but not yet ingested into the KV store, held in memory
// and merged into every query, so a write is visible as soon as it is logged (LSM stores
// call this a memtable). An entry leaves once the ingestor's checkpoint passes it: from then
// on the KV store answers for it. The overlay is derived state: after a crash, open replays
// the WAL into the KV store before anything is served, so nothing here needs persisting.
// Invariant: every record logged by this process is in the KV store, in the overlay, or both.
// Pending records are also indexed by the (subject, predicate) they touch (an assertion's own;
// a vote's or a retraction's target's), so beliefs finds the pairs whose stored summary they
// make stale with one lookup, never a scan.
import { predicateDigest } from '../layout/index.js';
import type { Epoch, Hash, PreparedFields, Vote } from '../records/index.js';

const encoder = new TextEncoder();

export interface OverlayEntry {
  /** The fields the indexes need (an assertion's object is only in `bytes`). */
  record: PreparedFields;
  hash: Hash;
  bytes: Uint8Array;
  /** LSN of the frame, and just past it. */
  lsn: number;
  endLsn: number;
  /** The KV store already held this record when it was logged again (a re-sent record). */
  stored: boolean;
  /** The pending pair it touches (set by add), if its target was found. */
  pair?: PendingPair;
}

/** The pending records touching one (subject, predicate). */
export interface PendingPair {
  subject: string;
  predicate: string;
  /** BLAKE3-128 of the predicate: the pair's order among the subject's (B: and S: keys). */
  digest: Uint8Array;
  /** Its pending assertions, in LSN order (a Set: eviction deletes in O(1)). */
  assertions: Set<OverlayEntry>;
  /** Pending records touching it: its assertions, and votes and retractions of its assertions. */
  touches: number;
}

/** Where a stored assertion is: its subject and predicate, or undefined when the store lacks it. */
export type PairOf = (assertion: Hash) => { subject: string; predicate: string } | undefined;

export type PendingCounts = Record<PreparedFields['type'], number>;

export class Overlay {
  /** Every entry not yet evicted, in LSN order (a write's entries arrive in LSN order). */
  private pending: OverlayEntry[] = [];
  private head = 0;
  /** The first pending entry of each hash (a re-sent record is logged again under the same hash). */
  private readonly byHash = new Map<Hash, OverlayEntry>();
  private readonly bySubject = new Map<string, OverlayEntry[]>();
  private readonly votesByAssertion = new Map<Hash, OverlayEntry[]>();
  private readonly epochsById = new Map<number, OverlayEntry>();
  /** Pending retractions and superseding assertions, by the assertion they target. */
  private readonly changesByTarget = new Map<Hash, OverlayEntry[]>();
  /** Pending pairs by subject, then predicate. */
  private readonly pairs = new Map<string, Map<string, PendingPair>>();
  /** Indexed entries the KV store does not hold yet, by kind: what stats add to its counters. */
  private readonly unstored: PendingCounts = { assertion: 0, vote: 0, epoch: 0, retraction: 0 };

  /** Records pending (duplicates of one hash counted once). */
  get size(): number {
    return this.byHash.size;
  }

  /**
   * Adds logged records; those at or below `checkpointLsn` are already in the KV store and are
   * skipped. `pairOf` finds the pair of a vote's or retraction's target in the KV store (a
   * pending target is found here).
   */
  add(entries: readonly OverlayEntry[], checkpointLsn: number, pairOf: PairOf): void {
    for (const entry of entries) {
      if (entry.endLsn <= checkpointLsn) continue;
      this.pending.push(entry);
      if (this.byHash.has(entry.hash)) continue;
      this.byHash.set(entry.hash, entry);
      if (!entry.stored) this.unstored[entry.record.type] += 1;
      const { record } = entry;
      if (record.type === 'assertion') {
        push(this.bySubject, record.subject, entry);
        if (record.supersedes !== undefined) push(this.changesByTarget, record.supersedes, entry);
        this.touch(entry, record.subject, record.predicate).assertions.add(entry);
      } else if (record.type === 'vote' || record.type === 'retraction') {
        push(record.type === 'vote' ? this.votesByAssertion : this.changesByTarget, record.assertion, entry);
        const target = this.byHash.get(record.assertion)?.record;
        const about = target?.type === 'assertion' ? target : pairOf(record.assertion);
        if (about !== undefined) this.touch(entry, about.subject, about.predicate);
      } else if (!this.epochsById.has(record.id)) this.epochsById.set(record.id, entry);
    }
  }

  /** Counts `entry` as touching (subject, predicate), creating the pending pair if needed. */
  private touch(entry: OverlayEntry, subject: string, predicate: string): PendingPair {
    let bySubject = this.pairs.get(subject);
    if (bySubject === undefined) this.pairs.set(subject, (bySubject = new Map()));
    let pair = bySubject.get(predicate);
    if (pair === undefined) {
      pair = { subject, predicate, digest: predicateDigest(encoder.encode(predicate)), assertions: new Set(), touches: 0 };
      bySubject.set(predicate, pair);
    }
    pair.touches += 1;
    entry.pair = pair;
    return pair;
  }

  private untouch(entry: OverlayEntry): void {
    const pair = entry.pair;
    if (pair === undefined) return;
    pair.touches -= 1;
    pair.assertions.delete(entry);
    if (pair.touches > 0) return;
    const bySubject = this.pairs.get(pair.subject);
    bySubject?.delete(pair.predicate);
    if (bySubject?.size === 0) this.pairs.delete(pair.subject);
  }

  /** Drops every entry the KV store now holds (its frame ends at or below `checkpointLsn`). */
  evictThrough(checkpointLsn: number): void {
    while (this.head < this.pending.length && this.pending[this.head]!.endLsn <= checkpointLsn) {
      const entry = this.pending[this.head++]!;
      if (this.byHash.get(entry.hash) !== entry) continue; // a duplicate: its first copy was indexed
      this.byHash.delete(entry.hash);
      if (!entry.stored) this.unstored[entry.record.type] -= 1;
      const { record } = entry;
      this.untouch(entry);
      if (record.type === 'assertion') {
        remove(this.bySubject, record.subject, entry);
        if (record.supersedes !== undefined) remove(this.changesByTarget, record.supersedes, entry);
      } else if (record.type === 'vote') remove(this.votesByAssertion, record.assertion, entry);
      else if (record.type === 'retraction') remove(this.changesByTarget, record.assertion, entry);
      else if (this.epochsById.get(record.id) === entry) this.epochsById.delete(record.id);
    }
    // Compact now and then, so the array does not keep evicted entries alive.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  get(hash: Hash): OverlayEntry | undefined {
    return this.byHash.get(hash);
  }

  /** Pending assertions about `subject`, in no particular order. */
  assertionsAbout(subject: string): readonly OverlayEntry[] {
    return this.bySubject.get(subject) ?? [];
  }

  /** The pending records touching (subject, predicate), or undefined when none does. */
  pair(subject: string, predicate: string): PendingPair | undefined {
    return this.pairs.get(subject)?.get(predicate);
  }

  /** The pairs of `subject` that pending records touch, in no particular order. */
  pairsOf(subject: string): Iterable<PendingPair> {
    return this.pairs.get(subject)?.values() ?? [];
  }

  /** Every pair pending records touch. */
  *allPairs(): Generator<PendingPair> {
    for (const bySubject of this.pairs.values()) yield* bySubject.values();
  }

  /** Pending votes on `assertion`, in LSN order. */
  votesFor(assertion: Hash): ReadonlyArray<OverlayEntry & { record: Vote }> {
    return (this.votesByAssertion.get(assertion) ?? []) as ReadonlyArray<OverlayEntry & { record: Vote }>;
  }

  /** Pending retractions of `target` and assertions superseding it, in LSN order. */
  statusChanges(target: Hash): readonly OverlayEntry[] {
    return this.changesByTarget.get(target) ?? [];
  }

  epoch(id: number): (OverlayEntry & { record: Epoch }) | undefined {
    return this.epochsById.get(id) as (OverlayEntry & { record: Epoch }) | undefined;
  }

  epochs(): ReadonlyArray<OverlayEntry & { record: Epoch }> {
    return [...this.epochsById.values()] as Array<OverlayEntry & { record: Epoch }>;
  }

  /** Pending records, one per hash, in the order they were logged. */
  *entries(): Generator<OverlayEntry> {
    yield* this.byHash.values();
  }

  /** Pending records the KV store does not hold yet, by kind. */
  unstoredCounts(): Readonly<PendingCounts> {
    return this.unstored;
  }
}

function push<K>(map: Map<K, OverlayEntry[]>, key: K, entry: OverlayEntry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}

function remove<K>(map: Map<K, OverlayEntry[]>, key: K, entry: OverlayEntry): void {
  const list = map.get(key);
  if (list === undefined) return;
  const i = list.indexOf(entry);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
