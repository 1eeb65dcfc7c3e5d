// Online backup: a copy taken while 16 writers keep writing opens as a normal data directory,
// verifies clean, and holds every write acknowledged before the backup started.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StemeDB, StemeError, type BackupReport, type StemeDBOptions } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { assertionInput } from './fixtures/records.js';

const quiet = { log: () => undefined };
const writersCount = 16;

function code(expected: string) {
  return (error: unknown): boolean => error instanceof StemeError && error.code === expected;
}

interface Acked {
  hash: string;
  /** When the write resolved, on performance.now()'s clock. */
  ackedMs: number;
}

/** Runs `writersCount` writers until `stop` says so; each keeps what it was acknowledged. */
function startWriters(db: StemeDB, stop: { now: boolean }): { acked: Acked[]; done: Promise<void> } {
  const acked: Acked[] = [];
  let next = 1_000_000;
  const writer = async (w: number): Promise<void> => {
    while (!stop.now) {
      const i = next++;
      const { hash } = await db.assert({ ...assertionInput(i, `load-${w}`), source: `writer-${w}` });
      acked.push({ hash, ackedMs: performance.now() });
    }
  };
  return { acked, done: Promise.all(Array.from({ length: writersCount }, (_, w) => writer(w))).then(() => undefined) };
}

/**
 * Backs up `db` under load: preloads, starts the writers, backs up, keeps writing a little
 * after. With `ingestPaused`, ingest stops after the preload, so the KV snapshot lags far behind
 * and every write since is only in the WAL (and memory): the WAL copy must hold them.
 */
async function backupUnderLoad(db: StemeDB, target: string, options: { compact: boolean; ingestPaused: boolean }): Promise<{ report: BackupReport; before: Acked[]; during: number; after: number }> {
  for (let i = 0; i < 20_000; i += 1000) {
    await db.appendBatch(Array.from({ length: 1000 }, (_, j) => ({ type: 'assertion', ...assertionInput(i + j) })));
  }
  if (options.ingestPaused) await db.pauseIngest();
  const stop = { now: false };
  const writers = startWriters(db, stop);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const startedMs = performance.now();
  const before = writers.acked.filter((a) => a.ackedMs <= startedMs);
  const report = await db.backup(target, { compact: options.compact });
  db.resumeIngest();
  const endedMs = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 100));
  stop.now = true;
  await writers.done;
  const during = writers.acked.filter((a) => a.ackedMs > startedMs && a.ackedMs <= endedMs).length;
  const after = writers.acked.filter((a) => a.ackedMs > endedMs).length;
  return { report, before: [...before, ...preloaded(db)], during, after };
}

/** The preloaded records' hashes (acknowledged before the writers started). */
function preloaded(db: StemeDB): Acked[] {
  return Array.from({ length: 20_000 }, (_, i) => ({ hash: StemeDB.hashOf({ type: 'assertion', ...assertionInput(i) }), ackedMs: 0 })).filter((a) => db.get(a.hash) !== undefined);
}

async function checkCopy(target: string, before: Acked[], options: StemeDBOptions = {}): Promise<void> {
  assert.deepEqual(fs.readdirSync(target).sort(), ['kv', 'wal']);
  assert.deepEqual(fs.readdirSync(path.join(target, 'wal')).filter((name) => name.startsWith('LOCK')), [], "the copy carries none of the source's lock files");
  const copy = await StemeDB.open(target, { ...quiet, ...options });
  try {
    const report = await copy.verify();
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    const missing = before.filter((a) => copy.get(a.hash) === undefined);
    assert.deepEqual(missing, [], 'every write acknowledged before the backup started is in the copy');
    await copy.assert(assertionInput(1, 'written-to-the-copy'));
  } finally {
    await copy.close();
  }
}

