// The bounds of what is believed, one behaviour per test (docs/beliefs.md): sums are finite and
// exact (a weight's range, the clamp of older votes, extremes summed to the bit, in any order),
// log order decides a voter's latest vote (createdAt may be at most five minutes ahead of the
// clock), a large pair kept in the indexed form answers as the rules say (a retraction falls
// back to a voter's earlier vote, a tie goes to the earlier *live* assertion), verify finds a
// damaged indexed entry, and answers are paged by predicate with their candidates capped.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { StemeDB, StemeError, type Beliefs, type PredicateBeliefs, type StemeDBOptions } from '../../src/index.js';
import { decodePairHead, pairKey, rankPrefix } from '../../src/layout/index.js';
import { beliefsAssertionsListedMax, createdAtSkewMsMax, voteWeightMax, voteWeightMin } from '../../src/limits.js';
import { encodeRecord, validateRecord, type Hash, type StemeRecord } from '../../src/records/index.js';
import { LmdbStore } from '../../src/storage/index.js';
import { Wal } from '../../src/wal/index.js';
import { tempDir } from '../support/temp-dir.js';

const quiet = { log: (): void => undefined };
const subject = 'planet:pluto';
const predicate = 'class';
/** The two forms of a pair's state: inline (the default for small pairs) and indexed (every pair, here). */
const forms: Array<[string, StemeDBOptions]> = [
  ['inline', {}],
  ['indexed', { pairInlineInputsMax: 0 }],
];

function code(expected: string) {
  return (error: unknown): boolean => error instanceof StemeError && error.code === expected;
}

function only(beliefs: Beliefs): PredicateBeliefs {
  assert.equal(beliefs.predicates.length, 1, JSON.stringify(beliefs));
  return beliefs.predicates[0]!;
}

/** A weight as the rules count it: clamped into the range, in units of 2^-72 (exact). */
const units = (weight: number): bigint => BigInt(Math.min(Math.max(weight, voteWeightMin), voteWeightMax) * 2 ** 72);
const rounded = (sum: bigint): number => Number(sum) / 2 ** 72;

async function open(t: TestContext, options: StemeDBOptions, dir = tempDir(t)): Promise<StemeDB> {
  const db = await StemeDB.open(dir, { ...quiet, ...options });
  t.after(() => db.close());
  return db;
}

