// Keeps each (subject, predicate)'s belief state current, inside the ingest transaction, in log
// order. A small pair is inline: its inputs (live assertions and, per (assertion, voter), the
// latest vote) live in its B: value, and at the end of the batch its summary is recomputed from
// them by the rule module (src/beliefs) and the value rewritten: bounded work, since an inline
// pair holds at most pairInlineInputsMax inputs. A pair that grows past that (or whose value
// would pass pairInlineBytesMax) moves to the indexed form (indexed-pair.ts) and stays there:
// each record then costs O(log n). The contested entry (K:) follows the summary in both forms.
// A record that stops being live (its first retraction or supersession) never becomes live
// again, so it and its votes leave the state for good.
import { summarize } from '../beliefs/index.js';
import { assert } from '../errors.js';
import {
  contestedKeyOf,
  decodeInputs,
  decodePairHead,
  encodeJsonValue,
  encodePairValue,
  nextPairIdKey,
  pairForm,
  pairKeyFromUtf8,
  readU64,
  subjectKeyFromUtf8,
  writeU64,
  type PairInputs,
} from '../layout/index.js';
import { hashFromBytes, hashToBytes, type AssertionView, type Hash, type VoteView } from '../records/index.js';
import type { KVTransaction } from '../storage/index.js';
import { IndexedPair } from './indexed-pair.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** When a pair leaves the inline form (src/limits.ts has the defaults; tests lower them). */
export interface PairLimits {
  /** Inputs (live assertions plus latest votes) an inline pair holds at most. */
  inlineInputsMax: number;
  /** Bytes an inline B: value may have at most. */
  inlineBytesMax: number;
}

interface InlinePair {
  key: Uint8Array;
  inputs: PairInputs;
}

const idOf = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');

export class PairSummaries {
  /** The pairs this batch changed, by their B: key (as latin1 text), in one form or the other. */
  private readonly inline = new Map<string, InlinePair>();
  private readonly indexed = new Map<string, IndexedPair>();

  constructor(
    private readonly tx: KVTransaction,
    private readonly limits: PairLimits,
  ) {}

  private pair(subject: Uint8Array, predicate: Uint8Array): InlinePair | IndexedPair {
    const key = pairKeyFromUtf8('summary', subject, predicate);
    const id = idOf(key);
    const known = this.inline.get(id) ?? this.indexed.get(id);
    if (known !== undefined) return known;
    const stored = this.tx.get(key);
    if (stored !== undefined && pairForm(stored) === 'indexed') {
      const head = decodePairHead(stored);
      const pair = new IndexedPair(this.tx, key, head.subject, head.predicate, head, head.contested);
      this.indexed.set(id, pair);
      return pair;
    }
    const inputs = stored === undefined ? { subject: decoder.decode(subject), predicate: decoder.decode(predicate), assertions: [], votes: [], contested: false } : decodeInputs(stored);
    const pair = { key, inputs };
    this.inline.set(id, pair);
    return pair;
  }

  /** A newly stored assertion: a live candidate. */
  assertion(view: AssertionView, hash: Uint8Array, lsn: number): void {
    const pair = this.pair(view.subjectBytes, view.predicateBytes);
    if (pair instanceof IndexedPair) {
      pair.addAssertion(hash, view.objectJsonBytes, view.source, lsn);
      return;
    }
    pair.inputs.assertions.push([hashFromBytes(hash), decoder.decode(view.objectJsonBytes), view.source, lsn]);
    this.spillIfLarge(pair);
  }

  /**
   * A newly stored vote on an assertion (`target`, its stored view): counts if that assertion
   * is live (`targetLive`: it has no status change yet). The newest record of its pair: it
   * replaces the voter's earlier vote on the same assertion.
   */
  vote(vote: VoteView, target: AssertionView, targetLive: boolean, lsn: number): void {
    if (!targetLive) return; // retracted or superseded: never counts
    const pair = this.pair(target.subjectBytes, target.predicateBytes);
    if (pair instanceof IndexedPair) {
      pair.addVote(vote.assertionHashBytes, target.objectJsonBytes, vote.voter, vote.stance, vote.weight, lsn);
      return;
    }
    const { inputs } = pair;
    const assertion = vote.assertion;
    if (!inputs.assertions.some((a) => a[0] === assertion)) return; // defensive: a live target is always among the inputs
    const voter = vote.voter;
    const i = inputs.votes.findIndex((v) => v[0] === assertion && v[1] === voter);
    const cast: PairInputs['votes'][number] = [assertion, voter, vote.stance, vote.weight, lsn];
    if (i === -1) inputs.votes.push(cast);
    else inputs.votes[i] = cast;
    this.spillIfLarge(pair);
  }

