// One large (subject, predicate)'s belief state in its indexed form (src/layout/pair-index.ts),
// kept current one record at a time inside the ingest transaction: an assertion, a vote or a
// status change reads and writes a few P: entries (O(log n) each, whatever the pair's size),
// and the sums move by exact deltas (src/beliefs: exact.ts), so the result equals summarize()
// over the same records to the bit. Candidates touched by the batch are held here and written
// once, with their rank entries, by flush(), which then judges the pair from its first two.
// Invariant: a name's contribution to a candidate is its latest vote there in log order, else
// +1 support while it is the source of a live assertion there, else nothing.
import { compareStanding, judge, oneUnits, weightUnits, type Units } from '../beliefs/index.js';
import { assert } from '../errors.js';
import {
  candidateAssertionKey,
  candidateAssertionsPrefix,
  candidateDigest,
  candidateKey,
  decodeCandidate,
  decodeName,
  decodeRankValue,
  decodeVoteEntry,
  encodeCandidate,
  encodeName,
  encodePairHead,
  encodeRankValue,
  encodeVoteEntry,
  lsnOfCandidateAssertionKey,
  nameDigest,
  nameKey,
  nameOfVoterKey,
  rankKey,
  rankPrefix,
  readU64,
  voteEntriesPrefix,
  voteEntryKey,
  voterKey,
  votersPrefix,
  writeU64,
  type CandidateState,
  type NameState,
  type PairHead,
} from '../layout/index.js';
import { sameBytes, type KVTransaction } from '../storage/index.js';

const encoder = new TextEncoder();

/** A candidate held for the batch: its state (undefined once gone) and the rank key it was stored under. */
interface Slot {
  digest: Uint8Array;
  state: CandidateState | undefined;
  storedRank: Uint8Array | undefined;
  dirty: boolean;
}

/** What one name adds to a candidate. */
interface Contribution {
  support: Units;
  oppose: Units;
  supporters: number;
}

const nothing: Contribution = { support: 0n, oppose: 0n, supporters: 0 };

function contribution(name: NameState | undefined): Contribution {
  if (name === undefined) return nothing;
  if (name.vote !== undefined) {
    const units = weightUnits(name.vote.weight);
    return name.vote.stance === 'support' ? { support: units, oppose: 0n, supporters: 1 } : { support: 0n, oppose: units, supporters: 0 };
  }
  return name.sources > 0 ? { support: oneUnits, oppose: 0n, supporters: 1 } : nothing;
}

export class IndexedPair {
  private readonly slots = new Map<string, Slot>();

  /**
   * `key`: the pair's B: key; `contestedBefore`: whether its K: entry exists now. `head` is the
   * stored head (or a fresh one for a pair moving from the inline form), updated in place.
   */
  constructor(
    private readonly tx: KVTransaction,
    readonly key: Uint8Array,
    readonly subject: string,
    readonly predicate: string,
    private readonly head: PairHead,
    private contestedBefore: boolean,
  ) {}

  private slot(digest: Uint8Array): Slot {
    const id = Buffer.from(digest).toString('hex');
    let slot = this.slots.get(id);
    if (slot === undefined) {
      const stored = this.tx.get(candidateKey(this.head.id, digest));
      const state = stored === undefined ? undefined : decodeCandidate(stored);
      slot = { digest, state, storedRank: state === undefined ? undefined : rankKey(this.head.id, state), dirty: false };
      this.slots.set(id, slot);
    }
    return slot;
  }

  /** Moves `name`'s contribution to the candidate from `before` to `after`, and stores `after` (or deletes it when empty). */
  private setName(slot: Slot, name: Uint8Array, before: NameState | undefined, after: NameState): void {
    const state = slot.state;
    assert(state !== undefined, 'a name is set on a candidate that exists');
    const was = contribution(before);
    const now = contribution(after);
    state.support += now.support - was.support;
    state.oppose += now.oppose - was.oppose;
    state.supporters += now.supporters - was.supporters;
    this.head.supportAll += now.support - was.support;
    slot.dirty = true;
    const key = nameKey(this.head.id, slot.digest, name);
    if (after.sources === 0 && after.vote === undefined) {
      this.tx.del(key);
      this.head.names -= 1;
    } else {
      if (before === undefined) this.head.names += 1;
      this.tx.put(key, encodeName(after));
    }
  }

  private name(slot: Slot, name: Uint8Array): NameState | undefined {
    const stored = this.tx.get(nameKey(this.head.id, slot.digest, name));
    return stored === undefined ? undefined : decodeName(stored);
  }

  /** A live assertion: a new one (the newest record of the pair), or one replayed from the inline form. */
  addAssertion(hash: Uint8Array, objectJson: Uint8Array, source: string, lsn: number): void {
    const slot = this.slot(candidateDigest(objectJson));
    if (slot.state === undefined) {
      slot.state = { support: 0n, oppose: 0n, supporters: 0, firstLsn: lsn, live: 0 };
      this.head.candidates += 1;
    }
    slot.state.live += 1;
    slot.state.firstLsn = Math.min(slot.state.firstLsn, lsn); // a pair moving here replays its assertions, oldest first
    slot.dirty = true;
    this.head.assertions += 1;
    this.tx.put(candidateAssertionKey(this.head.id, slot.digest, lsn), hash);
    const name = nameDigest(encoder.encode(source));
    const before = this.name(slot, name);
    this.setName(slot, name, before, { sources: (before?.sources ?? 0) + 1, vote: before?.vote });
  }

