// encodeRecord: one logical record, one byte string. Optional-field spellings that mean the
// same record encode identically; the record is checked before any byte is written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blake3 } from '../../src/blake3.js';
import { encodeAndHash, encodeRecord, hashFromBytes, validateRecord, type StemeRecord } from '../../src/records/index.js';
import { samples, throwsInvalid } from './support.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const encode = (input: unknown): string => hex(encodeRecord(validateRecord(input)));

describe('encoding', () => {
  test('every record starts with its type byte and 7 zero bytes', () => {
    for (const [type, code] of [['assertion', 0], ['vote', 1], ['epoch', 2], ['retraction', 3]] as const) {
      const bytes = encodeRecord(validateRecord(samples[type]));
      assert.deepEqual([...bytes.subarray(0, 8)], [code, 0, 0, 0, 0, 0, 0, 0]);
    }
  });
  test('a vote without a weight encodes like a vote with weight 1', () => {
    assert.equal(encode(samples.vote), encode({ ...samples.vote, weight: 1 }));
    assert.notEqual(encode(samples.vote), encode({ ...samples.vote, weight: 2 }));
  });
  test('object keys in any insertion order give the same bytes', () => {
    const a = { ...samples.assertion, object: { x: 1, y: { b: 2, a: 3 } } };
    const b = { ...samples.assertion, object: { y: { a: 3, b: 2 }, x: 1 } };
    assert.equal(encode(a), encode(b));
  });
  test('record fields in any order give the same bytes', () => {
    const reversed = Object.fromEntries(Object.entries(samples.assertion).reverse());
    assert.equal(encode(reversed), encode(samples.assertion));
  });
  test('-0 and 0 give the same bytes, in the object and in confidence', () => {
    assert.equal(encode({ ...samples.assertion, object: -0, confidence: -0 }), encode({ ...samples.assertion, object: 0, confidence: 0 }));
  });
  test('an assertion without supersedes encodes as before; with it, bit 2 is set and the hash precedes the text', () => {
    const supersedes = 'ef'.repeat(32);
    const without = encodeRecord(validateRecord(samples.assertion));
    const withIt = encodeRecord(validateRecord({ ...samples.assertion, supersedes }));
    const expected = Buffer.concat([without.subarray(0, 56), Buffer.from(supersedes, 'hex'), without.subarray(56)]);
    expected.writeUInt32LE(4, 32); // the flag word: bit 2 only
    assert.equal(hex(withIt), hex(expected));
  });
  test('a retraction without a reason has a clear flag and a zero reason length', () => {
    const { reason: _, ...noReason } = samples.retraction;
    const bytes = Buffer.from(encodeRecord(validateRecord(noReason)));
    assert.deepEqual([bytes.readUInt32LE(48), bytes.readUInt32LE(56), bytes.length], [0, 0, 64 + 4]);
  });
  test('an empty description differs from no description', () => {
    assert.notEqual(encode({ ...samples.epoch, description: '' }), encode(samples.epoch));
  });
  test('the hash is BLAKE3-256 of the whole encoding, header included', () => {
    const { bytes, hash } = encodeAndHash(validateRecord(samples.assertion));
    assert.equal(hash, hashFromBytes(blake3(bytes)));
    assert.match(hash, /^[0-9a-f]{64}$/);
  });
  test('an invalid record is refused before any byte is written', () => {
    const noCreatedAt = { ...validateRecord(samples.assertion), createdAt: undefined } as unknown as StemeRecord;
    throwsInvalid(() => encodeRecord(noCreatedAt), 'createdAt', /required/);
    const tooHeavy = { ...validateRecord(samples.vote), weight: Number.NaN } as StemeRecord;
    throwsInvalid(() => encodeRecord(tooHeavy), 'weight', /finite/);
    const extra = { ...validateRecord(samples.epoch), colour: 'red' } as unknown as StemeRecord;
    throwsInvalid(() => encodeRecord(extra), 'colour', /not a field/);
  });
});
