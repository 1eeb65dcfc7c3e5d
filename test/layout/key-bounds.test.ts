// Every valid record is storable: each key family's longest key, derived in key-bounds.ts
// from the record limits, is what the layout's own builders make from the worst characters
// (NUL, which escaping doubles), what ingest writes for the worst records, and what random
// texts never exceed; and it fits LMDB at the page size StemeDB creates. The table in
// docs/key-layout.md ("How long a key can be") is parsed and must agree.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { applyRefusing } from '../../src/ingest/apply.js';
import {
  assertionKey,
  counterKey,
  counterNames,
  deadLetterKey,
  epochKey,
  firstChangeKey,
  graphObservationKey,
  historyKeyFromUtf8,
  keyFamilies,
  keyFamilyBytesMax,
  kvKeyBytesMax,
  locatorKey,
  metaKey,
  metaNames,
  pairKeyFromUtf8,
  predicateObjectKeyFromUtf8,
  sourceKeyFromUtf8,
  statusKey,
  statusKind,
  subjectKeyFromUtf8,
  subjectPrefix,
  voteKey,
  voterKey,
  type KeyFamily,
} from '../../src/layout/index.js';
import { memoryStoreKeyBytesMaxDefault, objectBytesMax, stringBytesMax } from '../../src/limits.js';
import { canonicalJson, prepareRecord, validateRecord } from '../../src/records/index.js';
import { LmdbStore, MemoryStore, type KVStore } from '../../src/storage/index.js';
import { fcParams } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const hash = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);
const lsnMax = Number.MAX_SAFE_INTEGER;
/** The worst text: every byte a NUL, which escaping doubles. */
const nuls = utf8('\u0000'.repeat(stringBytesMax));
/** The longest object JSON keyed inline (64 bytes); one byte more is keyed by its hash. */
const inlineJson = utf8(canonicalJson('x'.repeat(62)));
const familyOf = (key: Uint8Array): string => String.fromCharCode(key[0]!);

/** The longest key of each family, built with the layout's builders from the worst parts. */
function longestKeys(): Record<KeyFamily, Uint8Array> {
  const longestName = (names: readonly string[]): string => names.reduce((a, b) => (b.length > a.length ? b : a));
  return {
    H: assertionKey(hash(1)),
    V: voteKey(hash(1), hash(2)),
    E: epochKey(lsnMax),
    S: subjectKeyFromUtf8(nuls, nuls, hash(1)),
    O: predicateObjectKeyFromUtf8(nuls, inlineJson, hash(1)),
    A: sourceKeyFromUtf8(nuls, lsnMax, hash(1)),
    L: historyKeyFromUtf8(nuls, lsnMax, hash(1)),
    T: statusKey(hash(1), lsnMax, statusKind.supersession, hash(2)),
    R: locatorKey(hash(1)),
    X: deadLetterKey(lsnMax),
    C: counterKey(longestName(counterNames)),
    M: metaKey(longestName(metaNames)),
    B: pairKeyFromUtf8('summary', nuls, nuls),
    K: pairKeyFromUtf8('contested', nuls, nuls),
    F: firstChangeKey(hash(1)),
    P: voterKey(lsnMax, hash(1), new Uint8Array(16).fill(0xff)),
    G: graphObservationKey(nuls, lsnMax, hash(1)),
  };
}

/** The table in docs/key-layout.md: family -> longest key in bytes, and the stated kvKeyBytesMax. */
function documentedBounds(): { families: Map<string, number>; all: number } {
  const doc = fs.readFileSync(path.join(process.cwd(), 'docs', 'key-layout.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## How long a key can be'), doc.indexOf('**Primary keys.**'));
  const families = new Map<string, number>();
  for (const match of section.matchAll(/^\| `([A-Z]):` \| (\d+) \|/gm)) families.set(match[1]!, Number(match[2]));
  const all = /\*\*`kvKeyBytesMax` = (\d+)\*\*/.exec(section);
  assert.ok(all !== null, 'the section states kvKeyBytesMax');
  return { families, all: Number(all[1]) };
}

