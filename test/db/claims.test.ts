// Claims over time through the facade, one behaviour per test: the worked example of
// docs/claims.md row by row (the rows are read from the document, so a row without a check
// fails), the refusals of retractions and supersessions, queries that are not queries, and a
// store of an older layout rebuilt at open.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StemeDB, StemeError, type WriteResult } from '../../src/index.js';
import type { AssertionResult } from '../../src/db/claims.js';
import { metaKey } from '../../src/layout/index.js';
import { LmdbStore } from '../../src/storage/index.js';
import { dumpKv } from '../support/kv-dump.js';
import { tempDir } from '../support/temp-dir.js';
import { votesOnly } from './fixtures/records.js';

const quiet = { log: () => undefined };

function code(expected: string) {
  return (error: unknown): boolean => error instanceof StemeError && error.code === expected;
}

/** What a refused write must leave unchanged: the log's end and every record count. */
function logged(db: StemeDB): unknown {
  const { records, wal } = db.stats();
  return { records, endLsn: wal.endLsn };
}

const paris = { subject: 'city:paris', predicate: 'population', source: 'insee' };

// --- the worked example ---

interface Example {
  db: StemeDB;
  a1: WriteResult;
  vote: WriteResult;
  a2: WriteResult;
  retraction: WriteResult;
  /** The example's LSNs (1000, 1100, 1200, 1300, and 1250 between the last two) as logged here. */
  lsn: (exampleLsn: number) => number;
}

/** The four records of the worked example, in its order. */
async function workedExample(db: StemeDB): Promise<Example> {
  const a1 = await db.assert({ ...paris, object: 2148000, createdAt: 1_000 });
  const vote = await db.vote({ assertion: a1.hash, voter: 'ada', stance: 'support', createdAt: 1_100 });
  const a2 = await db.assert({ ...paris, object: 2102650, supersedes: a1.hash, createdAt: 1_200 });
  const retraction = await db.retract({ assertion: a2.hash, source: 'insee', reason: 'census revision pending', createdAt: 1_300 });
  const lsns = new Map([
    [1000, a1.lsn],
    [1100, vote.lsn],
    [1200, a2.lsn],
    [1250, Math.floor((a2.lsn + retraction.lsn) / 2)],
    [1300, retraction.lsn],
  ]);
  return { db, a1, vote, a2, retraction, lsn: (n) => lsns.get(n)! };
}

/** The rows of the worked example's table in docs/claims.md: the read, and the answer in words. */
function documentedRows(): Array<{ read: string; answer: string }> {
  const doc = readFileSync(new URL('../../../docs/claims.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Worked example'));
  const rows = section.split('\n').filter((line) => line.startsWith('|') && !line.startsWith('|---') && !line.startsWith('| read |'));
  return rows.map((line) => {
    const [, read, answer] = line.split('|').map((cell) => cell.trim());
    return { read: read!, answer: answer! };
  });
}

