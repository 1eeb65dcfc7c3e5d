// db.health() and db.failed over the FileSystem seam: an ENOSPC on a WAL write or on its sync
// fails the writes in flight with WAL_FAILED, turns health unavailable with the reason, and
// resolves db.failed; nothing acknowledged is lost after a reopen. And the rule itself
// (judgeHealth), one state of each part at a time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeHealth, type HealthInputs } from '../../src/db/health.js';
import { StemeDB, StemeError, WalCorruptError, type WriteResult } from '../../src/index.js';
import { kvKeyBytesMax } from '../../src/layout/index.js';
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
  assert.deepEqual(health.deadLetters, { status: 'ok', count: 0, first: [] });
  assert.deepEqual(health.storage, { status: 'ok', keyBytesMax: 4026, keyBytesNeeded: kvKeyBytesMax });
  assert.ok(!JSON.stringify(health).includes(db.dir), 'health names no absolute path: it is served to remote clients');
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
    disk: { status: 'ok', freeBytes: 10 * healthDiskFreeBytesMin, totalBytes: 20 * healthDiskFreeBytesMin },
    deadLetters: { count: 0, first: [] },
    storage: { keyBytesMax: 4026, keyBytesNeeded: kvKeyBytesMax },
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
    const low = judgeHealth({ ...fine, disk: { status: 'low', freeBytes: 1, totalBytes: 2 } });
    assert.deepEqual([low.status, low.writable], ['degraded', true]);
    assert.match(low.reasons[0]!, /^disk low: 1 bytes free under the data directory$/);
    const unknown = judgeHealth({ ...fine, disk: { status: 'unknown', error: 'EACCES' } });
    assert.deepEqual([unknown.status, unknown.writable], ['degraded', true]);
  });

  test('reasons put what refuses writes before the warnings', () => {
    const health = judgeHealth({ ...fine, walFailure: new Error('EIO'), disk: { status: 'low', freeBytes: 1, totalBytes: 2 } });
    assert.equal(health.reasons.length, 2);
    assert.match(health.reasons[0]!, /^wal failed/);
    assert.match(health.reasons[1]!, /^disk low/);
  });

  test('dead letters: degraded but writable, naming the first one (LSN, hash, kind, reason) and the count', () => {
    const first = { lsn: 4096, hash: 'ab'.repeat(32), kind: 'unstorable' as const, reason: 'the KV store refused its S: key: 2100 bytes, and it takes keys of at most 1978' };
    const health = judgeHealth({ ...fine, deadLetters: { count: 3, first: [first] } });
    assert.deepEqual([health.status, health.writable, health.deadLetters], ['degraded', true, { status: 'present', count: 3, first: [first] }]);
    assert.equal(health.reasons[0], `dead letters: 3 logged records were not stored; the first, at LSN 4096 (${'ab'.repeat(32)}), unstorable: ${first.reason}`);
  });

  test('a store that takes shorter keys than the layout builds: limited, degraded but writable', () => {
    const health = judgeHealth({ ...fine, storage: { keyBytesMax: 1978, keyBytesNeeded: kvKeyBytesMax } });
    assert.deepEqual([health.status, health.writable, health.storage], ['degraded', true, { status: 'limited', keyBytesMax: 1978, keyBytesNeeded: kvKeyBytesMax }]);
    assert.match(health.reasons[0]!, /^storage limited: the KV store takes keys of at most 1978 bytes/);
  });

  test('errors are shown without absolute paths: the segment file and offset stay, its directory does not', () => {
    const health = judgeHealth({
      ...fine,
      walFailure: new Error("EACCES: permission denied, open '/srv/my data/wal/0000000000000000.wal'"),
      ingest: { status: 'failed', retries: 1, lastError: new WalCorruptError('/srv/stemedb/wal/0000000000000000.wal', 4100, 'payload checksum mismatch') },
    });
    assert.equal(health.wal.error, "EACCES: permission denied, open '0000000000000000.wal'");
    assert.equal(health.ingest.lastError, '0000000000000000.wal at byte 4100: payload checksum mismatch');
    assert.ok(!JSON.stringify(health).includes('/srv'), JSON.stringify(health));
  });
});
