// The LMDB store passes the shared conformance suite on real files, and keeps data across reopen.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { open } from 'lmdb';
import { KeyRefusedError } from '../../src/errors.js';
import { LmdbStore } from '../../src/storage/index.js';
import { tempDir } from '../support/temp-dir.js';
import { conformanceSuite } from './conformance.js';

conformanceSuite('LmdbStore', async (t) => LmdbStore.open({ path: path.join(tempDir(t), 'kv') }));

test('LmdbStore keeps data across close and reopen', async (t) => {
  const dir = path.join(tempDir(t), 'kv');
  const store = await LmdbStore.open({ path: dir });
  await store.transaction((tx) => {
    for (let i = 0; i < 100; i++) tx.put(Uint8Array.of(7, i), Uint8Array.of(i));
  });
  await store.close();
  const reopened = await LmdbStore.open({ path: dir });
  assert.equal([...reopened.scanPrefix(Uint8Array.of(7))].length, 100);
  assert.deepEqual([...reopened.get(Uint8Array.of(7, 42))!], [42]);
  await reopened.close();
});

test('a failure inside LMDB is a StorageError, while the caller\'s own error passes through', async (t) => {
  const store = await LmdbStore.open({ path: path.join(tempDir(t), 'kv') });
  await assert.rejects(store.transaction(() => { throw new TypeError('mine'); }), TypeError);
  // Close the environment behind the store's back: every LMDB call now fails inside lmdb-js.
  await (store as unknown as { db: { close(): Promise<void> } }).db.close();
  const storage = (e: unknown): boolean => (e as { code?: string }).code === 'STORAGE';
  await assert.rejects(store.put(Uint8Array.of(1), Uint8Array.of(1)), storage);
  assert.throws(() => store.get(Uint8Array.of(1)), storage);
});

test('an environment created with 4 KiB pages (as StemeDB did before it set a page size) opens and reports its 1978-byte key cap', async (t) => {
  const dir = path.join(tempDir(t), 'kv');
  const old = open({ path: dir, pageSize: 4096, keyEncoding: 'binary', encoding: 'binary' });
  await old.put(Uint8Array.of(1), Uint8Array.of(1));
  await old.close();
  const store = await LmdbStore.open({ path: dir });
  t.after(() => store.close());
  assert.equal(store.keyBytesMax, 1978);
  await store.put(new Uint8Array(1978).fill(2), Uint8Array.of(2));
  await assert.rejects(store.put(new Uint8Array(1979).fill(2), Uint8Array.of(2)), (e: unknown) => e instanceof KeyRefusedError && e.keyBytesMax === 1978);
  assert.equal(store.get(new Uint8Array(1979).fill(2)), undefined);
  assert.deepEqual([...store.get(Uint8Array.of(1))!], [1]);
});
