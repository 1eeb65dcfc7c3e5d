// Checks one predicate's beliefs against docs/beliefs.md's worked example, the same way over
// every surface (library, HTTP, CLI): the ranking and every count exactly, the best, whether
// it is contested, and the consensus (a quotient) within 1e-9.
import assert from 'node:assert/strict';
import type { Candidate, PredicateBeliefs } from '../../src/index.js';

/** A candidate as the doc lists it: every assertion (the example's candidates have fewer than the listed maximum). */
export type ExpectedCandidate = Omit<Candidate, 'assertionCount'>;

export interface ExpectedPair {
  contested: boolean;
  consensus: number;
  candidates: ExpectedCandidate[];
}

export function assertPair(actual: PredicateBeliefs | undefined, predicate: string, expected: ExpectedPair, what: string): PredicateBeliefs {
  assert.ok(actual, `${what}: the predicate is listed`);
  assert.equal(actual.predicate, predicate, what);
  const candidates: Candidate[] = expected.candidates.map((c) => ({ ...c, assertionCount: c.assertions.length }));
  assert.deepEqual(actual.candidates, candidates, `${what}: the candidates, ranked`);
  assert.equal(actual.candidateCount, candidates.length, `${what}: every candidate is listed`);
  assert.deepEqual(actual.best, candidates[0] ?? null, `${what}: the best is the first candidate`);
  assert.equal(actual.contested, expected.contested, `${what}: contested`);
  assertClose(actual.consensus, expected.consensus, `${what}: consensus`);
  assert.deepEqual(Object.keys(actual).sort(), ['best', 'candidateCount', 'candidates', 'consensus', 'contested', 'predicate'], `${what}: exactly the documented fields`);
  return actual;
}

/** A quotient equal to the expected one within 1e-9. */
export function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9, `${what}: ${actual} is not ${expected} (within 1e-9)`);
}
