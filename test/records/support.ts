// Shared pieces of the records tests: fast-check arbitraries for valid record inputs of every
// kind (full Unicode text, nested JSON, optional fields present or absent), an assertion that
// a call throws InvalidRecordError with a given path, and byte patching for hand-made damage.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidRecordError } from '../../src/errors.js';
import { voteWeightMax, voteWeightMin } from '../../src/limits.js';
import { encodeRecord, validateRecord } from '../../src/records/index.js';

/** Non-empty text: full Unicode code points, graphemes, or ASCII. */
export const textArb = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ minLength: 1, maxLength: 24 }),
);
const safeIntArb = fc.oneof(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.maxSafeNat(), fc.constant(Number.MAX_SAFE_INTEGER));
const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
export const jsonArb = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });

const assertionArb = fc.record(
  {
    type: fc.constant('assertion'),
    subject: textArb,
    predicate: textArb,
    object: jsonArb,
    source: textArb,
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    epoch: safeIntArb,
    supersedes: hashArb,
    createdAt: safeIntArb,
  },
  { requiredKeys: ['type', 'subject', 'predicate', 'object', 'source', 'createdAt'] },
);

const voteArb = fc.record(
  {
    type: fc.constant('vote'),
    assertion: hashArb,
    voter: textArb,
    stance: fc.constantFrom('support', 'oppose'),
    // A new vote's range, and its ends (docs/beliefs.md); weights a WAL may hold from older versions: validate.test.ts.
    weight: fc.oneof(fc.double({ min: voteWeightMin, max: voteWeightMax, noNaN: true }), fc.constant(voteWeightMin), fc.constant(voteWeightMax)),
    epoch: safeIntArb,
    createdAt: safeIntArb,
  },
  { requiredKeys: ['type', 'assertion', 'voter', 'stance', 'createdAt'] },
);

const epochArb = fc
  .record(
    {
      type: fc.constant('epoch'),
      id: safeIntArb,
      name: textArb,
      description: fc.oneof(fc.constant(''), fc.string({ unit: 'binary', maxLength: 60 })),
      parent: safeIntArb,
      createdAt: safeIntArb,
    },
    { requiredKeys: ['type', 'id', 'name', 'createdAt'] },
  )
  .filter((input) => input.parent !== input.id);

const retractionArb = fc.record(
  {
    type: fc.constant('retraction'),
    assertion: hashArb,
    source: textArb,
    reason: fc.oneof(textArb, fc.string({ unit: 'binary', minLength: 1, maxLength: 200 })),
    createdAt: safeIntArb,
  },
  { requiredKeys: ['type', 'assertion', 'source', 'createdAt'] },
);

/** Untrusted inputs that are valid records. */
export const recordInputArb = fc.oneof(assertionArb, voteArb, epochArb, retractionArb);

/** Valid records, normalised by validateRecord. */
export const recordArb = recordInputArb.map((input) => validateRecord(input));

/** Valid records and their canonical bytes. */
export const encodedArb = recordArb.map((record) => ({ record, bytes: encodeRecord(record) }));

/** `value` rebuilt with every object's keys inserted in reverse order. */
export function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
}

/** Asserts that `fn` throws InvalidRecordError at `path`, with a reason matching `reason`. */
export function throwsInvalid(fn: () => unknown, path: string, reason?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidRecordError, `expected InvalidRecordError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_RECORD');
    assert.equal(error.path, path, `path of "${error.message}"`);
    if (reason !== undefined) assert.match(error.reason, reason);
    return true;
  });
}

/** A copy of `bytes` with `value` written at `offset` (u8, or u32/u64 little-endian). */
export function patched(bytes: Uint8Array, offset: number, value: number, size: 1 | 4 | 8 = 1): Uint8Array {
  const copy = new Uint8Array(bytes);
  const view = new DataView(copy.buffer);
  if (size === 1) copy[offset] = value;
  else if (size === 4) view.setUint32(offset, value, true);
  else view.setBigUint64(offset, BigInt(value), true);
  return copy;
}

/** A copy of `bytes` with `insert` spliced in at `offset` in place of `remove` bytes. */
export function spliced(bytes: Uint8Array, offset: number, remove: number, insert: Uint8Array = new Uint8Array(0)): Uint8Array {
  return Buffer.concat([bytes.subarray(0, offset), insert, bytes.subarray(offset + remove)]);
}

/** Fixed, readable sample records for the example-based tests. */
export const samples = {
  assertion: { type: 'assertion', subject: 'alice', predicate: 'knows', object: { b: [1, 'two'], a: null }, source: 'test', createdAt: 1_700_000_000_000 },
  vote: { type: 'vote', assertion: 'ab'.repeat(32), voter: 'carol', stance: 'support', createdAt: 1_700_000_000_001 },
  epoch: { type: 'epoch', id: 3, name: 'classical', createdAt: 1_700_000_000_002 },
  retraction: { type: 'retraction', assertion: 'cd'.repeat(32), source: 'test', reason: 'wrong unit', createdAt: 1_700_000_000_003 },
} as const;
