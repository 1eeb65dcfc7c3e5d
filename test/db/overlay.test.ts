// Read-your-writes through the overlay: with the ingestor held still, every query already
// sees what was written, merged with what LMDB holds; once ingest catches up the answers are
// the same, now from LMDB alone. And the overlay's bound turns into backpressure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { StemeDB } from '../../src/index.js';
import { overlayRecordsMax } from '../../src/limits.js';
import { tempDir } from '../support/temp-dir.js';
import { assertionInput, votesOnly } from './fixtures/records.js';

const quiet = { log: () => undefined };

interface Paused {
  ingestor: { stop(): Promise<void>; start(): void; checkpoint: number };
}

/** Stops the database's ingestor: writes then stay in the overlay until `resume`. */
async function pause(db: StemeDB): Promise<() => Promise<void>> {
  const { ingestor } = db as unknown as Paused;
  await ingestor.stop();
  return async () => {
    ingestor.start();
    await db.sync();
  };
}

/** Everything the queries answer about `subjects` and `hashes`, for before/after comparison. */
function snapshot(db: StemeDB, subjects: string[], hashes: string[]) {
  return {
    subjects: subjects.map((s) => db.assertionsAbout(s, { limit: 1000 }).items.map((a) => a.hash)),
    records: hashes.map((h) => db.get(h)),
    views: hashes.map((h) => db.getView(h)?.type),
    votes: hashes.map((h) => (db.get(h)?.type === 'assertion' ? db.votesFor(h).map((v) => v.hash) : [])),
    tallies: hashes.map((h) => (db.get(h)?.type === 'assertion' ? votesOnly(db.tally(h)) : undefined)),
    epochs: db.epochs().map((e) => e.hash),
    counts: db.stats().records,
    exported: [...db.export()].map((r) => r.hash).sort(), // within a kind, pending records come last
  };
}

test('writes are queryable before they are ingested, merged with ingested ones, and the same after', async (t) => {
  const db = await StemeDB.open(tempDir(t), quiet);
  const ingested = await db.appendBatch([
    { type: 'epoch', id: 1, name: 'one', createdAt: 1 },
    ...Array.from({ length: 10 }, (_, i) => ({ type: 'assertion', ...assertionInput(i, 'shared') })),
  ]);
  const resume = await pause(db);
  const checkpoint = (db as unknown as Paused).ingestor.checkpoint;

  const epoch = await db.defineEpoch({ id: 2, name: 'two', parent: 1, createdAt: 2 });
  const pending = await db.appendBatch(Array.from({ length: 10 }, (_, i) => ({ type: 'assertion', ...assertionInput(100 + i, 'shared') })));
  const lone = await db.assert(assertionInput(200, 'only-pending'));
  const onIngested = await db.vote({ assertion: ingested[1]!.hash, voter: 'ada', stance: 'oppose', createdAt: 5 });
  const onPending = await db.vote({ assertion: lone.hash, voter: 'bob', stance: 'support', weight: 3, createdAt: 6 });
  const again = await db.vote({ assertion: lone.hash, voter: 'bob', stance: 'oppose', createdAt: 7 });
  assert.equal((db as unknown as Paused).ingestor.checkpoint, checkpoint, 'nothing was ingested meanwhile');

  const shared = db.assertionsAbout('shared', { limit: 1000 }).items.map((a) => a.hash).sort();
  assert.deepEqual(shared, [...ingested.slice(1), ...pending].map((r) => r.hash).sort());
  assert.deepEqual(db.assertionsAbout('only-pending').items.map((a) => a.hash), [lone.hash]);
  assert.equal(db.get(pending[3]!.hash)?.type, 'assertion');
  assert.equal(db.getView(onPending.hash)?.type, 'vote');
  assert.deepEqual(db.votesFor(ingested[1]!.hash).map((v) => v.hash), [onIngested.hash]);
  assert.deepEqual(votesOnly(db.tally(lone.hash)), { support: 0, oppose: 1, score: -1, voters: 1 });
  assert.deepEqual(db.epochs().map((e) => e.id), [1, 2]);
  assert.equal(db.epoch(2)?.hash, epoch.hash);
  assert.deepEqual(db.stats().records, { assertions: 21, votes: 3, epochs: 2, retractions: 0 });
  // Re-sending stored and pending records logs them again but counts nothing twice.
  await db.assert(assertionInput(3, 'shared'));
  await db.assert(assertionInput(200, 'only-pending'));
  assert.deepEqual(db.stats().records, { assertions: 21, votes: 3, epochs: 2, retractions: 0 });
  const exported = [...db.export()].map((r) => r.hash);
  assert.equal(exported.length, 26);
  assert.ok(exported.indexOf(lone.hash) < exported.indexOf(again.hash), 'an assertion is exported before its votes');

  // The checks see pending records too: a conflicting epoch, an identical one, a vote.
  await assert.rejects(db.defineEpoch({ id: 2, name: 'other' }), { code: 'EPOCH_CONFLICT' });
  assert.deepEqual(await db.defineEpoch({ id: 2, name: 'two', parent: 1, createdAt: 99 }), epoch);

  const hashes = [...ingested, ...pending, lone, onIngested, onPending, again, epoch].map((r) => r.hash);
  const before = snapshot(db, ['shared', 'only-pending'], hashes);
  await resume();
  assert.deepEqual(snapshot(db, ['shared', 'only-pending'], hashes), before);
  await db.close();
});

