// The consensus tally of an assertion: each voter counts once, with their latest vote in log
// order (the highest LSN: createdAt is metadata) replacing their earlier ones; every vote stays
// stored and listed. Weights are summed exactly and clamped into the stated range as the rules
// of docs/beliefs.md do, then rounded once. Optionally restricted to the votes cast in one epoch.
import { unitsToNumber, weightUnits } from '../beliefs/index.js';
import type { Vote } from '../records/index.js';

export interface Tally {
  /** Summed weight of the voters whose latest vote supports. */
  support: number;
  /** Summed weight of the voters whose latest vote opposes. */
  oppose: number;
  /** support - oppose. */
  score: number;
  /** Distinct voters counted. */
  voters: number;
}

/** `votes` must be in log order: the last vote seen per voter is their latest. */
export function tallyVotes(votes: readonly Vote[], epoch?: number): Tally {
  const latest = new Map<string, Vote>();
  for (const vote of votes) {
    if (epoch !== undefined && vote.epoch !== epoch) continue;
    latest.set(vote.voter, vote);
  }
  let support = 0n;
  let oppose = 0n;
  for (const vote of latest.values()) {
    const units = weightUnits(vote.weight);
    if (vote.stance === 'support') support += units;
    else oppose += units;
  }
  return { support: unitsToNumber(support), oppose: unitsToNumber(oppose), score: unitsToNumber(support - oppose), voters: latest.size };
}
