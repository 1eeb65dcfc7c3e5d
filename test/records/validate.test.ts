// validateRecord: every refusal is an InvalidRecordError naming the field path and the
// reason; valid input comes back normalised (weight filled, -0 as 0, createdAt defaulted).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { descriptionBytesMax, objectBytesMax, objectDepthMax, reasonBytesMax, stringBytesMax, voteWeightMax, voteWeightMin } from '../../src/limits.js';
import { decodeRecord, encodeRecord, prepareRecord, validateRecord, type StemeRecord } from '../../src/records/index.js';
import { samples, throwsInvalid } from './support.js';

const assertion = (fields: Record<string, unknown>): unknown => ({ ...samples.assertion, ...fields });
const vote = (fields: Record<string, unknown>): unknown => ({ ...samples.vote, ...fields });
const epoch = (fields: Record<string, unknown>): unknown => ({ ...samples.epoch, ...fields });
const retraction = (fields: Record<string, unknown>): unknown => ({ ...samples.retraction, ...fields });
const badHashes = ['AB'.repeat(32), 'ab'.repeat(31), `${'ab'.repeat(31)}zz`, 7, null];
const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);

describe('validating any record', () => {
  test('a value that is not an object is refused at the root', () => {
    for (const input of [null, 'x', 3, [samples.assertion]]) throwsInvalid(() => validateRecord(input), '', /JSON object/);
  });
  test('a missing or unknown type is refused at type', () => {
    throwsInvalid(() => validateRecord({ subject: 'a' }), 'type', /required/);
    throwsInvalid(() => validateRecord({ ...samples.assertion, type: 'claim' }), 'type', /'assertion', 'vote', 'epoch' or 'retraction'/);
  });
  test('an unknown extra field is refused under its own name', () => {
    throwsInvalid(() => validateRecord(assertion({ colour: 'red' })), 'colour', /not a field of an assertion/);
    throwsInvalid(() => validateRecord(vote({ subject: 'a' })), 'subject', /not a field of a vote/);
    throwsInvalid(() => validateRecord(epoch({ weight: 1 })), 'weight', /not a field of an epoch/);
    throwsInvalid(() => validateRecord(retraction({ voter: 'v' })), 'voter', /not a field of a retraction/);
    throwsInvalid(() => validateRecord(vote({ supersedes: 'ab'.repeat(32) })), 'supersedes', /not a field of a vote/);
  });
  test('an absent createdAt is filled with nowMs', () => {
    const { createdAt: _, ...input } = samples.epoch;
    assert.equal(validateRecord(input, 42).createdAt, 42);
  });
  test('a createdAt that is not an integer from 0 to 2^53-1 is refused at createdAt', () => {
    for (const createdAt of [1.5, -1, 2 ** 53, '1700000000000', null]) throwsInvalid(() => validateRecord(assertion({ createdAt })), 'createdAt');
  });
  test('an invalid nowMs is the caller’s mistake, not the record’s', () => {
    assert.throws(() => validateRecord(samples.epoch, 1.5), InvalidArgumentError);
    assert.throws(() => prepareRecord(samples.epoch, -1), InvalidArgumentError);
  });
  test("the validated assertion's object is a copy, and the prepared one keeps none: changing the input later changes neither", () => {
    const input = assertion({ object: { tags: ['a'], n: 1 } }) as { object: { tags: string[] } };
    const validated = validateRecord(input);
    const prepared = prepareRecord(input);
    input.object.tags.push('b');
    assert.deepEqual(validated.type === 'assertion' && validated.object, { n: 1, tags: ['a'] });
    assert.equal('object' in prepared.record, false);
    assert.deepEqual(decodeRecord(prepared.bytes), validated);
  });
  test('inherited properties are not fields', () => {
    const input = Object.create({ subject: 'inherited' }) as Record<string, unknown>;
    Object.assign(input, { ...samples.assertion });
    delete input.subject;
    throwsInvalid(() => validateRecord(input), 'subject', /required/);
  });
});