for (const [form, options] of forms) {
  describe(`finite and exact sums (${form} pairs)`, () => {
    test('votes an older version logged with weight 1e308 count as 1e6: the tally and the beliefs stay finite', async (t) => {
      const dir = tempDir(t);
      const first = await StemeDB.open(dir, { ...quiet, ...options });
      const claim = await first.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
      await first.close();
      // Written straight to the WAL, as an older version (which accepted any finite weight > 0) did.
      const wal = await Wal.open({ dir: path.join(dir, 'wal'), log: () => undefined });
      const logged = (voter: string, stance: string, weight: number): Uint8Array =>
        encodeRecord({ ...validateRecord({ type: 'vote', assertion: claim.hash, voter, stance, createdAt: 2 }), weight } as StemeRecord);
      await wal.appendBatch([logged('ada', 'support', 1e308), logged('bob', 'support', 1e308), logged('cy', 'support', 1e308), logged('dee', 'oppose', Number.MIN_VALUE)]);
      await wal.close();
      const db = await open(t, options, dir);
      assert.deepEqual(db.votesFor(claim.hash).map((v) => v.weight), [1e308, 1e308, 1e308, Number.MIN_VALUE], 'stored as logged');
      const tally = db.tally(claim.hash);
      assert.deepEqual([tally.support, tally.oppose, tally.voters], [3e6, voteWeightMin, 4]);
      assert.equal(tally.score, rounded(3n * units(1e6) - units(voteWeightMin)));
      const pair = only(db.beliefs(subject));
      assert.equal(pair.best?.support, rounded(units(1) + 3n * units(1e6)));
      assert.equal(pair.best?.oppose, voteWeightMin);
      assert.ok(Number.isFinite(pair.consensus) && pair.consensus > 0 && pair.consensus <= 1, String(pair.consensus));
      assert.deepEqual((await db.verify()).problems, []);
    });

    test('the extremes: 3,000 votes of 1e6 and 3,000 of 1e-6 on one assertion sum exactly, in the tally and the beliefs, and equal a rebuild to the bit', async (t) => {
      const db = await open(t, options);
      const claim = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
      const votes = Array.from({ length: 6000 }, (_, i) => ({
        type: 'vote', assertion: claim.hash, voter: `v${i}`, stance: i % 3 === 2 ? 'oppose' : 'support', weight: i % 2 === 0 ? voteWeightMax : voteWeightMin, createdAt: 2,
      }));
      await db.appendBatch(votes.slice(0, 3000));
      await db.appendBatch(votes.slice(3000));
      await db.sync();
      let support = units(1);
      let oppose = 0n;
      for (const v of votes) if (v.stance === 'support') support += units(v.weight);
      else oppose += units(v.weight);
      const pair = only(db.beliefs(subject));
      assert.deepEqual([pair.best?.support, pair.best?.oppose, pair.best?.score], [rounded(support), rounded(oppose), rounded(support - oppose)]);
      const tally = db.tally(claim.hash);
      assert.deepEqual([tally.support, tally.oppose], [rounded(support - units(1)), rounded(oppose)]);
      const answer = db.beliefs(subject);
      await db.rebuild();
      assert.deepEqual(db.beliefs(subject).predicates, answer.predicates, 'ingested one batch at a time or replayed: the same bits');
    });

    test('sums do not depend on the order of the votes: 0.1, 0.2 and 1e6 in any order give the same bits', async (t) => {
      const weights = [0.1, 0.2, 1e6, 0.3, 1e-6];
      const orders = [weights, [...weights].reverse(), [1e6, 0.3, 0.1, 1e-6, 0.2]];
      const answers: unknown[] = [];
      for (const order of orders) {
        const db = await StemeDB.open(tempDir(t), { ...quiet, ...options, store: 'memory' });
        const claim = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
        for (const weight of order) await db.vote({ assertion: claim.hash, voter: `w${weight}`, stance: 'support', weight, createdAt: 2 });
        await db.sync();
        answers.push(only(db.beliefs(subject)).best?.support);
        await db.close();
      }
      const exact = rounded(weights.reduce((sum, w) => sum + units(w), units(1)));
      assert.deepEqual(answers, [exact, exact, exact]);
    });

    test("the doc's numbers: votes of 0.1, 0.2 and 0.3 tally 0.6 in either order (f64 additions give 0.6000000000000001 one way)", async (t) => {
      assert.notEqual(0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1, 'the f64 sums differ');
      for (const order of [[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]]) {
        const db = await StemeDB.open(tempDir(t), { ...quiet, ...options, store: 'memory' });
        const claim = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
        await db.appendBatch(order.map((weight) => ({ type: 'vote', assertion: claim.hash, voter: `w${weight}`, stance: 'support', weight, createdAt: 2 })));
        assert.equal(db.tally(claim.hash).support, 0.6, String(order));
        await db.close();
      }
    });
  });

  describe(`log order decides (${form} pairs)`, () => {
    test('a vote dated ahead (within the allowed skew) and logged first is replaced by the voter\'s next vote', async (t) => {
      const db = await open(t, options);
      const claim = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
      await db.vote({ assertion: claim.hash, voter: 'ada', stance: 'support', weight: 5, createdAt: Date.now() + createdAtSkewMsMax / 2 });
      await db.vote({ assertion: claim.hash, voter: 'ada', stance: 'oppose', weight: 1, createdAt: 1 });
      for (const state of ['pending', 'ingested']) {
        if (state === 'ingested') await db.sync();
        const best = only(db.beliefs(subject)).candidates[0]!;
        assert.deepEqual([best.support, best.oppose], [1, 1], state);
        assert.deepEqual([db.tally(claim.hash).support, db.tally(claim.hash).oppose], [0, 1], state);
      }
    });

    test('a retraction falls back to the voter\'s latest vote on the value\'s other live assertions', async (t) => {
      const db = await open(t, options);
      const a1 = await db.assert({ subject, predicate, object: 'planet', source: 's1', createdAt: 1 });
      const a2 = await db.assert({ subject, predicate, object: 'planet', source: 's2', createdAt: 1 });
      await db.vote({ assertion: a1.hash, voter: 'ada', stance: 'support', weight: 2, createdAt: 2 });
      await db.vote({ assertion: a2.hash, voter: 'ada', stance: 'oppose', weight: 3, createdAt: 3 });
      await db.sync();
      const before = only(db.beliefs(subject)).candidates[0]!;
      assert.deepEqual([before.support, before.oppose, before.supporters], [2, 3, 2], "ada's latest on the value: oppose 3");
      await db.retract({ assertion: a2.hash, source: 's2', createdAt: 4 });
      await db.sync();
      const after = only(db.beliefs(subject)).candidates[0]!;
      assert.deepEqual([after.support, after.oppose, after.supporters, after.assertions], [3, 0, 2, [a1.hash]], 'back to her support of a1');
      assert.deepEqual((await db.verify()).problems, []);
    });

    test('a tie goes to the value whose first live assertion was logged first, once its earlier one is retracted', async (t) => {
      const db = await open(t, options);
      const x1 = await db.assert({ subject, predicate, object: 'planet', source: 's1', createdAt: 1 });
      await db.assert({ subject, predicate, object: 'dwarf', source: 's2', createdAt: 1 });
      await db.assert({ subject, predicate, object: 'planet', source: 's1', createdAt: 2 });
      await db.sync();
      assert.deepEqual(only(db.beliefs(subject)).candidates.map((c) => c.object), ['planet', 'dwarf'], 'tied: planet was asserted first');
      await db.retract({ assertion: x1.hash, source: 's1', createdAt: 3 });
      await db.sync();
      assert.deepEqual(only(db.beliefs(subject)).candidates.map((c) => c.object), ['dwarf', 'planet'], "planet's first live assertion is now its second");
    });
  });
}

