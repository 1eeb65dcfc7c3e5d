// What is believed, one behaviour per test: the worked example of docs/beliefs.md number by
// number, then the rules the example does not show on its own (a source's own vote, votes on
// a superseded assertion, a vote's epoch, an epoch cycle, pending records).
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { StemeDB, StemeError, type Beliefs, type Candidate, type PredicateBeliefs } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { ReferenceLog } from './fixtures/beliefs-reference.js';
import { assertSame } from './fixtures/same.js';

const quiet = { log: (): void => undefined };

function code(expected: string) {
  return (error: unknown): boolean => error instanceof StemeError && error.code === expected;
}

/** The one predicate of a single-predicate subject. */
function only(beliefs: Beliefs): PredicateBeliefs {
  assert.equal(beliefs.predicates.length, 1, JSON.stringify(beliefs));
  return beliefs.predicates[0]!;
}

/** A candidate's numbers, without its object and assertions. */
function numbers(candidate: Candidate | null | undefined): { support: number; oppose: number; score: number; supporters: number } | undefined {
  if (candidate === null || candidate === undefined) return undefined;
  return { support: candidate.support, oppose: candidate.oppose, score: candidate.score, supporters: candidate.supporters };
}

describe('the worked example of docs/beliefs.md', () => {
  const subject = 'city:springfield';
  const predicate = 'population';

  /** Writes the example's records in log order; returns the database, the hashes and r's LSN. */
  async function example(t: TestContext) {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    await db.defineEpoch({ id: 1, name: 'census-2010', createdAt: 1 });
    await db.defineEpoch({ id: 2, name: 'census-2020', parent: 1, createdAt: 2 });
    const about = { subject, predicate, createdAt: 3 };
    const a1 = await db.assert({ ...about, object: 30000, source: 'census', epoch: 1 });
    const a2 = await db.assert({ ...about, object: 32000, source: 'wiki' });
    const a3 = await db.assert({ ...about, object: 30000, source: 'atlas', epoch: 2 });
    const a4 = await db.assert({ ...about, object: 35000, source: 'blog', epoch: 2 });
    await db.vote({ assertion: a2.hash, voter: 'ada', stance: 'oppose', weight: 1, createdAt: 10 }); // v1
    await db.vote({ assertion: a1.hash, voter: 'bob', stance: 'oppose', weight: 1, createdAt: 11 }); // v2
    await db.vote({ assertion: a1.hash, voter: 'atlas', stance: 'support', weight: 0.5, createdAt: 12 }); // v3
    await db.vote({ assertion: a2.hash, voter: 'ada', stance: 'support', weight: 2, createdAt: 9 }); // v4: dated earlier, logged later: ada's latest
    await db.vote({ assertion: a2.hash, voter: 'dan', stance: 'oppose', weight: 2, createdAt: 13, epoch: 2 }); // v6
    const r = await db.retract({ assertion: a4.hash, source: 'blog', createdAt: 14 });
    await db.vote({ assertion: a4.hash, voter: 'carl', stance: 'support', weight: 1, createdAt: 15 }); // v5
    return { db, a1: a1.hash, a2: a2.hash, a3: a3.hash, a4: a4.hash, rLsn: r.lsn };
  }

  /** Unscoped now (and in epoch 2, whose scope holds everything): the doc's first list. */
  function assertUnscopedNow(beliefs: Beliefs, a: { a1: string; a2: string; a3: string }): void {
    const pair = only(beliefs);
    assert.equal(pair.predicate, predicate);
    assert.deepEqual(pair.candidates.map((c) => c.object), [32000, 30000], 'a4 is retracted: two candidates, 32000 first');
    assert.deepEqual(numbers(pair.candidates[1]), { support: 1.5, oppose: 1, score: 0.5, supporters: 2 });
    assert.deepEqual(pair.candidates[1]!.assertions, [a.a1, a.a3]);
    assert.deepEqual(numbers(pair.candidates[0]), { support: 3, oppose: 2, score: 1, supporters: 2 });
    assert.deepEqual(pair.candidates[0]!.assertions, [a.a2]);
    assert.deepEqual(pair.best, pair.candidates[0]);
    assert.ok(Math.abs(pair.consensus - 3 / 6.5) < 1e-12, `consensus ${pair.consensus}`);
    assert.equal(pair.consensus.toFixed(4), '0.4615');
    assert.equal(pair.contested, true, "the second candidate's 0.5 is > 0 and >= half of 1");
  }

  test('unscoped, now: 32000 is best with consensus 0.4615 and the claim is contested', async (t) => {
    const { db, ...hashes } = await example(t);
    assertUnscopedNow(db.beliefs(subject), hashes); // records may still be pending
    await db.sync();
    assertUnscopedNow(db.beliefs(subject), hashes); // from the summaries
  });

  test('epoch 1: a3, a4 and v6 are out of scope; 32000 is best with consensus 0.667, not contested', async (t) => {
    const { db, a1, a2 } = await example(t);
    await db.sync();
    const pair = only(db.beliefs(subject, { epoch: 1 }));
    assert.deepEqual(pair.candidates.map((c) => c.object), [32000, 30000]);
    assert.deepEqual(numbers(pair.candidates[0]), { support: 3, oppose: 0, score: 3, supporters: 2 });
    assert.deepEqual(pair.candidates[0]!.assertions, [a2]);
    assert.deepEqual(numbers(pair.candidates[1]), { support: 1.5, oppose: 1, score: 0.5, supporters: 2 }, 'atlas counts as a voter only');
    assert.deepEqual(pair.candidates[1]!.assertions, [a1]);
    assert.deepEqual(pair.best, pair.candidates[0]);
    assert.ok(Math.abs(pair.consensus - 3 / 4.5) < 1e-12);
    assert.equal(pair.consensus.toFixed(3), '0.667');
    assert.equal(pair.contested, false, '0.5 < 1.5');
  });

  test('epoch 2: its scope {2, 1} holds everything, so it is the same as unscoped', async (t) => {
    const { db, ...hashes } = await example(t);
    await db.sync();
    assertUnscopedNow(db.beliefs(subject, { epoch: 2 }), hashes);
    assert.deepEqual(db.beliefs(subject, { epoch: 2 }).predicates, db.beliefs(subject).predicates);
  });

  test("as of r's LSN: 35000 is live, ties 32000 on score and loses on supporters; consensus 0.4, contested", async (t) => {
    const { db, a1, a2, a3, a4, rLsn } = await example(t);
    await db.sync();
    const beliefs = db.beliefs(subject, { asOf: rLsn });
    assert.equal(beliefs.atLsn, rLsn);
    const pair = only(beliefs);
    assert.deepEqual(pair.candidates.map((c) => c.object), [32000, 35000, 30000]);
    assert.deepEqual(pair.candidates.map((c) => c.assertions), [[a2], [a4], [a1, a3]]);
    assert.deepEqual(numbers(pair.candidates[0]), { support: 3, oppose: 2, score: 1, supporters: 2 });
    assert.deepEqual(numbers(pair.candidates[1]), { support: 1, oppose: 0, score: 1, supporters: 1 }, 'blog +1; carl (v5) not logged yet');
    assert.deepEqual(numbers(pair.candidates[2]), { support: 1.5, oppose: 1, score: 0.5, supporters: 2 });
    assert.ok(Math.abs(pair.consensus - 0.4) < 1e-12, `consensus ${pair.consensus}`);
    assert.equal(pair.contested, true, "35000's score 1 >= half of 1");
  });

  test('contested() lists the pair with consensus 0.4615; contested({ epoch: 1 }) lists nothing', async (t) => {
    const { db } = await example(t);
    for (const state of ['pending', 'ingested']) {
      if (state === 'ingested') await db.sync();
      const { items, cursor } = db.contested();
      assert.equal(cursor, undefined);
      assert.deepEqual(items.map(({ subject: s, predicate: p }) => [s, p]), [[subject, predicate]], state);
      assert.ok(Math.abs(items[0]!.consensus - 3 / 6.5) < 1e-12, state);
      assert.deepEqual(db.contested({ epoch: 1 }).items, [], state);
    }
  });

  test("the model test's reference implementation gives the same answers as the library", async (t) => {
    const { db, a1, a2, a3, a4, rLsn } = await example(t);
    await db.sync();
    // The example's records as the reference sees them, at the LSNs the library logged them at.
    const reference = new ReferenceLog();
    for (const entry of db.history(subject, { limit: 100 }).items) {
      const { record } = entry;
      if (record.type === 'assertion') reference.add({ ...record, lsn: entry.lsn, hash: entry.hash });
      if (record.type === 'vote') reference.add({ ...record, lsn: entry.lsn, hash: entry.hash });
      if (record.type === 'retraction') reference.add({ ...record, lsn: entry.lsn, hash: entry.hash });
    }
    for (const epoch of db.epochs()) reference.add({ type: 'epoch', id: epoch.id, ...(epoch.parent !== undefined && { parent: epoch.parent }), lsn: 0, hash: epoch.hash });
    assert.deepEqual(new Set(reference.records.filter((r) => r.type === 'assertion').map((r) => r.hash)), new Set([a1, a2, a3, a4]));
    const queries: Array<{ epoch?: number; asOf?: number }> = [{}, { epoch: 1 }, { epoch: 2 }, { asOf: rLsn }];
    for (const options of queries) {
      const expected = reference.beliefs(subject, { ...options, asOf: options.asOf ?? Number.POSITIVE_INFINITY });
      assertSame(db.beliefs(subject, options).predicates, expected, JSON.stringify(options));
    }
  });
});

