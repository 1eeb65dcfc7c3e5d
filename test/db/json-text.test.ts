// getJson and assertionsAboutJson write an assertion's JSON from its stored bytes (the object
// copied in as stored). Their text must parse to exactly what get and assertionsAbout return,
// for any object (integer-like keys included, which JSON.parse reorders), any status, pending
// or ingested, on both stores; and an assertion's text must equal JSON.stringify of the
// decoded result with its keys in the HTTP order (the fields every assertion has first).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { StemeDB, type AssertionInput } from '../../src/index.js';
import { fcParams } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';

const quiet = { log: () => undefined };
const stores = ['memory', 'lmdb'] as const;

/** JSON.stringify of a decoded assertion result with the HTTP API's key order. */
function httpOrder(result: Record<string, unknown>): string {
  const required = ['type', 'subject', 'predicate', 'object', 'source', 'createdAt', 'hash', 'lsn', 'status'];
  const optional = ['confidence', 'epoch', 'supersedes', 'retractedBy', 'supersededBy'];
  const ordered: Record<string, unknown> = {};
  for (const key of [...required, ...optional]) if (result[key] !== undefined) ordered[key] = result[key];
  assert.deepEqual(Object.keys(result).sort(), Object.keys(ordered).sort(), 'no field outside the schema');
  return JSON.stringify(ordered);
}

const objectArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  // Keys JSON.parse moves ahead of the others, and strings that only look like such keys.
  fc.dictionary(fc.oneof(fc.constantFrom('0', '1', '9', '10', '01', '4294967295', 'a', 'b"', ',"7":'), fc.string()), fc.jsonValue({ maxDepth: 2 })),
);

for (const store of stores) {
  describe(`JSON text reads on the ${store} store`, () => {
    test('getJson and assertionsAboutJson parse to what get and assertionsAbout return, for any object and status', { timeout: 120_000 }, async (t) => {
      const db = await StemeDB.open(tempDir(t), { ...quiet, store });
      t.after(() => db.close());
      await db.defineEpoch({ id: 3, name: 'e3', createdAt: 1 });
      let n = 0;
      await fc.assert(
        fc.asyncProperty(objectArb, fc.option(fc.double({ min: 0, max: 1, noNaN: true })), fc.boolean(), fc.constantFrom('none', 'retract', 'supersede'), fc.boolean(), async (object, confidence, epoch, fate, ingest) => {
          const subject = `s:${n++} "é"\u0000/`;
          const first = await db.assert({ subject, predicate: 'p', object: object as AssertionInput['object'], source: 'src', createdAt: n, ...(confidence !== null && { confidence }), ...(epoch && { epoch: 3 }) });
          if (fate === 'retract') await db.retract({ assertion: first.hash, source: 'src', createdAt: n });
          if (fate === 'supersede') await db.assert({ subject, predicate: 'p', object: 1, source: 'src', supersedes: first.hash, createdAt: n });
          if (ingest) await db.sync();
          const result = db.get(first.hash) as unknown as Record<string, unknown>;
          const json = db.getJson(first.hash)!;
          assert.deepEqual(JSON.parse(json), result);
          assert.equal(json, httpOrder(result));
          const asOf = first.lsn + 1;
          assert.deepEqual(JSON.parse(db.getJson(first.hash, { asOf })!), db.get(first.hash, { asOf }));
          assert.equal(db.getJson(first.hash, { asOf: first.lsn }), undefined);
          for (const options of [{}, { includeRetracted: true }, { includeRetracted: true, limit: 1 }]) {
            const page = db.assertionsAbout(subject, options);
            const text = db.assertionsAboutJson(subject, options);
            assert.deepEqual(JSON.parse(text), page);
            const expected = `{"items":[${page.items.map((item) => httpOrder(item as unknown as Record<string, unknown>)).join(',')}],"atLsn":${page.atLsn}${page.cursor === undefined ? '' : `,"cursor":${JSON.stringify(page.cursor)}`}}`;
            assert.equal(text, expected);
          }
        }),
        fcParams({ numRuns: 60 }),
      );
    });

    test('getJson of a vote is its JSON; of an unknown hash undefined; of a malformed hash INVALID_ARGUMENT', { timeout: 30_000 }, async (t) => {
      const db = await StemeDB.open(tempDir(t), { ...quiet, store });
      t.after(() => db.close());
      const a = await db.assert({ subject: 's', predicate: 'p', object: { '10': 1, '9': 2 }, source: 'src', createdAt: 1 });
      const vote = await db.vote({ assertion: a.hash, voter: 'v', stance: 'support', createdAt: 2 });
      assert.equal(db.getJson(vote.hash), JSON.stringify(db.get(vote.hash)));
      assert.equal(db.getJson('0'.repeat(64)), undefined);
      assert.throws(() => db.getJson('XYZ'), { code: 'INVALID_ARGUMENT' });
      assert.equal(JSON.parse(db.getJson(a.hash)!).object['9'], 2);
    });
  });
}
