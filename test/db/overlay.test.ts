// Read-your-writes through the overlay: with ingest paused (pauseIngest), every query already
// sees what was written, merged with what LMDB holds; once ingest catches up the answers are
// the same, now from LMDB alone. And the overlay's bound turns into backpressure.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { StemeDB } from '../../src/index.js';
import { readCheckpoint } from '../../src/layout/index.js';
import { overlayRecordsMax } from '../../src/limits.js';
import { LmdbStore } from '../../src/storage/index.js';
import { fcParams } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';
import { assertionInput, votesOnly } from './fixtures/records.js';

const quiet = { log: () => undefined };

/** Resumes ingest and waits until it has caught up: the overlay is empty again. */
async function resume(db: StemeDB): Promise<void> {
  db.resumeIngest();
  await db.sync();
}

/** Lets every promise continuation that is ready run (they all run before an immediate). */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
  await db.pauseIngest();
  const checkpoint = db.stats().ingest.checkpointLsn;

  const epoch = await db.defineEpoch({ id: 2, name: 'two', parent: 1, createdAt: 2 });
  const pending = await db.appendBatch(Array.from({ length: 10 }, (_, i) => ({ type: 'assertion', ...assertionInput(100 + i, 'shared') })));
  const lone = await db.assert(assertionInput(200, 'only-pending'));
  const onIngested = await db.vote({ assertion: ingested[1]!.hash, voter: 'ada', stance: 'oppose', createdAt: 5 });
  const onPending = await db.vote({ assertion: lone.hash, voter: 'bob', stance: 'support', weight: 3, createdAt: 6 });
  const again = await db.vote({ assertion: lone.hash, voter: 'bob', stance: 'oppose', createdAt: 7 });
  assert.equal(db.stats().ingest.checkpointLsn, checkpoint, 'nothing was ingested meanwhile');

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
  await resume(db);
  assert.deepEqual(snapshot(db, ['shared', 'only-pending'], hashes), before);
  await db.close();
});

test('pages over a subject merge ingested and pending assertions without gaps or repeats', async (t) => {
  const db = await StemeDB.open(tempDir(t), { ...quiet, store: 'memory' });
  const setIngesting = async (on: boolean): Promise<void> => {
    if (on) db.resumeIngest();
    else await db.pauseIngest();
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
    fcParams({ numRuns: 40 }),
  );
  await db.close();
});

test('a full overlay makes writes wait for ingest instead of growing', async (t) => {
  const db = await StemeDB.open(tempDir(t), { ...quiet, store: 'memory' });
  await db.pauseIngest();
  const records = Array.from({ length: overlayRecordsMax }, (_, i) => ({ type: 'assertion', ...assertionInput(i) }));
  await db.appendBatch(records); // fills the overlay up to its bound: still taken at once
  let resolved = false;
  const write = db.assert(assertionInput(overlayRecordsMax)).then((result) => {
    resolved = true;
    return result;
  });
  // A {visible: false} write skips the overlay and resolves once durable. Logged after `write`,
  // so once it resolves `write` is durable too and has put its record in the overlay.
  await db.assert(assertionInput(overlayRecordsMax + 1), { visible: false });
  await settled();
  // Durable and queryable already, but held back until ingest catches up.
  assert.equal(db.get(StemeDB.hashOf({ type: 'assertion', ...assertionInput(overlayRecordsMax) }))?.type, 'assertion');
  assert.equal(resolved, false);
  db.resumeIngest();
  assert.ok((await write).lsn > 0, 'the write resolves once ingest has caught up');
  await db.close();
});

test('pauseIngest holds ingest at a batch boundary until resumeIngest, and close resumes it', async (t) => {
  const dir = tempDir(t);
  const db = await StemeDB.open(dir, quiet);
  await db.pauseIngest();
  await db.pauseIngest(); // pausing twice is pausing once
  const { hash } = await db.assert(assertionInput(1));
  assert.equal(db.get(hash)?.type, 'assertion', 'a write while paused is visible at once');
  assert.equal(db.stats().ingest.checkpointLsn, 0, 'but not ingested');
  let synced = false;
  const sync = db.sync().then(() => (synced = true));
  await settled();
  assert.equal(synced, false, 'sync waits while ingest is paused');
  db.resumeIngest();
  await sync;
  assert.equal(db.stats().ingest.lagBytes, 0);
  db.resumeIngest(); // resuming what runs changes nothing

  await db.pauseIngest();
  await db.assert(assertionInput(2));
  const { endLsn } = db.stats().wal;
  assert.ok(db.stats().ingest.checkpointLsn < endLsn);
  await db.close(); // resumes ingest: the KV store holds every record when it resolves
  const store = await LmdbStore.open({ path: path.join(dir, 'kv') });
  assert.equal(readCheckpoint(store), endLsn);
  await store.close();
});

test('rebuild resumes a paused ingest, and a pause asked for during the rebuild waits for it', async (t) => {
  const db = await StemeDB.open(tempDir(t), quiet);
  await db.appendBatch(Array.from({ length: 200 }, (_, i) => ({ type: 'assertion', ...assertionInput(i) })));
  await db.pauseIngest();
  const rebuilt = db.rebuild();
  const paused = db.pauseIngest();
  await rebuilt;
  await paused;
  assert.equal(db.stats().records.assertions, 200, 'the rebuild re-ingested everything before the pause took hold');
  const { hash, lsn } = await db.assert(assertionInput(500));
  assert.equal(db.stats().ingest.checkpointLsn, lsn, 'the pause took hold after the rebuild');
  assert.equal(db.get(hash)?.type, 'assertion');
  db.resumeIngest();
  await db.sync();
  assert.equal(db.stats().ingest.lagBytes, 0);
  await db.close();
});

test('pauseIngest and resumeIngest after close are refused with CLOSED', async (t) => {
  const db = await StemeDB.open(tempDir(t), quiet);
  await db.pauseIngest();
  await db.close();
  await assert.rejects(db.pauseIngest(), { code: 'CLOSED' });
  assert.throws(() => db.resumeIngest(), { code: 'CLOSED' });
});

test("a pending record a query returns is the caller's own: changing it changes no later answer", async (t) => {
  const db = await StemeDB.open(tempDir(t), quiet);
  await db.pauseIngest();
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
  await resume(db);
  assert.deepEqual((db.get(hash) as { object: unknown }).object, { n: 1, tags: ['a'] });
  await db.close();
});