/** One check per row of the table, keyed by the row's read as the document writes it. */
const rowChecks: Record<string, (example: Example) => Promise<void> | void> = {
  '`get(a1)`': ({ db, a1, a2 }) => {
    const got = db.get(a1.hash) as AssertionResult;
    assert.equal(got.status, 'superseded');
    assert.equal(got.supersededBy, a2.hash);
    assert.equal(got.retractedBy, undefined);
  },
  '`get(a1, { asOf: 1200 })`': ({ db, a1, lsn }) => {
    const got = db.get(a1.hash, { asOf: lsn(1200) }) as AssertionResult;
    assert.equal(got.status, 'live');
    assert.equal(got.supersededBy, undefined);
    assert.equal(got.lsn, lsn(1000));
  },
  "`assertionsAbout('city:paris')`": ({ db }) => {
    assert.deepEqual(db.assertionsAbout('city:paris').items, []);
  },
  "`assertionsAbout('city:paris', { asOf: 1250 })`": ({ db, a2, lsn }) => {
    const page = db.assertionsAbout('city:paris', { asOf: lsn(1250) });
    assert.deepEqual(page.items.map((a) => [a.hash, a.status]), [[a2.hash, 'live']]);
    assert.equal(page.atLsn, lsn(1250));
  },
  "`find({ predicate: 'population', object: 2148000, includeRetracted: true })`": ({ db, a1, a2 }) => {
    const { items } = db.find({ predicate: 'population', object: 2148000, includeRetracted: true });
    assert.deepEqual(items.map((a) => [a.hash, a.status, a.supersededBy]), [[a1.hash, 'superseded', a2.hash]]);
  },
  "`history('city:paris')`": ({ db, a1, vote, a2, retraction, lsn }) => {
    const { items } = db.history('city:paris');
    assert.deepEqual(
      items.map((i) => [i.lsn, i.type, i.hash]),
      [
        [lsn(1000), 'assertion', a1.hash],
        [lsn(1100), 'vote', vote.hash],
        [lsn(1200), 'assertion', a2.hash],
        [lsn(1300), 'retraction', retraction.hash],
      ],
    );
    assert.equal(items[2]!.record.type === 'assertion' && items[2]!.record.supersedes, a1.hash, 'the superseding assertion names the one it replaces');
  },
  '`tally(a1, { asOf: 1100 })`': ({ db, a1, lsn }) => {
    const tally = db.tally(a1.hash, { asOf: lsn(1100) });
    assert.deepEqual(votesOnly(tally), { support: 0, oppose: 0, score: 0, voters: 0 });
    assert.equal(tally.atLsn, lsn(1100));
    assert.equal(db.tally(a1.hash).support, 1, 'the vote counts once it is logged');
  },
  'a retraction of `a1` by `wikidata`': async ({ db, a1 }) => {
    const before = logged(db);
    await assert.rejects(db.retract({ assertion: a1.hash, source: 'wikidata' }), code('NOT_AUTHOR'));
    assert.deepEqual(logged(db), before, 'nothing is logged');
  },
  'an assertion by `insee` about `city:lyon` with `supersedes: a1`': async ({ db, a1 }) => {
    const before = logged(db);
    await assert.rejects(
      db.assert({ ...paris, subject: 'city:lyon', object: 522250, supersedes: a1.hash }),
      (error) => code('INVALID_RECORD')(error) && (error as { path?: string }).path === 'supersedes',
    );
    assert.deepEqual(logged(db), before, 'nothing is logged');
  },
  'a second retraction of `a2` (another `createdAt`)': async ({ db, a2, retraction }) => {
    const second = await db.retract({ assertion: a2.hash, source: 'insee', createdAt: 1_400 });
    assert.notEqual(second.hash, retraction.hash);
    assert.equal(db.get(second.hash)?.type, 'retraction', 'logged');
    const got = db.get(a2.hash) as AssertionResult;
    assert.equal(got.status, 'retracted');
    assert.equal(got.retractedBy, retraction.hash, 'the first retraction decides');
    assert.deepEqual(db.history('city:paris').items.slice(-2).map((i) => i.hash), [retraction.hash, second.hash], 'both stay in the history');
  },
};

describe('the worked example of docs/claims.md', () => {
  test('every row of the table has a check here, and every check a row', () => {
    assert.deepEqual(documentedRows().map((row) => row.read).sort(), Object.keys(rowChecks).sort());
  });

  for (const { read, answer } of documentedRows()) {
    const check = rowChecks[read];
    test(`${read.replaceAll('`', '')} → ${answer.replaceAll('`', '')}`, async (t) => {
      assert.ok(check, `no check for the row ${read}`);
      const db = await StemeDB.open(tempDir(t), quiet);
      t.after(() => db.close());
      await check(await workedExample(db));
    });
  }
});

// --- refused writes ---

