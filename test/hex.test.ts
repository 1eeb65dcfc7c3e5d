// The lowercase-hex table behind every hash check and get-by-hash key: it must accept exactly
// what Buffer's hex encoder writes, and refuse uppercase, non-hex and non-ASCII characters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLowerHexInto, isLowerHex } from '../src/hex.js';

test('every byte value round-trips through Buffer hex and decodeLowerHexInto', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const hex = Buffer.from(bytes).toString('hex');
  assert.equal(isLowerHex(hex, 512), true);
  const out = new Uint8Array(258);
  assert.equal(decodeLowerHexInto(hex, 256, out, 2), true);
  assert.deepEqual(out.subarray(2), bytes);
});

test('uppercase, non-hex, non-ASCII characters and wrong lengths are refused', () => {
  const good = 'ab'.repeat(32);
  for (const bad of ['AB' + good.slice(2), 'g' + good.slice(1), 'é' + good.slice(1), '\u0130' + good.slice(1), good.slice(1), good + '0', '']) {
    assert.equal(isLowerHex(bad, 64), false, JSON.stringify(bad));
    assert.equal(decodeLowerHexInto(bad, 32, new Uint8Array(32), 0), false, JSON.stringify(bad));
  }
  assert.equal(isLowerHex(good, 64), true);
});
