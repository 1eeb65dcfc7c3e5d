// Records that are durable in the WAL but not yet ingested into the KV store, held in memory
// and merged into every query, so a write is visible as soon as it is logged (LSM stores
// call this a memtable). An entry leaves once the ingestor's checkpoint passes it: from then
// on the KV store answers for it. The overlay is derived state: after a crash, open replays
// the WAL into the KV store before anything is served, so nothing here needs persisting.
// Invariant: every record logged by this process is in the KV store, in the overlay, or both.
import type { Epoch, Hash, PreparedFields, Vote } from '../records/index.js';

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
}

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
  /** Indexed entries the KV store does not hold yet, by kind: what stats add to its counters. */
  private readonly unstored: PendingCounts = { assertion: 0, vote: 0, epoch: 0, retraction: 0 };

  /** Records pending (duplicates of one hash counted once). */
  get size(): number {
    return this.byHash.size;
  }

  /** Adds logged records; those at or below `checkpointLsn` are already in the KV store and are skipped. */
  add(entries: readonly OverlayEntry[], checkpointLsn: number): void {
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
      } else if (record.type === 'vote') push(this.votesByAssertion, record.assertion, entry);
      else if (record.type === 'retraction') push(this.changesByTarget, record.assertion, entry);
      else if (!this.epochsById.has(record.id)) this.epochsById.set(record.id, entry);
    }
  }

  /** Drops every entry the KV store now holds (its frame ends at or below `checkpointLsn`). */
  evictThrough(checkpointLsn: number): void {
    while (this.head < this.pending.length && this.pending[this.head]!.endLsn <= checkpointLsn) {
      const entry = this.pending[this.head++]!;
      if (this.byHash.get(entry.hash) !== entry) continue; // a duplicate: its first copy was indexed
      this.byHash.delete(entry.hash);
      if (!entry.stored) this.unstored[entry.record.type] -= 1;
      const { record } = entry;
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
