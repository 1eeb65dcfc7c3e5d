// Property tests (fast-check): every valid record survives encode → decode unchanged, encoding
// is deterministic whatever the key insertion order, and no byte string makes decodeRecord
// or a view throw anything but InvalidRecordError.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InvalidRecordError } from '../../src/errors.js';
import { decodeRecord, encodeAndHash, encodeRecord, openView, prepareRecord, validateRecord } from '../../src/records/index.js';
import { encodedArb, recordArb, recordInputArb, reverseKeys } from './support.js';
import { fcParams } from '../support/seed.js';

const runs = { numRuns: 400 };

/** Decodes, returning the record or the InvalidRecordError; anything else fails the property. */
function decodeOrInvalid(bytes: Uint8Array): unknown {
  try {
    const record = decodeRecord(bytes);
    assert.deepEqual(encodeRecord(record), new Uint8Array(bytes), 'a decoded record re-encodes to the same bytes');
    return record;
  } catch (error) {
    if (!(error instanceof InvalidRecordError)) throw error;
    // decodeRecord wraps unexpected errors as "undecodable": for these inputs that is a bug.
    assert.doesNotMatch(error.message, /undecodable/);
    return error;
  }
}

/** Opens a view and reads every field; only InvalidRecordError may escape. */
function viewOrInvalid(bytes: Uint8Array): void {
  try {
    const view = openView(bytes);
    for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(view))) void (view as unknown as Record<string, unknown>)[key];
  } catch (error) {
    if (!(error instanceof InvalidRecordError)) throw error;
  }
}

type Mutation = { kind: 'set'; at: number; byte: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
);

/** `bytes` with a byte overwritten, the tail cut off, or bytes inserted, at positions modulo the length. */
function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'set') out[at] = m.byte;
    else if (m.kind === 'cut') out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
  }
  return out;
}

describe('properties', () => {
  test('every valid record decodes from its encoding to an equal record', () => {
    fc.assert(fc.property(recordArb, (record) => assert.deepEqual(decodeRecord(encodeRecord(record)), record)), fcParams(runs));
  });
  test('validating a decoded record changes nothing', () => {
    fc.assert(fc.property(encodedArb, ({ bytes }) => assert.deepEqual(validateRecord(decodeRecord(bytes)), decodeRecord(bytes))), fcParams(runs));
  });
  test('encoding is deterministic, whatever order object keys were inserted in', () => {
    fc.assert(
      fc.property(recordInputArb, (input) => {
        const bytes = encodeRecord(validateRecord(input));
        assert.deepEqual(encodeRecord(validateRecord(input)), bytes);
        assert.deepEqual(encodeRecord(validateRecord(reverseKeys(input))), bytes);
      }),
      fcParams(runs),
    );
  });
  test('prepareRecord (the write path, one pass of checks) equals validateRecord then encodeAndHash', () => {
    const nowMs = 1_700_000_000_123;
    fc.assert(
      fc.property(recordInputArb, fc.boolean(), (input, dropCreatedAt) => {
        const given: Record<string, unknown> = { ...input };
        if (dropCreatedAt) delete given.createdAt; // the default applies alike
        const record = validateRecord(given, nowMs);
        const { object: _, ...fields } = record as unknown as Record<string, unknown>; // a prepared assertion keeps no object
        const { bytes, hash } = encodeAndHash(record);
        const expected = { record: record.type === 'assertion' ? fields : record, bytes, hash, hashBytes: new Uint8Array(Buffer.from(hash, 'hex')) };
        assert.deepEqual(prepareRecord(given, nowMs), expected);
      }),
      fcParams(runs),
    );
  });
  test('random bytes decode to a record or throw InvalidRecordError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 160 }), (bytes) => void decodeOrInvalid(bytes)), fcParams(runs));
  });
  test('random bytes behind a valid header decode or throw InvalidRecordError', () => {
    const headed = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 160 })).map(([type, rest]) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0, 0, 0]), rest]));
    fc.assert(fc.property(headed, (bytes) => void decodeOrInvalid(bytes)), fcParams(runs));
  });
  test('mutated valid encodings decode or throw InvalidRecordError, and views do likewise', () => {
    fc.assert(
      fc.property(encodedArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ bytes }, mutations) => {
        const damaged = mutate(bytes, mutations);
        decodeOrInvalid(damaged);
        viewOrInvalid(damaged);
      }),
      fcParams({ numRuns: 1000 }),
    );
  });
});
