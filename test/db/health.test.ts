// db.health() and db.failed over the FileSystem seam: an ENOSPC on a WAL write or on its sync
// fails the writes in flight with WAL_FAILED, turns health unavailable with the reason, and
// resolves db.failed; nothing acknowledged is lost after a reopen. And the rule itself
// (judgeHealth), one state of each part at a time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeHealth, type HealthInputs } from '../../src/db/health.js';
import { StemeDB, StemeError, type WriteResult } from '../../src/index.js';
import { healthDiskFreeBytesMin, healthIngestLagRecordsMax } from '../../src/limits.js';
import { tempDir } from '../support/temp-dir.js';
import { FaultyFileSystem, type FaultPoint } from '../wal/fixtures/faulty-fs.js';

const quiet = { log: () => undefined };

function assertion(i: number): Record<string, unknown> {
  return { subject: `city:${i}`, predicate: 'population', object: { n: i, note: 'x'.repeat(900) }, source: 'test' };
}

function assertWalFailed(error: unknown): boolean {
  assert.ok(error instanceof StemeError, String(error));
  assert.equal(error.code, 'WAL_FAILED');
  assert.match(error.message, /ENOSPC/);
  return true;
}

for (const point of ['write', 'datasync'] as const satisfies readonly FaultPoint[]) {
  test(`an ENOSPC on a WAL ${point} fails the writes in flight with WAL_FAILED, turns health unavailable, and loses nothing acknowledged`, async (t) => {
    const dir = tempDir(t);
    const fileSystem = new FaultyFileSystem();
    const db = await StemeDB.open(dir, { ...quiet, fileSystem });
    let dbOpen = true;
    t.after(() => (dbOpen ? db.close() : undefined));
    const before = db.health();
    assert.equal(before.writable, true);
    assert.equal(before.wal.status, 'ok');

    const acked: WriteResult[] = [];
    for (let i = 0; i < 20; i++) acked.push(await db.assert(assertion(i) as never));
    fileSystem.failOn(point, 'ENOSPC');
    const inFlight = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => db.assert(assertion(100 + i) as never)));
    for (const outcome of inFlight) {
      assert.equal(outcome.status, 'rejected');
      assertWalFailed(outcome.reason);
    }
    // Refused from then on, even with the fault gone: a failed fsync is never retried.
    fileSystem.failOn(point, 'NONE');
    await assert.rejects(db.assert(assertion(200) as never), assertWalFailed);

    const failure = await db.failed;
    assert.equal(failure.part, 'wal');
    assertWalFailed(failure.error);
    const health = db.health();
    assert.equal(health.writable, false);
    assert.equal(health.status, 'unavailable');
    assert.equal(health.wal.status, 'failed');
    assert.match(health.wal.error ?? '', /ENOSPC/);
    assert.match(health.reasons[0] ?? '', /^wal failed: .*ENOSPC/);
    // Reads still work.
    assert.equal(db.get(acked[19]!.hash)?.type, 'assertion');
    await db.close();
    dbOpen = false;

    const reopened = await StemeDB.open(dir, quiet);
    t.after(() => reopened.close());
    for (const { hash } of acked) assert.equal(reopened.get(hash)?.type, 'assertion', hash);
    assert.equal((await reopened.verify()).ok, true);
    assert.equal(reopened.stats().deadLetters, 0);
    assert.equal(reopened.health().writable, true);
    await reopened.assert(assertion(300) as never);
  });
}

test('a healthy database is writable, with its disk space reported', async (t) => {
  const db = await StemeDB.open(tempDir(t), quiet);
  t.after(() => db.close());
  await db.assert(assertion(1) as never);
  const health = db.health();
  assert.equal(health.writable, true);
  assert.notEqual(health.status, 'unavailable');
  assert.deepEqual(health.wal, { status: 'ok' });
  assert.equal(health.ingest.status, 'ok');
  assert.ok((health.disk.freeBytes ?? 0) > 0 && (health.disk.totalBytes ?? 0) >= (health.disk.freeBytes ?? 0), JSON.stringify(health.disk));
  assert.equal(health.disk.path, db.dir);
});

