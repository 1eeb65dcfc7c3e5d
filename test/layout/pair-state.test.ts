// B: values (src/layout/pair-state.ts): a pair's summary and inputs survive encode and decode
// exactly (property test over random inputs with Unicode, zero bytes and fractional weights),
// and a damaged or cut value is refused with an error, never misread.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { summarize } from '../../src/beliefs/index.js';
import { decodeInputs, decodeSummary, encodePairValue, mayBeContestedInAScope, type InputAssertion, type InputVote, type PairInputs } from '../../src/layout/index.js';
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
    voteSeeds: fc.array(fc.tuple(fc.nat(), fc.constantFrom('v1', 'v2', 's1', '\u0000'), fc.boolean(), fc.double({ min: 0.01, max: 10, noNaN: true }), fc.integer({ min: 0, max: 2 ** 50 }), fc.nat(2 ** 40)), { maxLength: 8 }),
  })
  .map(({ subject, predicate, assertions, voteSeeds }) => {
    const live = assertions as InputAssertion[];
    const seen = new Set<string>();
    const votes: InputVote[] = [];
    for (const [i, voter, support, weight, createdAt, lsn] of voteSeeds) {
      const target = live[i % live.length]![0];
      if (seen.has(`${target}/${voter}`)) continue;
      seen.add(`${target}/${voter}`);
      votes.push([target, voter, support ? 'support' : 'oppose', weight, createdAt, lsn]);
    }
    const inputs = { subject, predicate, assertions: live, votes, contested: false };
    inputs.contested = summaryOf(inputs).contested; // as the ingestor keeps it: whether K: holds the pair
    return inputs;
  });

function summaryOf(inputs: PairInputs) {
  const summary = summarize(
    inputs.assertions.map(([hash, objectJson, source, lsn]) => ({ hash, objectJson, source, lsn })),
    inputs.votes.map(([assertion, voter, stance, weight, createdAt, lsn]) => ({ assertion, voter, stance, weight, createdAt, lsn })),
  );
  return { subject: inputs.subject, predicate: inputs.predicate, ...summary };
}

describe('belief summary values (B:)', () => {
  test('encode then decode gives back the summary and the inputs exactly', () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const summary = summaryOf(inputs);
        const value = Uint8Array.from(encodePairValue(summary, inputs)); // the encoder's buffer is shared
        assert.deepEqual(decodeSummary(value), summary);
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
    assert.throws(() => decodeSummary(other), /format 2/);
  });

  test('a vote on an assertion that is not among the inputs cannot be encoded', () => {
    const [inputs] = fc.sample(inputsArb, { numRuns: 1, seed: 3 });
    const broken: PairInputs = { ...inputs!, votes: [['f'.repeat(64) as Hash, 'v', 'support', 1, 1, 1]] };
    assert.throws(() => encodePairValue(summaryOf(inputs!), broken), /live assertions/);
  });
});