describe('writes that bound the sums and the dates', () => {
  test('a weight outside [1e-6, 1e6] is INVALID_RECORD at the write, and nothing is logged', async (t) => {
    const db = await open(t, { store: 'memory' });
    const claim = await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
    const end = db.stats().wal.endLsn;
    for (const weight of [1e308, 1.5e6, 9e-7, Number.MIN_VALUE]) {
      await assert.rejects(db.vote({ assertion: claim.hash, voter: 'ada', stance: 'support', weight, createdAt: 2 }), (e) => code('INVALID_RECORD')(e) && (e as { path?: string }).path === 'weight');
    }
    assert.equal(db.stats().wal.endLsn, end);
    for (const weight of [voteWeightMin, voteWeightMax]) await db.vote({ assertion: claim.hash, voter: `at-${weight}`, stance: 'support', weight, createdAt: 2 });
  });

  test('a createdAt more than five minutes ahead of the clock is CREATED_AT_IN_FUTURE, naming the record in a batch; nothing is logged', async (t) => {
    const db = await open(t, { store: 'memory' });
    const end = db.stats().wal.endLsn;
    const ahead = Date.now() + createdAtSkewMsMax + 60_000;
    await assert.rejects(db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: ahead }), (e) => code('CREATED_AT_IN_FUTURE')(e) && (e as { path?: string }).path === 'createdAt');
    await assert.rejects(db.defineEpoch({ id: 1, name: 'later', createdAt: ahead }), code('CREATED_AT_IN_FUTURE'));
    await assert.rejects(
      db.appendBatch([
        { type: 'assertion', subject, predicate, object: 'planet', source: 'iau', createdAt: 1 },
        { type: 'assertion', subject, predicate, object: 'dwarf', source: 'iau', createdAt: 8.64e15 },
      ]),
      (e) => code('CREATED_AT_IN_FUTURE')(e) && (e as { path?: string }).path === '[1].createdAt',
    );
    assert.equal(db.stats().wal.endLsn, end, 'nothing logged, not even the batch\'s first record');
    await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: Date.now() + createdAtSkewMsMax - 60_000 });
  });
});

describe('a damaged indexed pair', () => {
  test('verify reports a candidate whose rank entry is missing', async (t) => {
    const dir = tempDir(t);
    const db = await StemeDB.open(dir, { ...quiet, pairInlineInputsMax: 0 });
    await db.assert({ subject, predicate, object: 'planet', source: 'iau', createdAt: 1 });
    await db.close();
    const store = await LmdbStore.open({ path: path.join(dir, 'kv') });
    const head = decodePairHead(store.get(pairKey('summary', subject, predicate))!);
    const [rank] = [...store.scanPrefix(rankPrefix(head.id))];
    await store.del(rank!.key);
    await store.close();
    const reopened = await open(t, { pairInlineInputsMax: 0 }, dir);
    const report = await reopened.verify();
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => /not ranked under the key its sums give/.test(p.message)), JSON.stringify(report.problems));
    assert.ok(report.problems.some((p) => /rank: 0, the head counts 1/.test(p.message)), JSON.stringify(report.problems));
    await reopened.rebuild();
    assert.deepEqual((await reopened.verify()).problems, [], 'rebuild recreates the state from the WAL');
  });
});

