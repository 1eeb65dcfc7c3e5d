// The facade end to end on real LMDB: writes, queries, tallies, conflicts, visibility,
// the lock, and the invariants that make the WAL the truth (replay and rebuild).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StemeDB, StemeError } from '../../src/index.js';
import { LmdbStore } from '../../src/storage/index.js';
import { metaKey } from '../../src/layout/index.js';
import { Wal } from '../../src/wal/index.js';
import { dumpKv } from '../support/kv-dump.js';
import { tempDir } from '../support/temp-dir.js';
import { assertionInput, votesOnly } from './fixtures/records.js';

const quiet = { log: () => undefined };

function code(expected: string) {
  return (error: unknown): boolean => error instanceof StemeError && error.code === expected;
}

describe('writing and reading records', () => {
  test('an assertion is queryable by hash and by subject as soon as assert resolves', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const { hash, lsn } = await db.assert({ subject: 'water', predicate: 'boils-at', object: { celsius: 100 }, source: 'physics' });
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.ok(lsn > 0);
    const record = db.get(hash);
    assert.equal(record?.type, 'assertion');
    assert.deepEqual(db.assertionsAbout('water').items.map((a) => a.hash), [hash]);
    await db.close();
  });

  test('a vote is listed and tallied', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const { hash } = await db.assert(assertionInput(1));
    const vote = await db.vote({ assertion: hash, voter: 'ada', stance: 'support', weight: 2 });
    assert.deepEqual(db.votesFor(hash).map((v) => v.hash), [vote.hash]);
    assert.equal(db.get(vote.hash)?.type, 'vote');
    assert.deepEqual(votesOnly(db.tally(hash)), { support: 2, oppose: 0, score: 2, voters: 1 });
    await db.close();
  });

  test('an epoch is listed and found by id', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    await db.defineEpoch({ id: 7, name: 'Newtonian' });
    await db.defineEpoch({ id: 2, name: 'Aristotelian', description: 'before Galileo' });
    assert.deepEqual(db.epochs().map((e) => e.id), [2, 7], 'epochs list in numeric order');
    assert.equal(db.epoch(7)?.name, 'Newtonian');
    assert.equal(db.epoch(99), undefined);
    await db.close();
  });

  test('many records in batches are all counted and indexed', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    for (let i = 0; i < 5000; i += 500) {
      await db.appendBatch(Array.from({ length: 500 }, (_, j) => ({ type: 'assertion', ...assertionInput(i + j) })));
    }
    assert.equal(db.stats().records.assertions, 5000);
    let total = 0;
    for (let s = 0; s < 17; s++) total += db.assertionsAbout(`subject-${s}`, { limit: 10_000 }).items.length;
    assert.equal(total, 5000);
    await db.close();
  });

  test('the subject index keeps every assertion and never mixes subjects that prefix each other', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const subjects = ['cat', 'catalog', 'cat:x', 'cat\u0000', 'ca', 'cat/🐈'];
    const bySubject = new Map<string, string[]>();
    for (const [i, subject] of subjects.entries()) {
      const hashes = [];
      for (let k = 0; k < 3; k++) hashes.push((await db.assert(assertionInput(i * 10 + k, subject))).hash);
      bySubject.set(subject, hashes.sort());
    }
    for (const subject of subjects) {
      assert.deepEqual(db.assertionsAbout(subject).items.map((a) => a.hash).sort(), bySubject.get(subject));
    }
    await db.close();
  });

  test('pages of assertions about a subject follow the cursor to the end', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    await db.appendBatch(Array.from({ length: 25 }, (_, i) => ({ type: 'assertion', ...assertionInput(i, 'paged') })));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = db.assertionsAbout('paged', { limit: 10, ...(cursor && { cursor }) });
      seen.push(...page.items.map((a) => a.hash));
      cursor = page.cursor;
    } while (cursor !== undefined);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
    await db.close();
  });

  test('re-sending identical bytes is idempotent', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const a = await db.assert(assertionInput(3));
    const b = await db.assert(assertionInput(3));
    assert.equal(a.hash, b.hash);
    assert.equal(db.stats().records.assertions, 1);
    await db.close();
  });
});