describe('retractions and supersessions that are refused', () => {
  test('a retraction of an unknown assertion is UNKNOWN_ASSERTION, and nothing is logged', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    await db.assert({ ...paris, object: 1 });
    const before = logged(db);
    await assert.rejects(db.retract({ assertion: 'ab'.repeat(32), source: 'insee' }), code('UNKNOWN_ASSERTION'));
    assert.deepEqual(logged(db), before);
  });

  test('a retraction by another source than the author is NOT_AUTHOR, and nothing is logged', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const { hash } = await db.assert({ ...paris, object: 1 });
    const before = logged(db);
    await assert.rejects(db.retract({ assertion: hash, source: 'wikidata' }), code('NOT_AUTHOR'));
    assert.deepEqual(logged(db), before);
    assert.equal((db.get(hash) as AssertionResult).status, 'live');
  });

  test('an assertion superseding one about another subject is INVALID_RECORD at supersedes, and nothing is logged', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const { hash } = await db.assert({ ...paris, object: 1 });
    const before = logged(db);
    await assert.rejects(
      db.assert({ ...paris, subject: 'city:lyon', object: 2, supersedes: hash }),
      (error) => code('INVALID_RECORD')(error) && (error as { path?: string }).path === 'supersedes',
    );
    assert.deepEqual(logged(db), before);
  });

  test('a retraction may name an assertion earlier in the same batch', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const assertion = { type: 'assertion', ...paris, object: 1, createdAt: 1_000 };
    const hash = StemeDB.hashOf(assertion);
    const [, retraction] = await db.appendBatch([assertion, { type: 'retraction', assertion: hash, source: 'insee', createdAt: 1_001 }]);
    const got = db.get(hash) as AssertionResult;
    assert.equal(got.status, 'retracted');
    assert.equal(got.retractedBy, retraction!.hash);
  });
});

// --- queries that are not queries ---

describe('queries that are refused', () => {
  test('asOf that is negative, not an integer, or beyond the end of the log is INVALID_QUERY', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const { hash } = await db.assert({ ...paris, object: 1 });
    const end = db.assertionsAbout('city:paris').atLsn;
    for (const asOf of [-1, 0.5, Number.NaN, end + 1, '10' as unknown as number]) {
      const at = { asOf };
      assert.throws(() => db.get(hash, at), code('INVALID_QUERY'), `get, asOf ${asOf}`);
      assert.throws(() => db.assertionsAbout('city:paris', at), code('INVALID_QUERY'), `assertionsAbout, asOf ${asOf}`);
      assert.throws(() => db.find({ predicate: 'population', ...at }), code('INVALID_QUERY'), `find, asOf ${asOf}`);
      assert.throws(() => db.history('city:paris', at), code('INVALID_QUERY'), `history, asOf ${asOf}`);
      assert.throws(() => db.tally(hash, at), code('INVALID_QUERY'), `tally, asOf ${asOf}`);
      assert.throws(() => db.votesFor(hash, at), code('INVALID_QUERY'), `votesFor, asOf ${asOf}`);
    }
    assert.equal(db.find({ predicate: 'population', asOf: end }).items.length, 1, 'asOf at the end is the whole log');
    assert.equal(db.find({ predicate: 'population', asOf: 0 }).items.length, 0, 'asOf 0 is the empty log');
  });

  test('a cursor from another query, or from the same query with other parameters, is INVALID_CURSOR', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    await db.appendBatch([1, 2, 3].map((object) => ({ type: 'assertion', ...paris, object })));
    const { cursor } = db.assertionsAbout('city:paris', { limit: 1 });
    assert.ok(cursor !== undefined);
    assert.equal(db.assertionsAbout('city:paris', { limit: 1, cursor }).items.length, 1, 'the cursor resumes its own query');
    assert.throws(() => db.find({ predicate: 'population', limit: 1, cursor }), code('INVALID_CURSOR'));
    assert.throws(() => db.history('city:paris', { limit: 1, cursor }), code('INVALID_CURSOR'));
    assert.throws(() => db.assertionsAbout('city:lyon', { limit: 1, cursor }), code('INVALID_CURSOR'));
    assert.throws(() => db.assertionsAbout('city:paris', { limit: 1, includeRetracted: true, cursor }), code('INVALID_CURSOR'));
  });

  test('find without a predicate or a source is INVALID_QUERY', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    assert.throws(() => db.find({}), code('INVALID_QUERY'));
    assert.throws(() => db.find({ subject: 'city:paris' }), code('INVALID_QUERY'));
  });

  test('find by object without a predicate is INVALID_QUERY', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    assert.throws(() => db.find({ source: 'insee', object: 2148000 }), code('INVALID_QUERY'));
  });

  test('a query text with a lone surrogate matches nothing, not the U+FFFD its UTF-8 would hold', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    await db.assert({ subject: 's\uFFFD', predicate: 'p\uFFFD', object: 1, source: 'src\uFFFD' });
    assert.equal(db.find({ predicate: 'p\uFFFD' }).items.length, 1);
    assert.deepEqual(db.find({ predicate: 'p\uD800' }).items, []);
    assert.deepEqual(db.find({ predicate: 'p\uFFFD', source: 'src\uDC00' }).items, []);
    assert.deepEqual(db.find({ predicate: 'p\uFFFD', subject: 's\uD800' }).items, []);
    assert.deepEqual(db.assertionsAbout('s\uFFFD', { predicate: 'p\uD800' }).items, []);
    await db.sync();
    assert.deepEqual(db.find({ predicate: 'p\uD800' }).items, []);
    assert.deepEqual(db.assertionsAbout('s\uFFFD', { predicate: 'p\uD800' }).items, []);
  });
});

