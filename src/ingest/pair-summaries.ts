// Keeps each (subject, predicate)'s belief summary current, inside the ingest transaction: the
// records a batch stores update their pair's inputs (in its B: value) in log order, and at the end of the
// batch each changed pair's summary (B:) is recomputed from its inputs by the one rule module
// (src/beliefs) and its contested entry (K:) written or removed. The inputs hold only what can
// still count: live assertions and, per (assertion, voter), the latest vote; a retracted or
// superseded assertion never becomes live again, so it and its votes leave them for good.
import { summarize } from '../beliefs/index.js';
import {
  contestedKeyOf,
  decodeInputs,
  encodeJsonValue,
  encodePairValue,
  pairKeyFromUtf8,
  type InputVote,
  type PairInputs,
} from '../layout/index.js';
import type { AssertionView, Hash, VoteView } from '../records/index.js';
import type { KVTransaction } from '../storage/index.js';

const decoder = new TextDecoder();

interface Pair {
  /** Its B: key. */
  key: Uint8Array;
  inputs: PairInputs;
}

/** The newer of two votes by one voter: later createdAt, then later LSN. */
function newer(a: InputVote, b: InputVote): boolean {
  return a[4] > b[4] || (a[4] === b[4] && a[5] > b[5]);
}

export class PairSummaries {
  /** The pairs this batch changed, by their B: key (as latin1 text). */
  private readonly changed = new Map<string, Pair>();

  constructor(private readonly tx: KVTransaction) {}

  private pair(subject: Uint8Array, predicate: Uint8Array): Pair {
    const key = pairKeyFromUtf8('summary', subject, predicate);
    const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
    let pair = this.changed.get(id);
    if (pair === undefined) {
      const stored = this.tx.get(key);
      const inputs = stored === undefined ? { subject: decoder.decode(subject), predicate: decoder.decode(predicate), assertions: [], votes: [], contested: false } : decodeInputs(stored);
      pair = { key, inputs };
      this.changed.set(id, pair);
    }
    return pair;
  }

  /** A newly stored assertion: a live candidate; the one it supersedes (same pair) is not. */
  assertion(view: AssertionView, hash: Hash, lsn: number, supersedes: Hash | undefined): void {
    const { inputs } = this.pair(view.subjectBytes, view.predicateBytes);
    if (supersedes !== undefined) this.drop(inputs, supersedes);
    inputs.assertions.push([hash, decoder.decode(view.objectJsonBytes), view.source, lsn]);
  }

  /** A newly stored vote on an assertion (`target`, its stored view): counts if that assertion is live. */
  vote(vote: VoteView, target: AssertionView, lsn: number): void {
    const { inputs } = this.pair(target.subjectBytes, target.predicateBytes);
    const assertion = vote.assertion;
    if (!inputs.assertions.some((a) => a[0] === assertion)) return; // retracted or superseded: never counts
    const cast: InputVote = [assertion, vote.voter, vote.stance, vote.weight, vote.createdAt, lsn];
    const i = inputs.votes.findIndex((v) => v[0] === assertion && v[1] === cast[1]);
    if (i === -1) inputs.votes.push(cast);
    else if (newer(cast, inputs.votes[i]!)) inputs.votes[i] = cast;
  }

  /** A newly stored retraction of `target` (its stored view). */
  retraction(target: AssertionView, targetHash: Hash): void {
    this.drop(this.pair(target.subjectBytes, target.predicateBytes).inputs, targetHash);
  }

  private drop(inputs: PairInputs, hash: Hash): void {
    inputs.assertions = inputs.assertions.filter((a) => a[0] !== hash);
    inputs.votes = inputs.votes.filter((v) => v[0] !== hash);
  }

  /** Writes every changed pair's inputs, summary and contested entry. */
  flush(): void {
    for (const { key, inputs } of this.changed.values()) {
      const summary = summarize(
        inputs.assertions.map(([hash, objectJson, source, lsn]) => ({ hash, objectJson, source, lsn })),
        inputs.votes.map(([assertion, voter, stance, weight, createdAt, lsn]) => ({ assertion, voter, stance, weight, createdAt, lsn })),
      );
      const contestedKey = contestedKeyOf(key);
      if (summary.contested) this.tx.put(contestedKey, encodeJsonValue({ subject: inputs.subject, predicate: inputs.predicate, consensus: summary.consensus }));
      else if (inputs.contested) this.tx.del(contestedKey);
      inputs.contested = summary.contested;
      this.tx.put(key, encodePairValue({ subject: inputs.subject, predicate: inputs.predicate, ...summary }, inputs));
    }
    this.changed.clear();
  }
}
