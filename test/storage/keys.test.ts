// The key layout: subject keys are prefix-safe for any Unicode subject (property test on both
// stores), epochs list in numeric order, and prefix upper bounds follow sled's rule.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { assertionKey, assertionKeyHex, epochIdFromKey, locatorKey, locatorKeyHex, epochKey, epochPrefix, hashFromSubjectKey, LmdbStore, MemoryStore, prefixUpperBound, subjectKey, subjectKeyFromUtf8, subjectPrefix, type KVStore } from '../../src/storage/index.js';
import { fcParams } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';

const hashOf = (i: number): Uint8Array => new Uint8Array(32).fill(i & 0xff).map((v, j) => (j === 0 ? i >> 8 : v));

/** Subjects that are prefixes of each other and contain the escape and terminator bytes. */
const subjectFamily = fc
  .tuple(fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }), fc.array(fc.constantFrom('', 'a', ':', '\u0000', '\u0001', '\u0000\u0001', '\u00ff', 'ÿ', '🐈', '/', 'log'), { minLength: 1, maxLength: 4 }))
  .map(([base, suffixes]) => [...new Set(suffixes.map((_, i) => base + suffixes.slice(0, i + 1).join('')).concat(base))]);

async function checkPrefixSafety(store: KVStore, subjects: string[]): Promise<void> {
  await store.clear();
  const expected = new Map<string, string[]>();
  await store.transaction((tx) => {
    subjects.forEach((subject, s) => {
      const hashes = [0, 1, 2].map((k) => hashOf(s * 3 + k));
      for (const hash of hashes) tx.put(subjectKey(subject, hash), new Uint8Array(0));
      expected.set(subject, hashes.map((h) => Buffer.from(h).toString('hex')).sort());
    });
  });
  for (const subject of subjects) {
    const found = [...store.scanPrefix(subjectPrefix(subject))].map((e) => Buffer.from(hashFromSubjectKey(e.key)).toString('hex')).sort();
    assert.deepEqual(found, expected.get(subject), `subject ${JSON.stringify(subject)}`);
  }
}

describe('subject keys are prefix-safe', () => {
  test('on the memory store, for random subjects that prefix each other', async () => {
    const store = new MemoryStore();
    await fc.assert(fc.asyncProperty(subjectFamily, (subjects) => checkPrefixSafety(store, subjects)), fcParams({ numRuns: 300 }));
  });

  test('on LMDB, for random subjects that prefix each other', async (t) => {
    const store = await LmdbStore.open({ path: path.join(tempDir(t), 'kv') });
    await fc.assert(fc.asyncProperty(subjectFamily, (subjects) => checkPrefixSafety(store, subjects)), fcParams({ numRuns: 100 }));
    await store.close();
  });

  test("'cat' never sees 'catalog', 'cat:x' or 'cat\\u0000'", async () => {
    await checkPrefixSafety(new MemoryStore(), ['cat', 'catalog', 'cat:x', 'cat\u0000', 'cat\u0000\u0001', 'ca']);
  });
});

test('epoch keys list in numeric order', async () => {
  const store = new MemoryStore();
  const ids = [0, 1, 2, 9, 10, 255, 256, 65_536, 2 ** 40, Number.MAX_SAFE_INTEGER];
  for (const id of [...ids].reverse()) await store.put(epochKey(id), new Uint8Array(0));
  assert.deepEqual([...store.scanPrefix(epochPrefix())].map((e) => epochIdFromKey(e.key)), ids);
});

test('prefix upper bounds drop trailing 0xff bytes and increment the last', () => {
  assert.deepEqual(prefixUpperBound(Uint8Array.of(1, 2, 0xff)), Uint8Array.of(1, 3));
  assert.deepEqual(prefixUpperBound(Uint8Array.of(1, 2)), Uint8Array.of(1, 3));
  assert.equal(prefixUpperBound(Uint8Array.of(0xff, 0xff)), undefined);
  assert.equal(prefixUpperBound(new Uint8Array(0)), undefined);
});

test('computing a prefix bound never changes the prefix, even when it is a Buffer', () => {
  const prefix = Buffer.from('H:');
  prefixUpperBound(prefix);
  assert.equal(prefix.toString(), 'H:');
});

test('keys built from a hex hash equal keys built from its bytes; a bad hex hash is refused', () => {
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 5) & 0xff);
  const hex = Buffer.from(bytes).toString('hex');
  assert.deepEqual([...assertionKeyHex(hex)], [...assertionKey(bytes)]);
  assert.deepEqual([...locatorKeyHex(hex)], [...locatorKey(bytes)]);
  assert.throws(() => assertionKeyHex(hex.slice(0, 62)));
  assert.throws(() => assertionKeyHex(`${hex.slice(0, 60)}zz00`));
  assert.throws(() => assertionKeyHex(`${hex}00`));
});

test("a subject key built from the subject's UTF-8 bytes equals the one built from the string", () => {
  const subjects = fc.oneof(fc.string({ maxLength: 40, unit: 'grapheme' }), subjectFamily.map((family) => family[family.length - 1]!));
  fc.assert(
    fc.property(subjects, fc.integer({ min: 0, max: 65535 }), (subject, i) => {
      const hash = hashOf(i);
      assert.deepEqual(subjectKeyFromUtf8(Buffer.from(subject, 'utf8'), hash), subjectKey(subject, hash));
    }),
    fcParams({ numRuns: 500 }),
  );
  assert.throws(() => subjectKeyFromUtf8(Buffer.from('s'), new Uint8Array(31)));
});