async function storeAll(store: KVStore, keys: Uint8Array[]): Promise<void> {
  await store.transaction((tx) => {
    keys.forEach((key, i) => tx.put(key, Uint8Array.of(i)));
  });
  keys.forEach((key, i) => assert.deepEqual([...store.get(key)!], [i], `${familyOf(key)}: read back`));
}

describe('the longest key of every family', () => {
  test('docs/key-layout.md states each family\'s longest key and kvKeyBytesMax as the layout derives them', () => {
    const { families, all } = documentedBounds();
    assert.deepEqual([...families.keys()].sort(), [...keyFamilies].sort(), 'one row per family the layout writes');
    for (const family of keyFamilies) assert.equal(families.get(family), keyFamilyBytesMax[family], family);
    assert.equal(all, kvKeyBytesMax);
    assert.equal(kvKeyBytesMax, Math.max(...Object.values(keyFamilyBytesMax)));
  });

  test('the layout\'s builders, given the worst characters, make keys exactly as long as the bound', () => {
    const keys = longestKeys();
    for (const family of keyFamilies) {
      assert.equal(familyOf(keys[family]), family);
      assert.equal(keys[family].length, keyFamilyBytesMax[family], `${family}: built ${keys[family].length} bytes`);
    }
    // Inline JSON one byte longer is keyed by its hash: shorter, not longer.
    const hashed = predicateObjectKeyFromUtf8(nuls, utf8(canonicalJson('x'.repeat(63))), hash(1));
    assert.ok(hashed.length < keyFamilyBytesMax.O);
  });

  test('validation accepts the worst texts at the limit and refuses one byte more', () => {
    const worst = '\u0000'.repeat(stringBytesMax);
    const record = validateRecord({ type: 'assertion', subject: worst, predicate: worst, source: worst, object: 'x'.repeat(62), createdAt: 1 });
    assert.equal(record.type, 'assertion');
    assert.throws(() => validateRecord({ type: 'assertion', subject: `${worst}\u0000`, predicate: 'p', source: 's', object: 1, createdAt: 1 }), { code: 'INVALID_RECORD' });
    assert.throws(() => validateRecord({ type: 'assertion', subject: 'a', predicate: 'p', source: 's', object: 'x'.repeat(objectBytesMax), createdAt: 1 }), { code: 'INVALID_RECORD' });
  });

  test(`kvKeyBytesMax (${kvKeyBytesMax}) fits LMDB at the page size StemeDB creates, and the memory store takes what LMDB takes`, async (t) => {
    const store = await LmdbStore.open({ path: path.join(tempDir(t), 'kv') });
    t.after(() => store.close());
    assert.ok(store.keyBytesMax >= kvKeyBytesMax, `LMDB takes ${store.keyBytesMax} bytes`);
    assert.equal(store.keyBytesMax, memoryStoreKeyBytesMaxDefault);
  });

  for (const kind of ['LMDB', 'memory'] as const) {
    test(`every family's longest key is stored in the ${kind} store and found by prefix`, async (t) => {
      const store = kind === 'LMDB' ? await LmdbStore.open({ path: path.join(tempDir(t), 'kv') }) : new MemoryStore();
      t.after(() => store.close());
      const keys = longestKeys();
      await storeAll(store, Object.values(keys));
      const bySubject = [...store.scanPrefix(subjectPrefix('\u0000'.repeat(stringBytesMax)))];
      assert.equal(bySubject.length, 1);
      assert.equal(Buffer.from(bySubject[0]!.key).toString('hex'), Buffer.from(keys.S).toString('hex'));
    });
  }

  test('ingest of the worst records writes every text family at its bound into real LMDB, with no dead letter', async (t) => {
    const store = await LmdbStore.open({ path: path.join(tempDir(t), 'kv') });
    t.after(() => store.close());
    const worst = '\u0000'.repeat(stringBytesMax);
    const first = prepareRecord({ type: 'assertion', subject: worst, predicate: worst, source: worst, object: 'x'.repeat(62), createdAt: 1 });
    const second = prepareRecord({ type: 'assertion', subject: worst, predicate: worst, source: worst, object: 'y'.repeat(62), supersedes: first.hash, createdAt: 2 });
    const records = [
      first,
      second,
      prepareRecord({ type: 'vote', assertion: second.hash, voter: worst, stance: 'support', createdAt: 3 }),
      prepareRecord({ type: 'retraction', assertion: second.hash, source: worst, reason: '\u0000'.repeat(4096), createdAt: 4 }),
      prepareRecord({ type: 'epoch', id: Number.MAX_SAFE_INTEGER, name: worst, createdAt: 5 }),
    ];
    let lsn = 0;
    const entries = records.map((record) => {
      const entry = { lsn, nextLsn: lsn + 100_000, payload: record.bytes };
      lsn = entry.nextLsn;
      return entry;
    });
    const added = await applyRefusing(store, entries);
    assert.deepEqual(added, { assertions: 2, votes: 1, epochs: 1, retractions: 1, deadLetters: 0 });
    const longest = new Map<string, number>();
    for (const { key } of store.scanPrefix(new Uint8Array(0))) longest.set(familyOf(key), Math.max(longest.get(familyOf(key)) ?? 0, key.length));
    for (const family of ['S', 'O', 'A', 'L', 'B'] as const) assert.equal(longest.get(family), keyFamilyBytesMax[family], family);
    for (const [family, bytes] of longest) assert.ok(bytes <= keyFamilyBytesMax[family as KeyFamily], `${family}: ${bytes}`);
  });

  test('keys of random texts within the limit never exceed the bound, and reach it only with NULs', () => {
    const unit = fc.constantFrom('\u0000', '\u0001', 'a', ':', 'ÿ', 'é', '€', '😀', '\uffff');
    // Up to the limit in bytes: cut a random text at stringBytesMax bytes, on a character boundary.
    const text = fc.array(unit, { minLength: 1, maxLength: stringBytesMax }).map((chars) => {
      let bytes = 0;
      const kept: string[] = [];
      for (const char of chars) {
        const n = Buffer.byteLength(char, 'utf8');
        if (bytes + n > stringBytesMax) break;
        bytes += n;
        kept.push(char);
      }
      return kept.join('');
    });
    fc.assert(
      fc.property(text, text, fc.boolean(), (subject, predicate, inline) => {
        const s = utf8(subject);
        const p = utf8(predicate);
        const json = utf8(canonicalJson(inline ? 'x'.repeat(62) : 'x'.repeat(63)));
        const keys: Array<[KeyFamily, Uint8Array]> = [
          ['S', subjectKeyFromUtf8(s, p, hash(1))],
          ['O', predicateObjectKeyFromUtf8(p, json, hash(1))],
          ['A', sourceKeyFromUtf8(s, lsnMax, hash(1))],
          ['L', historyKeyFromUtf8(s, lsnMax, hash(1))],
          ['B', pairKeyFromUtf8('summary', s, p)],
        ];
        for (const [family, key] of keys) {
          assert.ok(key.length <= keyFamilyBytesMax[family], `${family}: ${key.length}`);
          const text = family === 'O' ? p : s;
          if (key.length === keyFamilyBytesMax[family]) assert.ok(text.length === stringBytesMax && text.every((byte) => byte === 0));
        }
        // What ingest relies on to name a refused record: a subject's B: and L: keys are shorter than its S: keys.
        assert.ok(keys[4]![1].length < keys[0]![1].length && keys[3]![1].length < keys[0]![1].length);
      }),
      fcParams({ numRuns: 300 }),
    );
  });
});
