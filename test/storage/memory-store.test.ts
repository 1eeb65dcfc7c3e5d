// The in-memory store passes the shared KVStore conformance suite, at its default key cap and a smaller one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyRefusedError } from '../../src/errors.js';
import { MemoryStore } from '../../src/storage/index.js';
import { conformanceSuite } from './conformance.js';

conformanceSuite('MemoryStore', async () => new MemoryStore());

test('a memory store told to take shorter keys refuses longer ones as LMDB with small pages would', async () => {
  const store = new MemoryStore({ keyBytesMax: 100 });
  await store.put(new Uint8Array(100).fill(1), Uint8Array.of(1));
  await assert.rejects(store.put(new Uint8Array(101).fill(1), Uint8Array.of(1)), (e: unknown) => e instanceof KeyRefusedError && e.keyBytesMax === 100);
  assert.equal(store.get(new Uint8Array(101).fill(1)), undefined);
  assert.throws(() => new MemoryStore({ keyBytesMax: 0 }), { code: 'INVALID_ARGUMENT' });
});
