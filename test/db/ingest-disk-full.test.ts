// An LMDB failure in ingest, on a real full file system: the KV store's directory is a small
// tmpfs, so its commits fail with ENOSPC while the WAL (elsewhere) keeps taking writes. Health
// shows ingest `failing` (unavailable) with the error, nothing is dead-lettered, and once the
// file system grows ingest resumes by itself: every record is ingested, verify is clean.
// (lmdb-js grows its map on MDB_MAP_FULL, so a small mapSize would not make a commit fail.)
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { StemeDB, type Health, type WriteResult } from '../../src/index.js';
import { mountTmpfs } from '../support/tmpfs.js';

const KiB = 1024;
const MiB = 1024 * KiB;

async function until(db: StemeDB, done: (health: Health) => boolean, what: string, msMax = 60_000): Promise<Health> {
  const deadline = Date.now() + msMax;
  for (;;) {
    const health = db.health();
    if (done(health)) return health;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${msMax} ms: ${JSON.stringify(health)}`);
    await sleep(20);
  }
}

test('ingest failing on a full KV file system is reported, dead-letters nothing, and resumes when space returns', async (t) => {
  const kv = mountTmpfs(t, 'kv', 512 * KiB);
  if (!kv.ok) return t.skip(kv.reason);
  const dir = kv.dir;
  // Fast retries, and many: ingest must still be retrying (not failed for good) when space returns.
  const db = await StemeDB.open(dir, { log: () => undefined, ingestAttemptsMax: 1000, ingestRetryDelayMsMin: 5 });
  try {
    await fillThenGrow(db, () => kv.grow(256 * MiB));
  } finally {
    await db.close();
  }
});

async function fillThenGrow(db: StemeDB, grow: () => void): Promise<void> {
  const written: WriteResult[] = [];
  for (let batch = 0; batch < 20 && db.health().ingest.status !== 'failing'; batch++) {
    const records = Array.from({ length: 100 }, (_, i) => ({ type: 'assertion', subject: `city:${batch}:${i}`, predicate: 'note', object: 'x'.repeat(1000), source: 'test' }));
    written.push(...(await db.appendBatch(records)));
  }
  const failing = await until(db, (health) => health.ingest.status === 'failing', 'failing ingest');
  assert.equal(failing.writable, false);
  assert.equal(failing.status, 'unavailable');
  assert.equal(failing.wal.status, 'ok');
  assert.ok(failing.ingest.retries >= 1);
  assert.ok(failing.ingest.lagRecords > 0);
  // LMDB reports a short write as EIO: the disk part of health is what tells a full disk apart.
  assert.match(failing.ingest.lastError ?? '', /LMDB commit failed: (Input\/output error|.*ENOSPC|.*space)/i);
  assert.match(failing.reasons[0] ?? '', /^ingest failing: /);
  // Every acknowledged record is still readable (from memory) meanwhile, and nothing is dead-lettered.
  assert.equal(db.get(written[written.length - 1]!.hash)?.type, 'assertion');
  assert.equal(db.stats().deadLetters, 0);

  grow();
  const recovered = await until(db, (health) => health.ingest.status === 'ok' && health.ingest.lagRecords === 0, 'resumed ingest');
  assert.equal(recovered.writable, true);
  assert.equal(recovered.ingest.retries, 0);
  const stats = db.stats();
  assert.equal(stats.deadLetters, 0);
  assert.equal(stats.records.assertions, written.length);
  assert.equal(stats.ingest.lagRecords, 0);
  assert.equal((await db.verify()).ok, true);
}