describe('validating an assertion', () => {
  test('subject, predicate and source must be non-empty strings', () => {
    for (const field of ['subject', 'predicate', 'source']) {
      throwsInvalid(() => validateRecord(assertion({ [field]: '' })), field, /empty/);
      throwsInvalid(() => validateRecord(assertion({ [field]: 7 })), field, /string/);
      throwsInvalid(() => validateRecord(assertion({ [field]: undefined })), field, /required/);
    }
  });
  test('a string limit counts UTF-8 bytes, not characters', () => {
    assert.equal(validateRecord(assertion({ subject: 'a'.repeat(stringBytesMax) })).type, 'assertion');
    throwsInvalid(() => validateRecord(assertion({ subject: 'é'.repeat(stringBytesMax / 2 + 1) })), 'subject', /1026 bytes of UTF-8; the limit is 1024/);
  });
  test('a lone surrogate is refused because it cannot round-trip through UTF-8', () => {
    throwsInvalid(() => validateRecord(assertion({ predicate: 'a\uD800b' })), 'predicate', /lone surrogate/);
    throwsInvalid(() => validateRecord(assertion({ object: { tags: ['ok', '\uDC00'] } })), 'object.tags[1]', /lone surrogate/);
    assert.equal(validateRecord(assertion({ subject: '😀' })).type, 'assertion');
  });
  test('an absent object is refused, null is a value', () => {
    throwsInvalid(() => validateRecord(assertion({ object: undefined })), 'object', /required/);
    assert.equal((validateRecord(assertion({ object: null })) as { object: unknown }).object, null);
  });
  test('a non-JSON value inside the object is refused at its path', () => {
    throwsInvalid(() => validateRecord(assertion({ object: { tags: [1, 2, 3, Number.NaN] } })), 'object.tags[3]', /finite/);
    throwsInvalid(() => validateRecord(assertion({ object: { when: new Date(0) } })), 'object.when', /plain JSON object/);
    throwsInvalid(() => validateRecord(assertion({ object: { 'a b': { c: 1n } } })), 'object["a b"].c', /bigint/);
    throwsInvalid(() => validateRecord(assertion({ object: [undefined] })), 'object[0]', /undefined/);
    throwsInvalid(() => validateRecord(assertion({ object: Infinity })), 'object', /finite/);
  });
  test(`the object nests at most ${objectDepthMax} containers deep`, () => {
    assert.equal(validateRecord(assertion({ object: nested(objectDepthMax) })).type, 'assertion');
    throwsInvalid(() => validateRecord(assertion({ object: nested(objectDepthMax + 1) })), `object${'[0]'.repeat(objectDepthMax)}`, /deeper than 64/);
  });
  test(`the object's canonical JSON is at most ${objectBytesMax} bytes`, () => {
    const fits = 'x'.repeat(objectBytesMax - 2); // two quote characters
    assert.equal(validateRecord(assertion({ object: fits })).type, 'assertion');
    throwsInvalid(() => validateRecord(assertion({ object: `${fits}x` })), 'object', /65537 bytes encoded/);
  });
  test('confidence must be a finite number from 0 to 1', () => {
    for (const confidence of [-0.01, 1.01, Number.NaN, Infinity, '0.5', null]) throwsInvalid(() => validateRecord(assertion({ confidence })), 'confidence');
    assert.equal((validateRecord(assertion({ confidence: 1 })) as { confidence: number }).confidence, 1);
  });
  test('an epoch reference must be an integer from 0 to 2^53-1', () => {
    for (const epochId of [-1, 0.5, 2 ** 53, '3']) throwsInvalid(() => validateRecord(assertion({ epoch: epochId })), 'epoch', /integer/);
  });
  test('supersedes must be 64 lowercase hex characters, and is absent when not given', () => {
    for (const hash of badHashes) throwsInvalid(() => validateRecord(assertion({ supersedes: hash })), 'supersedes', /64 lowercase hex/);
    assert.equal((validateRecord(assertion({ supersedes: 'ab'.repeat(32) })) as { supersedes: string }).supersedes, 'ab'.repeat(32));
    assert.equal('supersedes' in validateRecord(assertion({ supersedes: undefined })), false);
  });
  test('valid input comes back normalised: keys sorted, -0 as 0', () => {
    const record = validateRecord(assertion({ object: { z: -0, a: [-0] }, confidence: -0 })) as { object: unknown; confidence: number };
    assert.deepEqual(record.object, { a: [0], z: 0 });
    assert.deepEqual(Object.keys(record.object as object), ['a', 'z']);
    assert.ok(Object.is(record.confidence, 0));
  });
});