describe('bounded answers: beliefs is paged by predicate and lists a bounded number of candidates', () => {
  test('250 predicates in pages of 100: each once, a cursor until the last page; pending writes are merged in order', async (t) => {
    const db = await open(t, {});
    const many = 'city:many';
    await db.appendBatch(Array.from({ length: 200 }, (_, i) => ({ type: 'assertion', subject: many, predicate: `p${i}`, object: i, source: 'one', createdAt: 1 })));
    await db.sync();
    await db.pauseIngest();
    await db.appendBatch(Array.from({ length: 50 }, (_, i) => ({ type: 'assertion', subject: many, predicate: `q${i}`, object: i, source: 'one', createdAt: 1 })));
    for (const query of [{}, { asOf: db.stats().wal.endLsn }]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = db.beliefs(many, { ...query, ...(cursor !== undefined && { cursor }) });
        assert.ok(page.predicates.length <= 100);
        seen.push(...page.predicates.map((p) => p.predicate));
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== undefined);
      assert.equal(pages, 3, JSON.stringify(query));
      assert.equal(new Set(seen).size, 250, `${JSON.stringify(query)}: every predicate once`);
    }
    db.resumeIngest();
  });

  test('candidates are capped (candidateCount counts them all), and so are a candidate\'s assertions (assertionCount)', async (t) => {
    const db = await open(t, {});
    const claims = await db.appendBatch([
      ...Array.from({ length: 30 }, (_, i) => ({ type: 'assertion', subject, predicate, object: `value ${i}`, source: `s${i}`, createdAt: 1 })),
      ...Array.from({ length: 15 }, (_, i) => ({ type: 'assertion', subject, predicate, object: 'value 0', source: `extra${i}`, createdAt: 1 })),
    ]);
    for (const state of ['pending', 'ingested']) {
      if (state === 'ingested') await db.sync();
      const pair = only(db.beliefs(subject, { candidates: 3 }));
      assert.equal(pair.candidates.length, 3, state);
      assert.equal(pair.candidateCount, 30, state);
      const best = pair.best!;
      assert.equal(best.object, 'value 0');
      assert.equal(best.assertionCount, 16);
      assert.deepEqual(best.assertions, [claims[0]!.hash, ...claims.slice(30, 30 + beliefsAssertionsListedMax - 1).map((c) => c.hash as Hash)], `${state}: the first in log order`);
      assert.equal(only(db.beliefs(subject)).candidates.length, 10, 'ten by default');
    }
  });

  test('a limit, a candidates count or their product out of range is INVALID_ARGUMENT; a cursor of other parameters is INVALID_CURSOR', async (t) => {
    const db = await open(t, { store: 'memory' });
    await db.appendBatch(Array.from({ length: 3 }, (_, i) => ({ type: 'assertion', subject, predicate: `p${i}`, object: i, source: 'one', createdAt: 1 })));
    for (const options of [{ limit: 0 }, { limit: 1001 }, { limit: 1.5 }, { candidates: 0 }, { candidates: 101 }, { limit: 1000, candidates: 11 }]) {
      assert.throws(() => db.beliefs(subject, options), code('INVALID_ARGUMENT'), JSON.stringify(options));
    }
    const { cursor } = db.beliefs(subject, { limit: 1 });
    assert.ok(cursor !== undefined);
    assert.equal(db.beliefs(subject, { limit: 1, cursor }).predicates.length, 1, 'the next page, with a limit of its own');
    assert.throws(() => db.beliefs(subject, { limit: 1, cursor, candidates: 2 }), code('INVALID_CURSOR'));
    assert.throws(() => db.beliefs('another', { cursor }), code('INVALID_CURSOR'));
    assert.throws(() => db.beliefs(subject, { cursor: 'not-a-cursor!' }), code('INVALID_CURSOR'));
  });
});