test('pages over a subject merge ingested and pending assertions without gaps or repeats', async (t) => {
  const db = await StemeDB.open(tempDir(t), { ...quiet, store: 'memory' });
  const { ingestor } = db as unknown as Paused;
  let running = true;
  const setIngesting = async (on: boolean): Promise<void> => {
    if (on === running) return;
    if (on) ingestor.start();
    else await ingestor.stop();
    running = on;
  };
  let next = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (pendingFlags, limit) => {
      const subject = `s${next}`;
      const expected: string[] = [];
      for (const pending of pendingFlags) {
        await setIngesting(!pending);
        const { hash } = await db.assert(assertionInput(next++, subject));
        if (!pending) await db.sync();
        expected.push(hash);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = db.assertionsAbout(subject, { limit, ...(cursor !== undefined && { cursor }) });
        assert.ok(page.items.length <= limit);
        seen.push(...page.items.map((a) => a.hash));
        cursor = page.cursor;
      } while (cursor !== undefined);
      assert.equal(new Set(seen).size, seen.length, 'no assertion on two pages');
      assert.deepEqual([...seen].sort(), expected.sort());
      await setIngesting(true);
      await db.sync();
    }),
    { numRuns: 40 },
  );
  await db.close();
});

test('a full overlay makes writes wait for ingest instead of growing', async (t) => {
  const db = await StemeDB.open(tempDir(t), { ...quiet, store: 'memory' });
  const resume = await pause(db);
  const records = Array.from({ length: overlayRecordsMax + 1 }, (_, i) => ({ type: 'assertion', ...assertionInput(i) }));
  let resolved = false;
  const write = db.appendBatch(records).then((results) => {
    resolved = true;
    return results;
  });
  // Durable and queryable already, but held back until ingest catches up.
  const last = StemeDB.hashOf(records[records.length - 1]);
  while (db.get(last) === undefined) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(resolved, false);
  await resume();
  assert.equal((await write).length, overlayRecordsMax + 1);
  await db.close();
});

test("a pending record a query returns is the caller's own: changing it changes no later answer", async (t) => {
  const db = await StemeDB.open(tempDir(t), quiet);
  const resume = await pause(db);
  const input = { ...assertionInput(1), object: { tags: ['a'], n: 1 } };
  const { hash } = await db.assert(input);
  const vote = await db.vote({ assertion: hash, voter: 'v', stance: 'support', weight: 2, createdAt: 5 });
  input.object.tags.push('changed by the writer');
  const mutate = (value: unknown): void => {
    const record = value as { object?: { tags: string[] }; weight?: number };
    record.object?.tags.push('changed by a reader');
    if (record.weight !== undefined) record.weight = 100;
  };
  mutate(db.assertionsAbout(input.subject).items[0]);
  mutate(db.get(hash));
  mutate(db.votesFor(hash)[0]);
  mutate(db.get(vote.hash));
  for (const answer of [db.assertionsAbout(input.subject).items[0], db.get(hash)]) {
    assert.deepEqual((answer as { object: unknown }).object, { n: 1, tags: ['a'] });
  }
  assert.deepEqual(db.votesFor(hash).map((v) => v.weight), [2]);
  assert.equal(db.tally(hash).support, 2);
  await resume();
  assert.deepEqual((db.get(hash) as { object: unknown }).object, { n: 1, tags: ['a'] });
  await db.close();
});