describe('validating a vote', () => {
  test('the assertion must be 64 lowercase hex characters', () => {
    for (const hash of badHashes) throwsInvalid(() => validateRecord(vote({ assertion: hash })), 'assertion', /64 lowercase hex/);
  });
  test("the stance must be 'support' or 'oppose'", () => {
    throwsInvalid(() => validateRecord(vote({ stance: 'maybe' })), 'stance');
  });
  test('the weight must be a finite number greater than 0', () => {
    for (const weight of [0, -1, Number.NaN, Infinity, '2']) throwsInvalid(() => validateRecord(vote({ weight })), 'weight');
  });
  test('a new vote weighs from 1e-6 to 1e6: the ends are accepted, anything past them is refused', () => {
    for (const weight of [voteWeightMin, voteWeightMax, 0.1, 1 / 3]) assert.equal((validateRecord(vote({ weight })) as { weight: number }).weight, weight);
    for (const weight of [voteWeightMin / 2, 9.99e-7, 1_000_000.0000001, 1e308, Number.MIN_VALUE]) {
      throwsInvalid(() => validateRecord(vote({ weight })), 'weight', /from 0.000001 to 1000000/);
      throwsInvalid(() => prepareRecord(vote({ weight })), 'weight', /from 0.000001 to 1000000/);
    }
  });
  test('a vote logged by an older version with a weight outside the range still encodes and decodes (the rules clamp it)', () => {
    for (const weight of [1e308, Number.MAX_VALUE, Number.MIN_VALUE, 1e-9]) {
      const logged = { ...validateRecord(samples.vote), weight } as StemeRecord;
      assert.deepEqual(decodeRecord(encodeRecord(logged)), logged);
    }
  });
  test('an absent weight is 1, so the decoded vote always has it', () => {
    assert.equal((validateRecord(samples.vote) as { weight: number }).weight, 1);
  });
  test('the voter must be a non-empty string within the limit', () => {
    throwsInvalid(() => validateRecord(vote({ voter: '' })), 'voter', /empty/);
    throwsInvalid(() => validateRecord(vote({ voter: 'v'.repeat(stringBytesMax + 1) })), 'voter', /limit/);
  });
});

describe('validating an epoch', () => {
  test('the id is required and must be an integer from 0 to 2^53-1', () => {
    throwsInvalid(() => validateRecord(epoch({ id: undefined })), 'id', /required/);
    throwsInvalid(() => validateRecord(epoch({ id: -3 })), 'id', /integer/);
    assert.equal((validateRecord(epoch({ id: Number.MAX_SAFE_INTEGER })) as { id: number }).id, Number.MAX_SAFE_INTEGER);
  });
  test('an epoch cannot be its own parent', () => {
    throwsInvalid(() => validateRecord(epoch({ parent: samples.epoch.id })), 'parent', /differ from id/);
  });
  test('the description may be empty but not over its limit', () => {
    assert.equal((validateRecord(epoch({ description: '' })) as { description: string }).description, '');
    throwsInvalid(() => validateRecord(epoch({ description: 'd'.repeat(descriptionBytesMax + 1) })), 'description', /limit is 16384/);
  });
  test('the name must be a non-empty string', () => {
    throwsInvalid(() => validateRecord(epoch({ name: '' })), 'name', /empty/);
  });
});

describe('validating a retraction', () => {
  test('the retracted assertion must be 64 lowercase hex characters', () => {
    for (const hash of badHashes) throwsInvalid(() => validateRecord(retraction({ assertion: hash })), 'assertion', /64 lowercase hex/);
    throwsInvalid(() => validateRecord(retraction({ assertion: undefined })), 'assertion');
  });
  test('the source must be a non-empty string within the limit', () => {
    throwsInvalid(() => validateRecord(retraction({ source: '' })), 'source', /empty/);
    throwsInvalid(() => validateRecord(retraction({ source: undefined })), 'source', /required/);
    throwsInvalid(() => validateRecord(retraction({ source: 's'.repeat(stringBytesMax + 1) })), 'source', /limit is 1024/);
  });
  test('the reason may be absent, but not empty (a second spelling of no reason)', () => {
    const { reason: _, ...noReason } = samples.retraction;
    assert.equal('reason' in validateRecord(noReason), false);
    throwsInvalid(() => validateRecord(retraction({ reason: '' })), 'reason', /empty/);
    throwsInvalid(() => validateRecord(retraction({ reason: 3 })), 'reason', /string/);
    throwsInvalid(() => validateRecord(retraction({ reason: 'a\uDC00' })), 'reason', /lone surrogate/);
  });
  test(`the reason is at most ${reasonBytesMax} bytes of UTF-8`, () => {
    assert.equal(validateRecord(retraction({ reason: 'r'.repeat(reasonBytesMax) })).type, 'retraction');
    throwsInvalid(() => validateRecord(retraction({ reason: 'é'.repeat(reasonBytesMax / 2 + 1) })), 'reason', new RegExp(`${reasonBytesMax + 2} bytes of UTF-8; the limit is ${reasonBytesMax}`));
  });
});
