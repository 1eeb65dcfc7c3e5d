// The consensus tally of an assertion: each voter counts once, with their latest vote (by
// createdAt, ties broken by the LSN it was logged at) replacing their earlier ones; every vote
// stays stored and listed. Optionally restricted to the votes cast in one epoch.
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

/** `votes` must be sorted by (createdAt, lsn): the last vote seen per voter is their latest. */
export function tallyVotes(votes: readonly Vote[], epoch?: number): Tally {
  const latest = new Map<string, Vote>();
  for (const vote of votes) {
    if (epoch !== undefined && vote.epoch !== epoch) continue;
    latest.set(vote.voter, vote);
  }
  let support = 0;
  let oppose = 0;
  for (const vote of latest.values()) {
    const weight = vote.weight ?? 1;
    if (vote.stance === 'support') support += weight;
    else oppose += weight;
  }
  return { support, oppose, score: support - oppose, voters: latest.size };
}