test('health of a closed database is CLOSED', async (t) => {
  const db = await StemeDB.open(tempDir(t), quiet);
  await db.close();
  assert.throws(() => db.health(), { code: 'CLOSED' });
});

describe('the health rule', () => {
  const fine: HealthInputs = {
    walFailure: undefined,
    ingest: { status: 'ok', retries: 0, lastError: undefined },
    lagRecords: 0,
    lagBytes: 0,
    disk: { status: 'ok', path: '/data', freeBytes: 10 * healthDiskFreeBytesMin, totalBytes: 20 * healthDiskFreeBytesMin },
  };

  test('all parts ok: ok and writable, no reasons', () => {
    const health = judgeHealth(fine);
    assert.deepEqual([health.status, health.writable, health.reasons], ['ok', true, []]);
  });

  test('a failed WAL: unavailable, with its error', () => {
    const health = judgeHealth({ ...fine, walFailure: new Error('ENOSPC: no space left on device, write') });
    assert.deepEqual([health.status, health.writable, health.wal], ['unavailable', false, { status: 'failed', error: 'ENOSPC: no space left on device, write' }]);
    assert.match(health.reasons[0]!, /^wal failed: ENOSPC/);
  });

  test('ingest retrying a refused batch: failing and unavailable, with the retries and the last error', () => {
    const health = judgeHealth({ ...fine, ingest: { status: 'retrying', retries: 3, lastError: new Error('MDB_MAP_FULL') } });
    assert.deepEqual([health.status, health.writable, health.ingest.status, health.ingest.retries, health.ingest.lastError], ['unavailable', false, 'failing', 3, 'MDB_MAP_FULL']);
    assert.match(health.reasons[0]!, /^ingest failing: 3 failed attempts/);
  });

  test('ingest stopped for good: failed and unavailable', () => {
    const health = judgeHealth({ ...fine, ingest: { status: 'failed', retries: 30, lastError: new Error('gave up') } });
    assert.deepEqual([health.status, health.writable, health.ingest.status], ['unavailable', false, 'failed']);
  });

  test(`ingest more than ${healthIngestLagRecordsMax} records behind: lagging, degraded but writable`, () => {
    assert.equal(judgeHealth({ ...fine, lagRecords: healthIngestLagRecordsMax }).ingest.status, 'ok');
    const health = judgeHealth({ ...fine, lagRecords: healthIngestLagRecordsMax + 1, lagBytes: 123 });
    assert.deepEqual([health.status, health.writable, health.ingest.status, health.ingest.lagBytes], ['degraded', true, 'lagging', 123]);
  });

  test('a paused ingest is an operator\'s choice: ok', () => {
    const health = judgeHealth({ ...fine, ingest: { status: 'stopped', retries: 0, lastError: undefined } });
    assert.deepEqual([health.status, health.ingest.status], ['ok', 'stopped']);
  });

  test('little disk left, or none known: degraded but writable', () => {
    const low = judgeHealth({ ...fine, disk: { status: 'low', path: '/data', freeBytes: 1, totalBytes: 2 } });
    assert.deepEqual([low.status, low.writable], ['degraded', true]);
    assert.match(low.reasons[0]!, /^disk low: 1 bytes free under \/data/);
    const unknown = judgeHealth({ ...fine, disk: { status: 'unknown', path: '/data', error: 'EACCES' } });
    assert.deepEqual([unknown.status, unknown.writable], ['degraded', true]);
  });

  test('reasons put what refuses writes before the warnings', () => {
    const health = judgeHealth({ ...fine, walFailure: new Error('EIO'), disk: { status: 'low', path: '/data', freeBytes: 1, totalBytes: 2 } });
    assert.equal(health.reasons.length, 2);
    assert.match(health.reasons[0]!, /^wal failed/);
    assert.match(health.reasons[1]!, /^disk low/);
  });
});
