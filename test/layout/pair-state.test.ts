// B: values (src/layout/pair-state.ts): a pair's summary and inputs survive encode and decode
// exactly (property test over random inputs with Unicode, zero bytes and fractional weights),
// and a damaged or cut value is refused with an error, never misread.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareStanding, summarize } from '../../src/beliefs/index.js';
import {
  decodeCandidate,
  decodeInputs,
  decodeName,
  decodePairHead,
  decodeSummary,
  decodeVoteEntry,
  encodeCandidate,
  encodeName,
  encodePairHead,
  encodePairValue,
  encodeVoteEntry,
  mayBeContestedInAScope,
  pairForm,
  pairNames,
  rankKey,
  voteEntryKey,
  type CandidateState,
  type InputAssertion,
  type InputVote,
  type PairHead,
  type PairInputs,
} from '../../src/layout/index.js';
import { compareBytes } from '../../src/storage/index.js';
import type { Hash } from '../../src/records/index.js';
import { fcParams } from '../support/seed.js';

const text = fc.string({ maxLength: 12, unit: 'grapheme' }).map((s) => `${s}\u0000${s.length}`);
const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex') as Hash);

const inputsArb: fc.Arbitrary<PairInputs> = fc
  .record({
    subject: text,
    predicate: text,
    assertions: fc.uniqueArray(fc.tuple(hashArb, fc.constantFrom('1', '"x"', '{"a":[1,2]}', '"\u00e9\ud83d\udc08"'), fc.constantFrom('s1', 's2', 'ß'), fc.nat(2 ** 40)), {
      minLength: 1,
      maxLength: 6,
      selector: (a) => a[0],
    }),
    voteSeeds: fc.array(fc.tuple(fc.nat(), fc.constantFrom('v1', 'v2', 's1', '\u0000'), fc.boolean(), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.nat(2 ** 40)), { maxLength: 8 }),
  })
  .map(({ subject, predicate, assertions, voteSeeds }) => {
    const live = assertions as InputAssertion[];
    const seen = new Set<string>();
    const votes: InputVote[] = [];
    for (const [i, voter, support, weight, lsn] of voteSeeds) {
      const target = live[i % live.length]![0];
      if (seen.has(`${target}/${voter}`)) continue;
      seen.add(`${target}/${voter}`);
      votes.push([target, voter, support ? 'support' : 'oppose', weight, lsn]);
    }
    const inputs = { subject, predicate, assertions: live, votes, contested: false };
    inputs.contested = summaryOf(inputs).contested; // as the ingestor keeps it: whether K: holds the pair
    return inputs;
  });

function summaryOf(inputs: PairInputs) {
  const summary = summarize(
    inputs.assertions.map(([hash, objectJson, source, lsn]) => ({ hash, objectJson, source, lsn })),
    inputs.votes.map(([assertion, voter, stance, weight, lsn]) => ({ assertion, voter, stance, weight, lsn })),
  );
  return { subject: inputs.subject, predicate: inputs.predicate, ...summary };
}

describe('belief summary values (B:)', () => {
  test('encode then decode gives back the summary and the inputs exactly', () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const summary = summaryOf(inputs);
        const value = Uint8Array.from(encodePairValue(summary, inputs)); // the encoder's buffer is shared
        const stored = { ...summary, candidateCount: summary.candidates.length, candidates: summary.candidates.map((c) => ({ ...c, assertionCount: c.assertions.length })) };
        assert.deepEqual(decodeSummary(value), stored);
        assert.deepEqual(pairForm(value), 'inline');
        assert.deepEqual(pairNames(value), { subject: inputs.subject, predicate: inputs.predicate });
        const capped = decodeSummary(value, 1, 1);
        assert.equal(capped.candidateCount, summary.candidates.length);
        assert.deepEqual(capped.candidates, stored.candidates.slice(0, 1).map((c) => ({ ...c, assertions: c.assertions.slice(0, 1) })));
        assert.deepEqual(decodeInputs(value), inputs);
      }),
      fcParams({ numRuns: 300 }),
    );
  });

  test('a pair may be contested in some scope exactly when it has two values or a vote', () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const summary = summaryOf(inputs);
        const values = new Set(inputs.assertions.map((a) => a[1])).size;
        assert.equal(mayBeContestedInAScope(encodePairValue(summary, inputs)), values > 1 || inputs.votes.length > 0);
      }),
      fcParams({ numRuns: 200 }),
    );
  });

  test('the encoder reuses its buffer: a value must be copied (the store does) before the next encode', () => {
    const [a, b] = fc.sample(inputsArb, { numRuns: 2, seed: 7 });
    const first = encodePairValue(summaryOf(a!), a!);
    const kept = Uint8Array.from(first);
    encodePairValue(summaryOf(b!), b!);
    assert.deepEqual(decodeInputs(kept), a);
  });

  test('a cut value, or one of another format, is refused', () => {
    const [inputs] = fc.sample(inputsArb, { numRuns: 1, seed: 11 });
    const value = Uint8Array.from(encodePairValue(summaryOf(inputs!), inputs!));
    for (const cut of [0, 1, 10, 20, 60]) {
      assert.throws(() => decodeInputs(value.subarray(0, cut)), RangeError);
      assert.throws(() => decodeSummary(value.subarray(0, cut)), RangeError);
    }
    assert.throws(() => decodeSummary(value.subarray(0, value.length - 1)), RangeError); // the candidates end early
    const other = Uint8Array.from(value);
    other[0] = 2;
    assert.throws(() => decodeSummary(other), /not 2/);
    assert.throws(() => pairForm(other), /format 2/);
  });

  test('a vote on an assertion that is not among the inputs cannot be encoded', () => {
    const [inputs] = fc.sample(inputsArb, { numRuns: 1, seed: 3 });
    const broken: PairInputs = { ...inputs!, votes: [['f'.repeat(64) as Hash, 'v', 'support', 1, 1]] };
    assert.throws(() => encodePairValue(summaryOf(inputs!), broken), /live assertions/);
  });
});