// --- records logged twice ---

test('a record sent again after its first copy is ingested is listed once, from its first LSN', async (t) => {
  // Until the second copy is ingested too, it is pending under a later LSN: reads must still
  // answer from the first (docs/claims.md: "counts from its first LSN").
  const db = await StemeDB.open(tempDir(t), { ...quiet, store: 'memory' });
  t.after(() => db.close());
  const a1 = { ...paris, object: 2148000, createdAt: 1_000 };
  const vote = { assertion: StemeDB.hashOf({ type: 'assertion', ...a1 }), voter: 'ada', stance: 'support' as const, createdAt: 1_100 };
  const retraction = { assertion: vote.assertion, source: 'insee', createdAt: 1_200 };
  const first = [await db.assert(a1), await db.vote(vote), await db.retract(retraction)];
  await db.sync();
  const again = [await db.assert(a1), await db.vote(vote), await db.retract(retraction)];
  assert.deepEqual(again.map((r) => r.hash), first.map((r) => r.hash));
  assert.ok(again[0]!.lsn > first[2]!.lsn, 'logged again, later');
  assert.deepEqual(db.history('city:paris').items.map((i) => [i.lsn, i.hash]), first.map((r) => [r.lsn, r.hash]));
  assert.deepEqual(db.find({ source: 'insee', includeRetracted: true }).items.map((a) => [a.lsn, a.hash]), [[first[0]!.lsn, first[0]!.hash]]);
  for (const { hash, lsn } of first) assert.ok(db.get(hash, { asOf: lsn + 1 }), `get ${hash} as of just past its first LSN`);
});

// --- a store from an older StemeDB ---

test('a store of an older layout (no M:layout key) is rebuilt from the WAL at open and answers the same', async (t) => {
  const dir = tempDir(t);
  const writer = await StemeDB.open(dir, quiet);
  const { a1, vote, a2 } = await workedExample(writer);
  const answers = (db: StemeDB): unknown => ({
    a1: db.get(a1.hash),
    a2: db.get(a2.hash, { asOf: a2.lsn + 1 }),
    vote: db.get(vote.hash),
    about: db.assertionsAbout('city:paris', { includeRetracted: true }).items,
    find: db.find({ source: 'insee', includeRetracted: true }).items,
    history: db.history('city:paris').items,
    tally: db.tally(a1.hash),
    counts: db.stats().records,
  });
  const before = answers(writer);
  await writer.close();
  const kv = await dumpKv(dir);

  const store = await LmdbStore.open({ path: path.join(dir, 'kv') });
  await store.del(metaKey('layout'));
  await store.close();

  const messages: string[] = [];
  const reopened = await StemeDB.open(dir, { log: (message) => messages.push(message) });
  assert.ok(messages.some((m) => /layout version 1; rebuilding it from the WAL/.test(m)), `rebuilt: ${messages.join(' | ')}`);
  assert.deepEqual(answers(reopened), before);
  assert.equal((await reopened.verify()).ok, true);
  await reopened.close();
  assert.deepEqual(await dumpKv(dir), kv, 'the rebuilt store holds what the store held');
});
