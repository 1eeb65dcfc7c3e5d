// The rules that say what is believed about one (subject, predicate), written once
// (docs/beliefs.md) and used by every path: the ingestor's summaries (whole, for a small pair;
// one vote at a time through rank/judge, for a large one) and the scoped queries. Input: the
// candidate assertions (live and in scope) and the votes in scope; output: every candidate
// value with its support, opposition, score and supporters, ranked, the best one, the
// consensus and whether the claim is contested. Sums are exact (exact.ts), a voter's latest
// vote is the latest in log order. Pure: no I/O, no clock, no randomness.
import type { Hash } from '../records/index.js';
import { oneUnits, ratio, unitsToNumber, weightUnits, type Units } from './exact.js';

/** A live assertion in scope: its hash, its object's canonical JSON, its source, its first LSN. */
export interface BeliefAssertion {
  hash: Hash;
  objectJson: string;
  source: string;
  lsn: number;
}

/** A vote in scope on one of the pair's assertions (votes on others are ignored), at the LSN it was first logged at. */
export interface BeliefVote {
  assertion: Hash;
  voter: string;
  stance: 'support' | 'oppose';
  weight: number;
  lsn: number;
}

/** One candidate value, with its object as canonical JSON text; the numbers rounded once from the exact sums. */
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

/** What ranks a candidate and judges the pair: its exact sums, its supporters and its first live assertion's LSN. */
export interface Standing {
  support: Units;
  oppose: Units;
  supporters: number;
  firstLsn: number;
}

/** The pair's verdict, from its two best candidates and the support of all of them. */
export interface Verdict {
  hasBest: boolean;
  contested: boolean;
  consensus: number;
}

/** Negative when `a` ranks before `b`: higher score, then more supporters, then the lower first LSN. */
export function compareStanding(a: Standing, b: Standing): number {
  const scoreA = a.support - a.oppose;
  const scoreB = b.support - b.oppose;
  if (scoreA !== scoreB) return scoreA > scoreB ? -1 : 1;
  return b.supporters - a.supporters || a.firstLsn - b.firstLsn;
}

/**
 * Best: the first-ranked candidate when its score is > 0. Consensus: best.support / (the
 * support of every candidate + best.oppose), rounded once. Contested: the second's score is
 * > 0 and >= half the best's, or the best's oppose >= half its support. All compared exactly.
 */
export function judge(first: Standing | undefined, second: Standing | undefined, supportAll: Units): Verdict {
  if (first === undefined || first.support - first.oppose <= 0n) return { hasBest: false, contested: false, consensus: 0 };
  const bestScore = first.support - first.oppose;
  const secondScore = second === undefined ? 0n : second.support - second.oppose;
  const contested = (secondScore > 0n && 2n * secondScore >= bestScore) || 2n * first.oppose >= first.support;
  return { hasBest: true, contested, consensus: ratio(first.support, supportAll + first.oppose) };
}

/** A candidate's answer numbers, each rounded once from the exact sums. */
export function candidateNumbers(standing: Standing): { support: number; oppose: number; score: number } {
  return { support: unitsToNumber(standing.support), oppose: unitsToNumber(standing.oppose), score: unitsToNumber(standing.support - standing.oppose) };
}

interface Group {
  objectJson: string;
  assertions: BeliefAssertion[];
  /** Each voter's latest vote (in log order) on the group's assertions. */
  latest: Map<string, BeliefVote>;
}

/** Support, opposition and supporters of one candidate (see docs/beliefs.md). */
function weigh(group: Group): Standing {
  const sources = new Set(group.assertions.map((a) => a.source));
  let support = 0n;
  let oppose = 0n;
  let supporters = 0;
  for (const source of sources) {
    if (group.latest.has(source)) continue; // the source's own vote replaces its implicit support
    support += oneUnits;
    supporters += 1;
  }
  for (const vote of group.latest.values()) {
    if (vote.stance === 'support') {
      support += weightUnits(vote.weight);
      supporters += 1;
    } else {
      oppose += weightUnits(vote.weight);
    }
  }
  return { support, oppose, supporters, firstLsn: group.assertions[0]!.lsn };
}

/** The one-claim answer: support 1 from its source, consensus 1 / (1 + 0). */
function single(only: BeliefAssertion): BeliefSummary {
  return { contested: false, consensus: 1, candidates: [{ objectJson: only.objectJson, support: 1, oppose: 0, score: 1, supporters: 1, assertions: [only.hash] }], hasBest: true };
}

/** What is believed, given the pair's live assertions in scope and its votes in scope. */
export function summarize(assertions: readonly BeliefAssertion[], votes: readonly BeliefVote[]): BeliefSummary {
  // Most pairs of a store (every pair of the sample): one claim, no votes. The general path
  // below gives exactly this; the model tests compare both paths with the reference.
  if (assertions.length === 1 && votes.length === 0) return single(assertions[0]!);
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
    if (current === undefined || vote.lsn > current.lsn) group.latest.set(vote.voter, vote);
  }
  const ranked = [...byJson.values()].map((group) => ({ group, standing: weigh(group) })).sort((a, b) => compareStanding(a.standing, b.standing));
  let supportAll = 0n;
  for (const { standing } of ranked) supportAll += standing.support;
  const verdict = judge(ranked[0]?.standing, ranked[1]?.standing, supportAll);
  const candidates = ranked.map(({ group, standing }) => ({
    objectJson: group.objectJson,
    ...candidateNumbers(standing),
    supporters: standing.supporters,
    assertions: group.assertions.map((a) => a.hash),
  }));
  return { contested: verdict.contested, consensus: verdict.consensus, candidates, hasBest: verdict.hasBest };
}
