// The key layout: subject keys are prefix-safe for any Unicode subject (property test on both
// stores), epochs list in numeric order, and prefix upper bounds follow sled's rule.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LmdbStore, MemoryStore, prefixUpperBound, type KVStore } from '../../src/storage/index.js';
import {
  assertionKey,
  assertionKeyHex,
  epochIdFromKey,
  epochKey,
  epochPrefix,
  hashFromKeyEnd,
  historyKeyFromUtf8,
  historyPrefix,
  locatorKey,
  locatorKeyHex,
  predicateObjectKeyFromUtf8,
  predicateObjectPrefix,
  predicatePrefix,
  sourceKeyFromUtf8,
  sourcePrefix,
  subjectKey,
  subjectKeyFromUtf8,
  subjectPredicatePrefix,
  subjectPrefix,
} from '../../src/layout/index.js';
import { fcParams } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';

const hashOf = (i: number): Uint8Array => new Uint8Array(32).fill(i & 0xff).map((v, j) => (j === 0 ? i >> 8 : v));

/** Subjects that are prefixes of each other and contain the escape and terminator bytes. */
const subjectFamily = fc
  .tuple(fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }), fc.array(fc.constantFrom('', 'a', ':', '\u0000', '\u0001', '\u0000\u0001', '\u00ff', 'ÿ', '🐈', '/', 'log'), { minLength: 1, maxLength: 4 }))
  .map(([base, suffixes]) => [...new Set(suffixes.map((_, i) => base + suffixes.slice(0, i + 1).join('')).concat(base))]);

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
/** JSON texts that prefix each other, and one past the length at which objects are keyed by hash. */
const objectJsons = ['1', '12', '"a"', '"a\\u0000"', '"ab"', '[1]', '[1,2]', JSON.stringify('x'.repeat(80)), JSON.stringify('x'.repeat(81))];

/**
 * For texts that prefix each other: each one's prefix in every family that holds a text part
 * (S: subject, S: subject + predicate, O: predicate, O: predicate + object, A: source, L:
 * subject) finds exactly the keys written for that text, never another's.
 */
async function checkPrefixSafety(store: KVStore, texts: string[]): Promise<void> {
  await store.clear();
  const expected = new Map<string, Set<string>>();
  const expect = (prefix: Uint8Array, hash: Uint8Array): void => {
    const key = hex(prefix);
    if (!expected.has(key)) expected.set(key, new Set());
    expected.get(key)!.add(hex(hash));
  };
  const value = new Uint8Array(8);
  await store.transaction((tx) => {
    texts.forEach((text, t) => {
      const other = texts[(t + 1) % texts.length]!;
      objectJsons.forEach((json, j) => {
        const hash = hashOf(t * 16 + j);
        const lsn = t * 16 + j;
        tx.put(subjectKey(text, other, hash), value);
        tx.put(predicateObjectKeyFromUtf8(utf8(text), utf8(json), hash), value);
        tx.put(sourceKeyFromUtf8(utf8(text), lsn, hash), value);
        tx.put(historyKeyFromUtf8(utf8(text), lsn, hash), value);
        expect(subjectPrefix(text), hash);
        expect(subjectPredicatePrefix(text, other), hash);
        expect(predicatePrefix(text), hash);
        expect(predicateObjectPrefix(text, utf8(json)), hash);
        expect(sourcePrefix(text), hash);
        expect(historyPrefix(text), hash);
      });
    });
  });
  for (const [prefix, hashes] of expected) {
    const found = [...store.scanPrefix(Buffer.from(prefix, 'hex'))].map((e) => hex(hashFromKeyEnd(e.key)));
    assert.deepEqual(found.sort(), [...hashes].sort(), `prefix ${prefix}`);
  }
}

describe('keys with a text part (subject, predicate, object, source) are prefix-safe', () => {
  test('on the memory store, for random texts that prefix each other', async () => {
    const store = new MemoryStore();
    await fc.assert(fc.asyncProperty(subjectFamily, (subjects) => checkPrefixSafety(store, subjects)), fcParams({ numRuns: 300 }));
  });

  test('on LMDB, for random texts that prefix each other', async (t) => {
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
      assert.deepEqual(subjectKeyFromUtf8(Buffer.from(subject, 'utf8'), utf8('p\u0000'), hash), subjectKey(subject, 'p\u0000', hash));
    }),
    fcParams({ numRuns: 500 }),
  );
  assert.throws(() => subjectKeyFromUtf8(Buffer.from('s'), utf8('p'), new Uint8Array(31)));
});