describe('online backup', () => {
  test('a backup under 16 concurrent writers, with ingest paused, opens, verifies clean and holds every write acknowledged before it started', async (t) => {
    const root = tempDir(t);
    const db = await StemeDB.open(path.join(root, 'data'), { ...quiet, segmentBytesMax: 256 * 1024 });
    const target = path.join(root, 'backups', 'one');
    let run: Awaited<ReturnType<typeof backupUnderLoad>>;
    try {
      run = await backupUnderLoad(db, target, { compact: false, ingestPaused: true });
      t.diagnostic(`backup under load: ${JSON.stringify(run.report)}; acknowledged before: ${run.before.length}, during: ${run.during}, after: ${run.after}`);
      // A write takes a few ms here: a backup that ran 100 ms with no write acknowledged meanwhile blocked the writers.
      if (run.report.durationMs > 100) assert.ok(run.during > 0, `the original acknowledged writes while the backup ran (${run.during} in ${run.report.durationMs} ms)`);
      assert.ok(run.after > 0, 'and after it');
      assert.ok(run.report.walSegments > 1, 'the copy spans sealed segments and the active one');
      assert.ok(run.report.kvCheckpointLsn <= run.report.walEndLsn);
      assert.equal(run.report.walFirstLsn, 0, 'the whole retained WAL is copied');
      assert.ok(run.report.walEndLsn > run.report.kvCheckpointLsn, 'the KV snapshot lags the copied WAL (ingest was paused)');
      const verify = await db.verify();
      assert.equal(verify.ok, true, 'the original verifies clean after the backup');
    } finally {
      await db.close();
    }
    await checkCopy(target, run.before);
    const copy = await StemeDB.open(target, quiet);
    await copy.rebuild(); // the whole WAL was copied: the copy can be rebuilt from it
    assert.ok(copy.stats().records.assertions >= run.before.length);
    await copy.close();
  });

  test('a compacted backup of a store that deletes its WAL (retainWal: false) opens and verifies clean', async (t) => {
    const root = tempDir(t);
    const db = await StemeDB.open(path.join(root, 'data'), { ...quiet, segmentBytesMax: 64 * 1024, retainWal: false });
    const target = path.join(root, 'compact');
    let run: Awaited<ReturnType<typeof backupUnderLoad>>;
    try {
      run = await backupUnderLoad(db, target, { compact: true, ingestPaused: false });
      assert.ok(run.report.compact);
      assert.ok(run.report.walFirstLsn <= run.report.kvCheckpointLsn, 'the copied WAL starts at or before the snapshot checkpoint');
    } finally {
      await db.close();
    }
    await checkCopy(target, run.before, { retainWal: false });
  });

  test('a target that exists and is not empty is refused, and nothing is written there', async (t) => {
    const root = tempDir(t);
    const db = await StemeDB.open(path.join(root, 'data'), quiet);
    t.after(() => db.close());
    await db.assert(assertionInput(1));
    const target = path.join(root, 'taken');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'notes.txt'), 'mine');
    await assert.rejects(db.backup(target), code('BACKUP_TARGET_EXISTS'));
    assert.deepEqual(fs.readdirSync(target), ['notes.txt']);
    assert.deepEqual(fs.readdirSync(root).sort(), ['data', 'taken'], 'no staging directory is left behind');
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, '');
    await assert.rejects(db.backup(file), code('BACKUP_TARGET_EXISTS'));
  });

  test('an existing empty directory is a valid target', async (t) => {
    const root = tempDir(t);
    const db = await StemeDB.open(path.join(root, 'data'), quiet);
    const { hash } = await db.assert(assertionInput(1));
    const target = path.join(root, 'empty');
    fs.mkdirSync(target);
    await db.backup(target);
    await db.close();
    const copy = await StemeDB.open(target, quiet);
    assert.equal(copy.get(hash)?.type, 'assertion');
    await copy.close();
  });

  test('the in-memory store cannot be backed up', async (t) => {
    const db = await StemeDB.open(tempDir(t), { ...quiet, store: 'memory' });
    t.after(() => db.close());
    await assert.rejects(db.backup(path.join(tempDir(t), 'x')), code('INVALID_ARGUMENT'));
  });
});