describe('the rules, one at a time', () => {
  const subject = 'planet:pluto';
  const predicate = 'class';

  async function open(t: TestContext): Promise<StemeDB> {
    const db = await StemeDB.open(tempDir(t), { ...quiet, store: 'memory' });
    t.after(() => db.close());
    return db;
  }

  test("a source voting against its own assertion replaces its implicit support", async (t) => {
    const db = await open(t);
    const a = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
    assert.deepEqual(numbers(only(db.beliefs(subject)).best), { support: 1, oppose: 0, score: 1, supporters: 1 });
    await db.vote({ assertion: a.hash, voter: 'iau', stance: 'oppose', weight: 1, createdAt: 2 });
    await db.sync();
    const pair = only(db.beliefs(subject));
    assert.deepEqual(numbers(pair.candidates[0]), { support: 0, oppose: 1, score: -1, supporters: 0 }, 'no +1 left for the source');
    assert.equal(pair.best, null);
    assert.equal(pair.consensus, 0);
    assert.equal(pair.contested, false);
  });

  test('votes on a superseded assertion stop counting', async (t) => {
    const db = await open(t);
    const old = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
    await db.vote({ assertion: old.hash, voter: 'ada', stance: 'support', weight: 3, createdAt: 2 });
    await db.sync();
    assert.deepEqual(numbers(only(db.beliefs(subject)).best), { support: 4, oppose: 0, score: 4, supporters: 2 });
    const replacement = await db.assert({ subject, predicate, object: 'planet', source: 'iau', supersedes: old.hash, createdAt: 3 });
    await db.sync();
    const pair = only(db.beliefs(subject));
    assert.deepEqual(pair.candidates.map((c) => c.assertions), [[replacement.hash]], 'the same value, now from the replacement alone');
    assert.deepEqual(numbers(pair.best), { support: 1, oppose: 0, score: 1, supporters: 1 }, "ada's vote was on the superseded assertion");
  });

  test("a vote whose epoch is outside the query's scope does not count", async (t) => {
    const db = await open(t);
    await db.defineEpoch({ id: 1, name: 'before-2006', createdAt: 1 });
    await db.defineEpoch({ id: 2, name: 'after-2006', parent: 1, createdAt: 1 });
    const a = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
    await db.vote({ assertion: a.hash, voter: 'ada', stance: 'support', weight: 2, epoch: 2, createdAt: 2 });
    await db.sync();
    assert.equal(only(db.beliefs(subject, { epoch: 1 })).best?.support, 1, 'epoch 2 is not in the scope of epoch 1');
    assert.equal(only(db.beliefs(subject, { epoch: 2 })).best?.support, 3);
    assert.equal(only(db.beliefs(subject)).best?.support, 3, 'unscoped, every vote counts');
  });

  test('an epoch cycle (1 parent 2, 2 parent 1) ends the walk: both are in scope and the query returns', async (t) => {
    const db = await open(t);
    await db.defineEpoch({ id: 1, name: 'one', parent: 2, createdAt: 1 });
    await db.defineEpoch({ id: 2, name: 'two', parent: 1, createdAt: 1 });
    await db.defineEpoch({ id: 3, name: 'three', createdAt: 1 });
    await db.assert({ subject, predicate, object: 'planet', source: 'iau', epoch: 1, createdAt: 1 });
    await db.assert({ subject, predicate, object: 'dwarf', source: 'mpc', epoch: 2, createdAt: 1 });
    await db.assert({ subject, predicate, object: 'dwarf', source: 'jpl', epoch: 3, createdAt: 1 });
    await db.sync();
    for (const epoch of [1, 2]) {
      const pair = only(db.beliefs(subject, { epoch }));
      assert.deepEqual(pair.candidates.map((c) => [c.object, c.support]), [['planet', 1], ['dwarf', 1]], `epoch ${epoch}: epoch 3 is out of scope`);
      assert.deepEqual(db.contested({ epoch }).items.map((i) => i.predicate), [predicate], `a 1-1 tie is contested (epoch ${epoch})`);
    }
  });

  test('a parent that names no defined epoch ends the walk: records carrying that id are out of scope', async (t) => {
    const db = await open(t);
    await db.defineEpoch({ id: 1, name: 'one', parent: 99, createdAt: 1 }); // 99 is never defined
    await db.assert({ subject, predicate, object: 'planet', source: 'iau', epoch: 99, createdAt: 1 });
    await db.assert({ subject, predicate, object: 'dwarf', source: 'mpc', epoch: 1, createdAt: 1 });
    await db.sync();
    assert.deepEqual(only(db.beliefs(subject, { epoch: 1 })).candidates.map((c) => c.object), ['dwarf']);
    assert.deepEqual(only(db.beliefs(subject)).candidates.map((c) => c.object), ['planet', 'dwarf'], 'unscoped, both count');
  });

  test('a vote sent again keeps its first LSN: a later vote with the same createdAt stays the latest', async (t) => {
    const db = await open(t);
    const a = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
    const first = { assertion: a.hash, voter: 'ada', stance: 'support' as const, weight: 2, createdAt: 5 };
    await db.vote(first);
    await db.vote({ ...first, stance: 'oppose', weight: 1 }); // same createdAt, later LSN: ada's latest
    await db.vote(first); // the same bytes again: stored once, at its first LSN
    for (const state of ['pending', 'ingested']) {
      if (state === 'ingested') await db.sync();
      assert.deepEqual(numbers(only(db.beliefs(subject)).candidates[0]), { support: 1, oppose: 1, score: 0, supporters: 1 }, state);
    }
  });

  test('records not yet ingested are reflected at once in beliefs() and contested()', async (t) => {
    const db = await open(t);
    const a = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
    await db.sync();
    assert.equal(only(db.beliefs(subject)).contested, false);
    await db.pauseIngest();
    await db.vote({ assertion: a.hash, voter: 'mike', stance: 'oppose', weight: 1, createdAt: 2 });
    const b = await db.assert({ subject, predicate, object: 'dwarf', source: 'mpc', createdAt: 3 });
    assert.ok(db.stats().ingest.lagRecords >= 2, 'the vote and the assertion are still pending');
    const pending = only(db.beliefs(subject));
    assert.deepEqual(pending.candidates.map((c) => [c.object, c.score]), [['dwarf', 1], ['planet', 0]], 'the summary of "planet" alone is stale');
    assert.deepEqual(pending.best?.assertions, [b.hash]);
    assert.equal(pending.contested, false, 'planet has score 0');
    await db.vote({ assertion: a.hash, voter: 'ada', stance: 'support', weight: 1, createdAt: 4 });
    assert.equal(only(db.beliefs(subject)).contested, true, 'planet 1, dwarf 1');
    const contested = db.contested().items;
    assert.deepEqual(contested.map((i) => [i.subject, i.predicate]), [[subject, predicate]]);
    const before = db.beliefs(subject).predicates;
    db.resumeIngest();
    await db.sync();
    assert.equal(db.stats().ingest.lagRecords, 0);
    assert.deepEqual(db.beliefs(subject).predicates, before, 'the same answers once ingested');
    assert.deepEqual(db.contested().items, contested);
  });

  test('an unknown epoch is UNKNOWN_EPOCH; an asOf outside the log is INVALID_QUERY', async (t) => {
    const db = await open(t);
    await db.defineEpoch({ id: 1, name: 'one', createdAt: 1 });
    await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
    assert.throws(() => db.beliefs(subject, { epoch: 7 }), code('UNKNOWN_EPOCH'));
    assert.throws(() => db.contested({ epoch: 7 }), code('UNKNOWN_EPOCH'));
    const end = db.beliefs(subject).atLsn;
    assert.deepEqual(db.beliefs(subject, { asOf: end }).predicates, db.beliefs(subject).predicates, 'asOf may be the end of the log');
    assert.deepEqual(db.beliefs(subject, { asOf: 0 }).predicates, [], 'or 0: nothing logged before it');
    for (const asOf of [end + 1, -1, 1.5]) assert.throws(() => db.beliefs(subject, { asOf }), code('INVALID_QUERY'), `asOf ${asOf}`);
  });
});