/** Exact sums as stored: whole units of 2^-72 up to about the largest a log can hold. */
const unitsArb = fc.bigInt({ min: 0n, max: (1n << 145n) - 1n });
const stateArb: fc.Arbitrary<CandidateState> = fc
  .record({ support: unitsArb, oppose: unitsArb, supporters: fc.nat(2 ** 40), firstLsn: fc.nat(2 ** 50), live: fc.nat(2 ** 40) })
  .map((state) => ({ ...state })); // a plain object, as the decoder returns

describe('indexed belief state (B: head, P: entries)', () => {
  test('a head, a candidate, a name and a vote entry survive encode and decode exactly', () => {
    fc.assert(
      fc.property(text, text, stateArb, fc.boolean(), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(2 ** 50), unitsArb, (subject, predicate, state, contested, hasBest, consensus, id, supportAll) => {
        const head: PairHead = { id, contested, hasBest, consensus, candidates: state.live, assertions: state.supporters, names: 3, votes: 4, supportAll };
        const value = Uint8Array.from(encodePairHead(subject, predicate, head));
        assert.deepEqual(decodePairHead(value), { ...head, subject, predicate });
        assert.equal(pairForm(value), 'indexed');
        assert.deepEqual(pairNames(value), { subject, predicate });
        assert.equal(mayBeContestedInAScope(value), head.candidates > 1 || head.votes > 0);
        assert.deepEqual(decodeCandidate(encodeCandidate(state)), state);
        const name = { sources: state.live, vote: hasBest ? { stance: contested ? ('support' as const) : ('oppose' as const), weight: consensus + 1e-6, lsn: state.firstLsn } : undefined };
        assert.deepEqual(decodeName(encodeName(name)), name);
        const assertion = new Uint8Array(32).fill(7);
        const key = voteEntryKey(id, new Uint8Array(16), new Uint8Array(16), state.firstLsn);
        assert.deepEqual(decodeVoteEntry(key, encodeVoteEntry('oppose', 0.25, assertion)), { stance: 'oppose', weight: 0.25, lsn: state.firstLsn, assertion: '07'.repeat(32) });
      }),
      fcParams({ numRuns: 200 }),
    );
  });

  test('rank keys sort in the order of the rules: higher score, then more supporters, then the earlier first assertion', () => {
    fc.assert(
      fc.property(fc.uniqueArray(stateArb, { minLength: 2, maxLength: 12, selector: (s) => s.firstLsn }), (states) => {
        const byRules = [...states].sort(compareStanding);
        const byKeys = [...states].sort((a, b) => compareBytes(rankKey(9, a), rankKey(9, b)));
        assert.deepEqual(byKeys, byRules);
      }),
      fcParams({ numRuns: 300 }),
    );
  });

  test('vote entries of one voter list the newest first', () => {
    const key = (lsn: number): Uint8Array => voteEntryKey(1, new Uint8Array(16), new Uint8Array(16), lsn);
    assert.ok(compareBytes(key(2 ** 50), key(7)) < 0);
    assert.ok(compareBytes(key(8), key(7)) < 0);
  });
});
