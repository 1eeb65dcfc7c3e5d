// One conformance suite every KVStore must pass: ordering, prefix scans with limit and after,
// transactions that see their own writes and leave nothing when they throw, clear, close.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { KeyRefusedError, StemeError } from '../../src/errors.js';
import { memoryStoreKeyBytesMaxDefault } from '../../src/limits.js';
import type { KVStore } from '../../src/storage/index.js';

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const keysOf = (entries: Iterable<{ key: Uint8Array }>): string[] => [...entries].map((e) => Buffer.from(e.key).toString('hex'));

export function conformanceSuite(name: string, open: (t: TestContext) => Promise<KVStore>): void {
  describe(`${name} conforms to KVStore`, () => {
    test('get, put, has and del', async (t) => {
      const store = await open(t);
      assert.equal(store.get(b(1)), undefined);
      await store.put(b(1), b(9, 9));
      assert.deepEqual([...store.get(b(1))!], [9, 9]);
      assert.equal(store.has(b(1)), true);
      await store.del(b(1));
      assert.equal(store.has(b(1)), false);
      await store.del(b(1)); // deleting a missing key is fine
      await store.close();
    });

    test('keys order bytewise, including 0x00, 0xff and different lengths', async (t) => {
      const store = await open(t);
      const keys = [b(2), b(1, 0xff), b(1), b(1, 0), b(0xff), b(1, 0, 0), b(0)];
      for (const key of keys) await store.put(key, b(7));
      assert.deepEqual(keysOf(store.scanPrefix(new Uint8Array(0))), ['00', '01', '0100', '010000', '01ff', '02', 'ff']);
      await store.close();
    });

    test('a prefix scan returns exactly the keys with that prefix, even across 0xff', async (t) => {
      const store = await open(t);
      for (const key of [b(1, 0xff), b(1, 0xff, 0), b(1, 0xff, 0xff), b(2), b(1, 0xfe), b(1)]) await store.put(key, b(0));
      assert.deepEqual(keysOf(store.scanPrefix(b(1, 0xff))), ['01ff', '01ff00', '01ffff']);
      assert.deepEqual(keysOf(store.scanPrefix(b(1))), ['01', '01fe', '01ff', '01ff00', '01ffff']);
      assert.deepEqual(keysOf(store.scanPrefix(b(3))), []);
      await store.close();
    });

    test('limit and after page through a prefix', async (t) => {
      const store = await open(t);
      for (let i = 0; i < 10; i++) await store.put(b(5, i), b(i));
      await store.put(b(6), b(0));
      const first = [...store.scanPrefix(b(5), { limit: 4 })];
      assert.deepEqual(keysOf(first), ['0500', '0501', '0502', '0503']);
      const next = [...store.scanPrefix(b(5), { limit: 4, after: first[3]!.key })];
      assert.deepEqual(keysOf(next), ['0504', '0505', '0506', '0507']);
      assert.deepEqual(keysOf(store.scanPrefix(b(5), { after: b(5, 8) })), ['0509']);
      assert.deepEqual(keysOf(store.scanPrefix(b(5), { after: b(5, 9) })), []);
      await store.close();
    });

    test('scan values are the stored bytes', async (t) => {
      const store = await open(t);
      await store.put(b(1, 1), b(10, 11));
      await store.put(b(1, 2), new Uint8Array(0));
      assert.deepEqual([...store.scanPrefix(b(1))].map((e) => [...e.value]), [[10, 11], []]);
      await store.close();
    });

    test('a transaction sees its own writes and commits them together', async (t) => {
      const store = await open(t);
      await store.put(b(3), b(0));
      const seen = await store.transaction((tx) => {
        tx.put(b(1), b(1));
        tx.del(b(3));
        return [tx.has(b(1)), tx.has(b(3)), tx.get(b(1))?.[0]];
      });
      assert.deepEqual(seen, [true, false, 1]);
      assert.equal(store.has(b(1)), true);
      assert.equal(store.has(b(3)), false);
      await store.close();
    });

    test('putIfAbsent stores only a missing key, including one staged or deleted in the same transaction', async (t) => {
      const store = await open(t);
      await store.put(b(1), b(1));
      await store.put(b(4), b(4));
      const stored = await store.transaction((tx) => {
        const results = [tx.putIfAbsent(b(1), b(9)), tx.putIfAbsent(b(2), b(2)), tx.putIfAbsent(b(2), b(9))];
        tx.del(b(4));
        results.push(tx.putIfAbsent(b(4), b(5)));
        return results;
      });
      assert.deepEqual(stored, [false, true, false, true]);
      assert.deepEqual([store.get(b(1))?.[0], store.get(b(2))?.[0], store.get(b(4))?.[0]], [1, 2, 5]);
      await assert.rejects(store.transaction((tx) => tx.putIfAbsent(new Uint8Array(0), b(1))), (e) => e instanceof StemeError && e.code === 'INVALID_ARGUMENT');
      await store.close();
    });

    test('a transaction that throws halfway leaves nothing', async (t) => {
      const store = await open(t);
      await store.put(b(9), b(9));
      await assert.rejects(
        store.transaction((tx) => {
          tx.put(b(1), b(1));
          tx.del(b(9));
          throw new Error('halfway');
        }),
        /halfway/,
      );
      assert.equal(store.has(b(1)), false);
      assert.equal(store.has(b(9)), true);
      await store.close();
    });

    test('returned values are copies: mutating one does not change the store', async (t) => {
      const store = await open(t);
      await store.put(b(1), b(5));
      store.get(b(1))![0] = 99;
      assert.equal(store.get(b(1))![0], 5);
      await store.close();
    });

    test('Buffer keys and values are copied, not aliased', async (t) => {
      const store = await open(t);
      const key = Buffer.from([4, 4]);
      const value = Buffer.from([1]);
      await store.put(key, value);
      key[1] = 5;
      value[0] = 2;
      assert.deepEqual([...store.get(Buffer.from([4, 4]))!], [1]);
      assert.deepEqual(keysOf(store.scanPrefix(Buffer.from([4]))), ['0404']);
      await store.close();
    });

    test('clear deletes every key', async (t) => {
      const store = await open(t);
      for (let i = 0; i < 5; i++) await store.put(b(i), b(i));
      await store.clear();
      assert.deepEqual(keysOf(store.scanPrefix(new Uint8Array(0))), []);
      await store.put(b(1), b(1));
      assert.equal(store.has(b(1)), true);
      await store.close();
    });

    test('flushed resolves after commits', async (t) => {
      const store = await open(t);
      await store.put(b(1), b(1));
      await store.flushed();
      await store.close();
    });

    test(`a new store takes keys of up to ${memoryStoreKeyBytesMaxDefault} bytes (what LMDB takes from 8 KiB pages), and both stores agree`, async (t) => {
      const store = await open(t);
      assert.equal(store.keyBytesMax, memoryStoreKeyBytesMaxDefault);
      await store.close();
    });

    test('the longest key the store takes is stored; an empty or longer one is KeyRefusedError (INVALID_ARGUMENT) and reads find nothing', async (t) => {
      const store = await open(t);
      const max = store.keyBytesMax;
      const longest = new Uint8Array(max).fill(0xab);
      await store.put(longest, b(1));
      assert.deepEqual([...store.get(longest)!], [1]);
      assert.equal(keysOf(store.scanPrefix(longest.subarray(0, 10))).length, 1);
      const refused = (bytes: number) => (e: unknown): boolean => e instanceof KeyRefusedError && e.code === 'INVALID_ARGUMENT' && e.keyBytes === bytes && e.keyBytesMax === max;
      const over = new Uint8Array(max + 1).fill(0x53);
      over[1] = 0x3a; // 'S:'
      await assert.rejects(store.put(over, b(1)), (e: unknown) => refused(max + 1)(e) && (e as KeyRefusedError).family === 'S:');
      await assert.rejects(store.put(new Uint8Array(0), b(1)), refused(0));
      await assert.rejects(store.transaction((tx) => { tx.put(b(9), b(9)); tx.put(new Uint8Array(max + 70), b(1)); }), refused(max + 70));
      assert.equal(store.get(b(9)), undefined, 'the refused key aborted its whole transaction');
      assert.equal(store.get(new Uint8Array(max + 70)), undefined);
      assert.equal(store.has(new Uint8Array(0)), false);
      assert.deepEqual(keysOf(store.scanPrefix(new Uint8Array(max + 1))), []);
      await store.close();
    });

    test('a closed store refuses every call with CLOSED', async (t) => {
      const store = await open(t);
      await store.close();
      const closed = (e: unknown): boolean => e instanceof StemeError && e.code === 'CLOSED';
      assert.throws(() => store.get(b(1)), closed);
      assert.throws(() => [...store.scanPrefix(b(1))], closed);
      await assert.rejects(store.put(b(1), b(1)), closed);
      await store.close(); // idempotent
    });
  });
}