  /** `target` (its stored view) stopped being live: its first retraction or supersession was just stored. */
  leaves(target: AssertionView, targetHash: Uint8Array): void {
    const pair = this.pair(target.subjectBytes, target.predicateBytes);
    if (pair instanceof IndexedPair) {
      const lsn = this.tx.get(subjectKeyFromUtf8(target.subjectBytes, target.predicateBytes, targetHash));
      assert(lsn !== undefined, 'a stored assertion is in the subject index');
      pair.removeAssertion(targetHash, target.objectJsonBytes, target.source, readU64(lsn));
      return;
    }
    const hash = hashFromBytes(targetHash);
    pair.inputs.assertions = pair.inputs.assertions.filter((a) => a[0] !== hash);
    pair.inputs.votes = pair.inputs.votes.filter((v) => v[0] !== hash);
  }

  private spillIfLarge(pair: InlinePair): void {
    if (pair.inputs.assertions.length + pair.inputs.votes.length > this.limits.inlineInputsMax) this.spill(pair);
  }

  /** Moves an inline pair to the indexed form: a new pair id, and its inputs replayed in log order. */
  private spill(pair: InlinePair): IndexedPair {
    const { inputs } = pair;
    const next = this.tx.get(nextPairIdKey);
    const id = next === undefined ? 1 : readU64(next);
    this.tx.put(nextPairIdKey, writeU64(id + 1));
    const head = { id, contested: false, hasBest: false, consensus: 0, candidates: 0, assertions: 0, names: 0, votes: 0, supportAll: 0n };
    const indexed = new IndexedPair(this.tx, pair.key, inputs.subject, inputs.predicate, head, inputs.contested);
    const objectOf = new Map<Hash, Uint8Array>();
    for (const [hash, objectJson, source, lsn] of [...inputs.assertions].sort((a, b) => a[3] - b[3])) {
      const json = encoder.encode(objectJson);
      objectOf.set(hash, json);
      indexed.addAssertion(hashToBytes(hash), json, source, lsn);
    }
    for (const [assertion, voter, stance, weight, lsn] of [...inputs.votes].sort((a, b) => a[4] - b[4])) {
      indexed.addVote(hashToBytes(assertion), objectOf.get(assertion)!, voter, stance, weight, lsn);
    }
    this.inline.delete(idOf(pair.key));
    this.indexed.set(idOf(pair.key), indexed);
    return indexed;
  }

  /** Writes every changed pair's state, summary and contested entry. */
  flush(): void {
    for (const pair of [...this.inline.values()]) {
      const { key, inputs } = pair;
      const summary = summarize(
        inputs.assertions.map(([hash, objectJson, source, lsn]) => ({ hash, objectJson, source, lsn })),
        inputs.votes.map(([assertion, voter, stance, weight, lsn]) => ({ assertion, voter, stance, weight, lsn })),
      );
      const value = encodePairValue({ subject: inputs.subject, predicate: inputs.predicate, ...summary }, inputs);
      if (value.length > this.limits.inlineBytesMax) {
        this.spill(pair); // flushed below, with the indexed pairs
        continue;
      }
      const contestedKey = contestedKeyOf(key);
      if (summary.contested) this.tx.put(contestedKey, encodeJsonValue({ subject: inputs.subject, predicate: inputs.predicate, consensus: summary.consensus }));
      else if (inputs.contested) this.tx.del(contestedKey);
      inputs.contested = summary.contested;
      this.tx.put(key, value);
    }
    for (const pair of this.indexed.values()) {
      pair.flush(contestedKeyOf(pair.key), (consensus) => encodeJsonValue({ subject: pair.subject, predicate: pair.predicate, consensus }));
    }
    this.inline.clear();
    this.indexed.clear();
  }
}
