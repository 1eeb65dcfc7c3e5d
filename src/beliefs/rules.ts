// The rules that say what is believed about one (subject, predicate), written once
// (docs/beliefs.md) and used by both paths: the ingestor's summaries and the scoped queries.
// Input: the candidate assertions (live and in scope) and the votes in scope; output: every
// candidate value with its support, opposition, score and supporters, ranked, the best one,
// the consensus and whether the claim is contested. Pure: no I/O, no clock, no randomness.
import type { Hash } from '../records/index.js';

/** A live assertion in scope: its hash, its object's canonical JSON, its source, its first LSN. */
export interface BeliefAssertion {
  hash: Hash;
  objectJson: string;
  source: string;
  lsn: number;
}

/** A vote in scope on one of the pair's assertions (votes on others are ignored). */
export interface BeliefVote {
  assertion: Hash;
  voter: string;
  stance: 'support' | 'oppose';
  weight: number;
  createdAt: number;
  lsn: number;
}

/** One candidate value, with its object as canonical JSON text. */
export interface CandidateSummary {
  objectJson: string;
  support: number;
  oppose: number;
  score: number;
  supporters: number;
  /** Its assertions, in log order. */
  assertions: Hash[];
}

export interface BeliefSummary {
  contested: boolean;
  consensus: number;
  /** Ranked: the best first (when there is a best, it is candidates[0]). */
  candidates: CandidateSummary[];
  hasBest: boolean;
}

interface Group {
  objectJson: string;
  assertions: BeliefAssertion[];
  /** Each voter's latest vote on the group's assertions. */
  latest: Map<string, BeliefVote>;
}

function later(a: BeliefVote, b: BeliefVote): boolean {
  return a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.lsn > b.lsn);
}

/** Support, opposition and supporters of one candidate (see docs/beliefs.md). */
function weigh(group: Group): CandidateSummary {
  const sources = new Set(group.assertions.map((a) => a.source));
  let support = 0;
  let oppose = 0;
  let supporters = 0;
  // Sources in name order and voters in name order: one summation order, so both paths agree to the bit.
  for (const source of [...sources].sort()) {
    if (group.latest.has(source)) continue; // the source's own vote replaces its implicit support
    support += 1;
    supporters += 1;
  }
  for (const voter of [...group.latest.keys()].sort()) {
    const vote = group.latest.get(voter)!;
    if (vote.stance === 'support') {
      support += vote.weight;
      supporters += 1;
    } else {
      oppose += vote.weight;
    }
  }
  return { objectJson: group.objectJson, support, oppose, score: support - oppose, supporters, assertions: group.assertions.map((a) => a.hash) };
}

/** What is believed, given the pair's live assertions in scope and its votes in scope. */
export function summarize(assertions: readonly BeliefAssertion[], votes: readonly BeliefVote[]): BeliefSummary {
  if (assertions.length === 1 && votes.length === 0) {
    // Most pairs of a store (every pair of the sample): one claim, no votes. The general path
    // below gives exactly this (support 1 from its source, consensus 1 / (1 + 0)); the model
    // tests compare both paths with the reference.
    const only = assertions[0]!;
    return { contested: false, consensus: 1, candidates: [{ objectJson: only.objectJson, support: 1, oppose: 0, score: 1, supporters: 1, assertions: [only.hash] }], hasBest: true };
  }
  const byJson = new Map<string, Group>();
  const groupOf = new Map<Hash, Group>();
  for (const assertion of [...assertions].sort((a, b) => a.lsn - b.lsn)) {
    let group = byJson.get(assertion.objectJson);
    if (group === undefined) {
      group = { objectJson: assertion.objectJson, assertions: [], latest: new Map() };
      byJson.set(assertion.objectJson, group);
    }
    group.assertions.push(assertion);
    groupOf.set(assertion.hash, group);
  }
  for (const vote of votes) {
    const group = groupOf.get(vote.assertion);
    if (group === undefined) continue; // on an assertion that is not a live candidate in scope
    const current = group.latest.get(vote.voter);
    if (current === undefined || later(vote, current)) group.latest.set(vote.voter, vote);
  }
  const firstLsn = new Map<string, number>();
  for (const group of byJson.values()) firstLsn.set(group.objectJson, group.assertions[0]!.lsn);
  const candidates = [...byJson.values()]
    .map(weigh)
    .sort((a, b) => b.score - a.score || b.supporters - a.supporters || firstLsn.get(a.objectJson)! - firstLsn.get(b.objectJson)!);
  const best = candidates[0] !== undefined && candidates[0].score > 0 ? candidates[0] : undefined;
  if (best === undefined) return { contested: false, consensus: 0, candidates, hasBest: false };
  let supportAll = 0;
  for (const candidate of candidates) supportAll += candidate.support;
  const consensus = best.support / (supportAll + best.oppose);
  const second = candidates[1];
  const contested = (second !== undefined && second.score > 0 && second.score >= best.score / 2) || best.oppose >= best.support / 2;
  return { contested, consensus, candidates, hasBest: true };
}