describe('tally', () => {
  test("each voter counts once, with their latest vote replacing earlier ones", async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const { hash } = await db.assert(assertionInput(1));
    await db.vote({ assertion: hash, voter: 'ada', stance: 'oppose', createdAt: 100 });
    await db.vote({ assertion: hash, voter: 'ada', stance: 'support', createdAt: 200 });
    await db.vote({ assertion: hash, voter: 'bob', stance: 'oppose', weight: 0.5, createdAt: 150 });
    assert.deepEqual(votesOnly(db.tally(hash)), { support: 1, oppose: 0.5, score: 0.5, voters: 2 });
    assert.equal(db.votesFor(hash).length, 3, 'every vote stays stored and listed');
    await db.close();
  });

  test('log order decides a voter\'s latest vote: a vote logged later replaces an earlier one, whatever their createdAt', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const { hash } = await db.assert(assertionInput(1));
    await db.vote({ assertion: hash, voter: 'ada', stance: 'support', createdAt: 200 });
    await db.vote({ assertion: hash, voter: 'ada', stance: 'oppose', createdAt: 100 });
    assert.deepEqual(votesOnly(db.tally(hash)), { support: 0, oppose: 1, score: -1, voters: 1 });
    assert.deepEqual(db.votesFor(hash).map((v) => v.createdAt), [200, 100], 'listed in log order');
    await db.close();
  });

  test('votes with the same createdAt are ordered by log position', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const { hash } = await db.assert(assertionInput(1));
    await db.vote({ assertion: hash, voter: 'ada', stance: 'support', createdAt: 100 });
    await db.vote({ assertion: hash, voter: 'ada', stance: 'oppose', createdAt: 100 });
    assert.deepEqual(votesOnly(db.tally(hash)), { support: 0, oppose: 1, score: -1, voters: 1 });
    await db.close();
  });

  test('a tally can be restricted to one epoch', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const { hash } = await db.assert(assertionInput(1));
    await db.vote({ assertion: hash, voter: 'ada', stance: 'support', epoch: 1, createdAt: 100 });
    await db.vote({ assertion: hash, voter: 'ada', stance: 'oppose', epoch: 2, createdAt: 200 });
    await db.vote({ assertion: hash, voter: 'bob', stance: 'support', epoch: 2, createdAt: 300 });
    assert.deepEqual(votesOnly(db.tally(hash, { epoch: 1 })), { support: 1, oppose: 0, score: 1, voters: 1 });
    assert.deepEqual(votesOnly(db.tally(hash, { epoch: 2 })), { support: 1, oppose: 1, score: 0, voters: 2 });
    await db.close();
  });
});

describe('refused writes', () => {
  test('a vote on an unknown assertion is UNKNOWN_ASSERTION and nothing is logged', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const before = db.stats().wal.endLsn;
    await assert.rejects(db.vote({ assertion: 'ab'.repeat(32), voter: 'ada', stance: 'support' }), code('UNKNOWN_ASSERTION'));
    assert.equal(db.stats().wal.endLsn, before);
    await db.close();
  });

  test('a vote may name an assertion earlier in the same batch', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const assertion = { type: 'assertion', ...assertionInput(1) };
    const hash = StemeDB.hashOf(assertion);
    const [, vote] = await db.appendBatch([assertion, { type: 'vote', assertion: hash, voter: 'ada', stance: 'support' }]);
    assert.equal(db.votesFor(hash)[0]?.hash, vote?.hash);
    await db.close();
  });

  test('redefining an epoch with other content is EPOCH_CONFLICT; the same content is idempotent', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const first = await db.defineEpoch({ id: 1, name: 'one' });
    const again = await db.defineEpoch({ id: 1, name: 'one' });
    assert.deepEqual(again, first);
    await assert.rejects(db.defineEpoch({ id: 1, name: 'uno' }), code('EPOCH_CONFLICT'));
    assert.equal(db.stats().records.epochs, 1);
    await db.close();
  });

  test('concurrent conflicting epoch definitions: exactly one wins', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const results = await Promise.allSettled([db.defineEpoch({ id: 5, name: 'a' }), db.defineEpoch({ id: 5, name: 'b' })]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.equal(db.stats().deadLetters, 0);
    await db.close();
  });

  test('invalid input is refused with INVALID_RECORD naming the field, before anything is written', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const before = db.stats().wal.endLsn;
    await assert.rejects(db.assert({ ...assertionInput(1), subject: '' }), (e) => code('INVALID_RECORD')(e) && /subject/.test((e as Error).message));
    await assert.rejects(db.assert({ ...assertionInput(1), confidence: 2 }), code('INVALID_RECORD'));
    await assert.rejects(db.appendBatch([{ type: 'assertion', ...assertionInput(1) }, { type: 'nope' }]), (e) => code('INVALID_RECORD')(e) && /\[1\]/.test((e as Error).message));
    await assert.rejects(db.assert(null as never), code('INVALID_RECORD'));
    assert.equal(db.stats().wal.endLsn, before);
    await db.close();
  });

  test('bad query arguments are INVALID_ARGUMENT', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    assert.throws(() => db.get('not-a-hash'), code('INVALID_ARGUMENT'));
    assert.throws(() => db.getView('A'.repeat(64)), code('INVALID_ARGUMENT')); // uppercase: one hash, one spelling
    assert.throws(() => db.get(42 as never), code('INVALID_ARGUMENT'));
    assert.throws(() => db.assertionsAbout('x', { limit: 0 }), code('INVALID_ARGUMENT'));
    assert.throws(() => db.assertionsAbout('x', { cursor: 'zz' }), code('INVALID_CURSOR'));
    assert.throws(() => db.epoch(-1), code('INVALID_ARGUMENT'));
    await db.close();
  });
});