  /**
   * An assertion stops being live (its first retraction or supersession). Its votes leave with
   * it: each of its voters falls back to their latest vote on the candidate's other live
   * assertions, or to nothing. Cost: its voters, once (an assertion dies once).
   */
  removeAssertion(hash: Uint8Array, objectJson: Uint8Array, source: string, lsn: number): void {
    const slot = this.slot(candidateDigest(objectJson));
    const state = slot.state;
    const entryKey = candidateAssertionKey(this.head.id, slot.digest, lsn);
    const entry = this.tx.get(entryKey);
    if (state === undefined || entry === undefined || !sameBytes(entry, hash)) return; // not live here
    this.tx.del(entryKey);
    state.live -= 1;
    slot.dirty = true;
    this.head.assertions -= 1;
    const sourceName = nameDigest(encoder.encode(source));
    const before = this.name(slot, sourceName)!;
    this.setName(slot, sourceName, before, { sources: before.sources - 1, vote: before.vote });
    // Read the voters first: the writes below must not run under an open scan.
    const voters = [...this.tx.scanPrefix(votersPrefix(this.head.id, hash))];
    for (const { key, value } of voters) {
      const voter = Uint8Array.from(nameOfVoterKey(key));
      const voteLsn = readU64(value);
      this.tx.del(key);
      this.tx.del(voteEntryKey(this.head.id, slot.digest, voter, voteLsn));
      this.head.votes -= 1;
      const had = this.name(slot, voter)!;
      if (had.vote?.lsn !== voteLsn) continue; // not the voter's latest on the candidate: nothing counted changes
      const [next] = [...this.tx.scanPrefix(voteEntriesPrefix(this.head.id, slot.digest, voter), { limit: 1 })];
      const vote = next === undefined ? undefined : decodeVoteEntry(next.key, next.value);
      this.setName(slot, voter, had, { sources: had.sources, vote: vote === undefined ? undefined : { stance: vote.stance, weight: vote.weight, lsn: vote.lsn } });
    }
    if (state.live === 0) {
      assert(state.support === 0n && state.oppose === 0n && state.supporters === 0, 'a candidate without live assertions has no support left');
      slot.state = undefined;
      this.head.candidates -= 1;
    } else if (lsn === state.firstLsn) {
      const [first] = [...this.tx.scanPrefix(candidateAssertionsPrefix(this.head.id, slot.digest), { limit: 1 })];
      assert(first !== undefined, 'a candidate with live assertions lists one');
      state.firstLsn = lsnOfCandidateAssertionKey(first.key);
    }
  }

  /** A new vote (the newest record of the pair) on the live assertion `assertion`, whose object is `objectJson`. */
  addVote(assertion: Uint8Array, objectJson: Uint8Array, voter: string, stance: 'support' | 'oppose', weight: number, lsn: number): void {
    const slot = this.slot(candidateDigest(objectJson));
    assert(slot.state !== undefined, 'a vote on a live assertion finds its candidate');
    const name = nameDigest(encoder.encode(voter));
    const byVoter = voterKey(this.head.id, assertion, name);
    const earlier = this.tx.get(byVoter);
    if (earlier === undefined) this.head.votes += 1;
    else this.tx.del(voteEntryKey(this.head.id, slot.digest, name, readU64(earlier)));
    this.tx.put(byVoter, writeU64(lsn));
    this.tx.put(voteEntryKey(this.head.id, slot.digest, name, lsn), encodeVoteEntry(stance, weight, assertion));
    const before = this.name(slot, name);
    this.setName(slot, name, before, { sources: before?.sources ?? 0, vote: { stance, weight, lsn } });
  }

  /** Writes the candidates the batch changed and their rank entries, then the head and the contested entry (K:). */
  flush(contestedKey: Uint8Array, encodeContested: (consensus: number) => Uint8Array): void {
    for (const slot of this.slots.values()) {
      if (!slot.dirty) continue;
      const rank = slot.state === undefined ? undefined : rankKey(this.head.id, slot.state);
      if (slot.storedRank !== undefined && (rank === undefined || !sameBytes(rank, slot.storedRank))) this.tx.del(slot.storedRank);
      // Rewritten whenever the candidate changed: the rank entry carries its answer numbers.
      if (rank !== undefined) this.tx.put(rank, encodeRankValue(slot.digest, slot.state!));
      const key = candidateKey(this.head.id, slot.digest);
      if (slot.state === undefined) this.tx.del(key);
      else this.tx.put(key, encodeCandidate(slot.state));
      slot.storedRank = rank;
      slot.dirty = false;
    }
    const top = [...this.tx.scanPrefix(rankPrefix(this.head.id), { limit: 2 })].map(({ value }) => this.slot(Uint8Array.from(decodeRankValue(value).digest)).state!);
    assert(top.every((state) => state !== undefined), 'a rank entry names a stored candidate');
    assert(top.length < 2 || compareStanding(top[0]!, top[1]!) < 0, 'the rank entries are in the rules\' order');
    const verdict = judge(top[0], top[1], this.head.supportAll);
    this.head.hasBest = verdict.hasBest;
    this.head.contested = verdict.contested;
    this.head.consensus = verdict.consensus;
    if (verdict.contested) this.tx.put(contestedKey, encodeContested(verdict.consensus));
    else if (this.contestedBefore) this.tx.del(contestedKey);
    this.contestedBefore = verdict.contested;
    this.tx.put(this.key, encodePairHead(this.subject, this.predicate, this.head));
  }
}
