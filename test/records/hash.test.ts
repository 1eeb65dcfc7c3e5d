// Hash and EpochId helpers: one spelling per hash (lowercase hex), exact byte lengths, and
// epoch ids as checked safe integers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashFromBytes, hashToBytes, isHash, parseEpochId, parseHash, type Hash } from '../../src/records/index.js';
import { throwsInvalid } from './support.js';

describe('hashes and epoch ids', () => {
  test('a hash round-trips through its 32 bytes', () => {
    const hash = parseHash('0123456789abcdef'.repeat(4));
    const bytes = hashToBytes(hash);
    assert.equal(bytes.length, 32);
    assert.equal(hashFromBytes(bytes), hash);
  });
  test('parseHash refuses uppercase, short and non-hex text, naming the path given', () => {
    throwsInvalid(() => parseHash('AB'.repeat(32)), 'hash');
    throwsInvalid(() => parseHash('ab'.repeat(31), 'cursor'), 'cursor');
    throwsInvalid(() => parseHash(`${'ab'.repeat(31)}g0`), 'hash');
    assert.equal(isHash('ab'.repeat(32)), true);
    assert.equal(isHash(42), false);
  });
  test('hashToBytes refuses a string that was cast to Hash without parsing', () => {
    throwsInvalid(() => hashToBytes('not a hash' as Hash), 'hash');
  });
  test('hashFromBytes needs exactly 32 bytes and honours byteOffset', () => {
    throwsInvalid(() => hashFromBytes(new Uint8Array(31)), 'hash', /32 bytes/);
    const backing = Buffer.alloc(40, 0xee);
    backing.fill(0x11, 5, 37);
    assert.equal(hashFromBytes(backing.subarray(5, 37)), '11'.repeat(32));
  });
  test('parseEpochId accepts 0..2^53-1 and names the path otherwise', () => {
    assert.equal(parseEpochId(0, 'id'), 0);
    assert.equal(parseEpochId(Number.MAX_SAFE_INTEGER, 'id'), Number.MAX_SAFE_INTEGER);
    throwsInvalid(() => parseEpochId(2 ** 53, 'parent'), 'parent');
    throwsInvalid(() => parseEpochId('1'), 'epoch');
  });
});