describe('visibility', () => {
  test('{visible: false} resolves once durable; sync() makes it queryable', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => db.assert(assertionInput(i), { visible: false })));
    await db.sync();
    for (const { hash } of results) assert.ok(db.get(hash));
    await db.close();
  });

  test('a vote right after an invisible assertion still finds it', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    const { hash } = await db.assert(assertionInput(1), { visible: false });
    await db.vote({ assertion: hash, voter: 'ada', stance: 'support' });
    assert.equal(db.tally(hash).voters, 1);
    await db.close();
  });

  test('stats never count a record twice while the ingest worker catches up', async (t) => {
    // A batch the worker has committed can show in this thread's read snapshot before its
    // reply advances the checkpoint; stats must not count it from LMDB and the overlay both.
    const db = await StemeDB.open(tempDir(t), quiet);
    let written = 0;
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 25 }, (_, i) => db.assert(assertionInput(round * 25 + i))));
      written += 25;
      for (let look = 0; look < 20; look++) {
        assert.equal(db.stats().records.assertions, written, `round ${round}, look ${look}`);
        // A sleep on purpose (0-2 ms): the looks must land at many points of the worker's
        // commit-and-reply cycle, between its replies too; nothing is being waited for.
        await new Promise((resolve) => setTimeout(resolve, look % 3));
      }
    }
    await db.close();
  });
});

describe('lifecycle', () => {
  test('the lock is held from open to close', async (t) => {
    const dir = tempDir(t);
    const db = await StemeDB.open(dir, quiet);
    await assert.rejects(StemeDB.open(dir, quiet), code('LOCKED'));
    await db.close();
    const again = await StemeDB.open(dir, quiet);
    await again.close();
  });

  test('writes and queries after close are refused with CLOSED', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    await db.close();
    await assert.rejects(db.assert(assertionInput(1)), code('CLOSED'));
    assert.throws(() => db.stats(), code('CLOSED'));
  });

  test('open, write, close 50 times keeps every record', async (t) => {
    const dir = tempDir(t);
    for (let cycle = 0; cycle < 50; cycle++) {
      const db = await StemeDB.open(dir, quiet);
      assert.equal(db.stats().records.assertions, cycle * 3);
      await db.appendBatch([0, 1, 2].map((k) => ({ type: 'assertion', ...assertionInput(cycle * 3 + k) })));
      await db.close();
    }
    const db = await StemeDB.open(dir, quiet);
    assert.equal(db.stats().records.assertions, 150);
    await db.close();
  });
});

