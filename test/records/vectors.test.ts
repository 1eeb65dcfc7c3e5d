// The test vectors of docs/record-format.md, read from the document itself so the document
// and the code cannot drift: each input encodes to exactly the listed bytes and hash, and the
// bytes decode back to the validated input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRecord, encodeAndHash, validateRecord } from '../../src/records/index.js';
import { vectors } from './doc-vectors.js';

describe('test vectors in docs/record-format.md', () => {
  test('the document has vectors covering all four kinds and every optional assertion field', () => {
    assert.ok(vectors.length >= 13, `found ${vectors.length}`);
    const inputs = vectors.map((v) => JSON.parse(v.input) as Record<string, unknown>);
    assert.deepEqual([...new Set(inputs.map((input) => input.type))].sort(), ['assertion', 'epoch', 'retraction', 'vote']);
    for (const field of ['confidence', 'epoch', 'supersedes']) assert.ok(inputs.some((input) => input.type === 'assertion' && field in input), field);
    assert.ok(inputs.some((input) => input.type === 'retraction' && 'reason' in input), 'a retraction with a reason');
    assert.ok(inputs.some((input) => input.type === 'retraction' && !('reason' in input)), 'a retraction without a reason');
  });
  for (const vector of vectors) {
    test(`${vector.title}: encodes to the listed bytes and hash`, () => {
      const { bytes, hash } = encodeAndHash(validateRecord(JSON.parse(vector.input)));
      assert.equal(Buffer.from(bytes).toString('hex'), vector.bytes.toString('hex'));
      assert.equal(hash, vector.hash);
    });
    test(`${vector.title}: the listed bytes decode to the validated input`, () => {
      assert.deepEqual(decodeRecord(vector.bytes), validateRecord(JSON.parse(vector.input)));
    });
  }
});