describe('the WAL is the truth', () => {
  async function populated(dir: string): Promise<void> {
    const db = await StemeDB.open(dir, quiet);
    await db.defineEpoch({ id: 1, name: 'e1' });
    const written = await db.appendBatch(Array.from({ length: 300 }, (_, i) => ({ type: 'assertion', ...assertionInput(i), epoch: 1 })));
    for (const [i, { hash }] of written.slice(0, 50).entries()) {
      await db.vote({ assertion: hash, voter: `v${i % 4}`, stance: i % 3 === 0 ? 'oppose' : 'support' });
    }
    await db.close();
  }

  test('replaying from a checkpoint reset to zero gives identical KV content', async (t) => {
    const dir = tempDir(t);
    await populated(dir);
    const before = await dumpKv(dir);
    const store = await LmdbStore.open({ path: path.join(dir, 'kv') });
    await store.del(metaKey('checkpoint'));
    await store.close();
    const db = await StemeDB.open(dir, quiet);
    await db.close();
    assert.deepEqual(await dumpKv(dir), before);
  });

  test('rebuild drops the KV store and re-ingests it to the same content', async (t) => {
    const dir = tempDir(t);
    await populated(dir);
    const before = await dumpKv(dir);
    const db = await StemeDB.open(dir, quiet);
    await db.rebuild();
    assert.equal(db.stats().records.assertions, 300);
    await db.close();
    assert.deepEqual(await dumpKv(dir), before);
  });

  test('a checksummed but undecodable payload becomes a dead letter and ingestion goes on', async (t) => {
    const dir = tempDir(t);
    const db = await StemeDB.open(dir, quiet);
    await db.assert(assertionInput(1));
    await db.close();
    const wal = await Wal.open({ dir: path.join(dir, 'wal') });
    const garbage = Buffer.alloc(40, 0xee);
    garbage[0] = 0; // claims to be an assertion, but is not one
    await wal.append(garbage);
    await wal.close();
    const reopened = await StemeDB.open(dir, quiet);
    await reopened.assert(assertionInput(2));
    const stats = reopened.stats();
    assert.equal(stats.deadLetters, 1);
    assert.equal(stats.records.assertions, 2);
    assert.equal((await reopened.verify()).ok, true);
    await reopened.close();
  });

  test('verify finds a KV value that no longer matches its hash', async (t) => {
    const dir = tempDir(t);
    const db = await StemeDB.open(dir, quiet);
    const { hash } = await db.assert(assertionInput(1));
    assert.equal((await db.verify()).ok, true);
    await db.close();
    const store = await LmdbStore.open({ path: path.join(dir, 'kv') });
    const key = [...store.scanPrefix(Buffer.from('H:'))][0]!.key;
    const value = Buffer.from(store.get(key)!);
    value[value.length - 2]! ^= 1;
    await store.put(key, value);
    await store.close();
    const reopened = await StemeDB.open(dir, quiet);
    const report = await reopened.verify();
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.where.includes(hash)));
    await reopened.close();
  });
});

describe('WAL retention', () => {
  test('with retainWal: false, sealed segments below the durable checkpoint are deleted and reopen works', async (t) => {
    const dir = tempDir(t);
    const options = { ...quiet, retainWal: false, segmentBytesMax: 16 * 1024 };
    const db = await StemeDB.open(dir, options);
    for (let i = 0; i < 600; i += 100) {
      await db.appendBatch(Array.from({ length: 100 }, (_, j) => ({ type: 'assertion', ...assertionInput(i + j) })));
    }
    await db.sync();
    // Truncation waits for LMDB's flush, after the batch; pausing waits for a truncation under way.
    await db.pauseIngest();
    const stats = db.stats();
    assert.ok(stats.wal.firstLsn > 0, 'old segments were deleted');
    assert.ok(stats.wal.firstLsn <= stats.ingest.checkpointLsn, 'never past the checkpoint');
    await assert.rejects(db.rebuild(), code('INVALID_ARGUMENT'));
    await db.close();
    const reopened = await StemeDB.open(dir, options);
    assert.equal(reopened.stats().records.assertions, 600);
    await reopened.close();
  });

  test('by default the whole WAL is kept', async (t) => {
    const dir = tempDir(t);
    const db = await StemeDB.open(dir, { ...quiet, segmentBytesMax: 16 * 1024 });
    await db.appendBatch(Array.from({ length: 300 }, (_, i) => ({ type: 'assertion', ...assertionInput(i) })));
    assert.equal(db.stats().wal.firstLsn, 0);
    assert.ok(db.stats().wal.segments > 1);
    await db.close();
  });
});

test('getView reads a stored record in place, agreeing with get', async (t) => {
  const db = await StemeDB.open(tempDir(t), quiet);
  const { hash } = await db.assert(assertionInput(4, 'viewed'));
  const view = db.getView(hash);
  assert.equal(view?.type, 'assertion');
  if (view?.type === 'assertion') {
    assert.equal(view.subject, 'viewed');
    assert.equal(view.createdAt, db.get(hash)?.createdAt);
  }
  const vote = await db.vote({ assertion: hash, voter: 'ada', stance: 'oppose' });
  const voteView = db.getView(vote.hash);
  assert.equal(voteView?.type === 'vote' && voteView.stance, 'oppose');
  assert.equal(db.getView('00'.repeat(32)), undefined);
  await db.close();
});
