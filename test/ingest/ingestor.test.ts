// The ingestor against a real WAL and an in-memory store: batching, idempotent replay, a KV
// store that fails (retried with backoff, never skipping a record), and stopping at a batch
// boundary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StemeError } from '../../src/errors.js';
import { Ingestor, type IngestProgress } from '../../src/ingest/index.js';
import { encodeRecord, validateRecord } from '../../src/records/index.js';
import { MemoryStore, type KVTransaction } from '../../src/storage/index.js';
import { counterKey } from '../../src/layout/index.js';
import { Wal } from '../../src/wal/index.js';
import { tempDir } from '../support/temp-dir.js';

function assertionBytes(i: number): Uint8Array {
  return encodeRecord(validateRecord({ type: 'assertion', subject: `s${i % 3}`, predicate: 'p', object: i, source: 'test', createdAt: i }));
}

/** A MemoryStore whose next `failures` transactions throw like a full disk. */
class FlakyStore extends MemoryStore {
  failures = 0;
  attempts = 0;
  override async transaction<T>(fn: (tx: KVTransaction) => T): Promise<T> {
    this.attempts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('MDB_MAP_FULL: injected'), { code: 'ENOSPC' });
    }
    return super.transaction(fn);
  }
}

/** Resolves at the 'batch' event that takes the checkpoint to `lsn` (at once if it is there). */
function batchReaching(ingestor: Ingestor, lsn: number): Promise<void> {
  if (ingestor.checkpoint >= lsn) return Promise.resolve();
  return new Promise((resolve) => {
    const onBatch = (progress: IngestProgress): void => {
      if (progress.checkpointLsn < lsn) return;
      ingestor.off('batch', onBatch);
      resolve();
    };
    ingestor.on('batch', onBatch);
  });
}

function count(store: MemoryStore, name: string): number {
  const value = store.get(counterKey(name));
  return value === undefined ? 0 : Number(Buffer.from(value).readBigUInt64LE());
}

test('records are applied in batches and waitFor resolves once they are queryable', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  const store = new MemoryStore();
  const ingestor = new Ingestor({ wal, store, batchRecordsMax: 64 });
  let batches = 0;
  ingestor.on('batch', () => (batches += 1));
  ingestor.start();
  const { lsns } = await wal.appendBatch(Array.from({ length: 500 }, (_, i) => assertionBytes(i)));
  await ingestor.waitFor(wal.recordsEndLsn);
  assert.equal(count(store, 'assertions'), 500);
  assert.ok(batches >= 500 / 64, `${batches} batches of at most 64`);
  assert.equal(ingestor.checkpoint, wal.recordsEndLsn);
  assert.ok(lsns.length === 500);
  await ingestor.stop();
  await wal.close();
});

test('a failing KV store is retried with backoff; waiters learn the record is durable but not visible; nothing is skipped', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  const store = new FlakyStore();
  const ingestor = new Ingestor({ wal, store });
  const failures: Error[] = [];
  ingestor.on('failure', (error) => failures.push(error));
  ingestor.start();
  store.failures = 3;
  await wal.appendBatch(Array.from({ length: 10 }, (_, i) => assertionBytes(i)));
  await assert.rejects(ingestor.waitFor(wal.recordsEndLsn), (e) => e instanceof StemeError && e.code === 'STORAGE' && /durable/.test(e.message));
  // The worker keeps retrying the same batch until the store recovers. (waitFor would reject
  // while the last attempt failed, so wait for the batch event instead.)
  await batchReaching(ingestor, wal.recordsEndLsn);
  assert.equal(count(store, 'assertions'), 10);
  assert.equal(failures.length, 3);
  assert.equal(store.attempts, 4);
  assert.equal(ingestor.lastError, undefined);
  await ingestor.waitFor(wal.recordsEndLsn);
  await ingestor.stop();
  await wal.close();
});

test('replaying records already applied adds nothing and counts nothing twice', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  const store = new MemoryStore();
  await wal.appendBatch([assertionBytes(1), assertionBytes(2), assertionBytes(1)]);
  for (let run = 0; run < 2; run++) {
    const ingestor = new Ingestor({ wal, store });
    ingestor.start();
    await ingestor.waitFor(wal.recordsEndLsn);
    await ingestor.stop();
    await store.del(new TextEncoder().encode('M:checkpoint')); // replay everything next time
  }
  assert.equal(count(store, 'assertions'), 2);
  await wal.close();
});

test('stop ends the worker at a batch boundary and start resumes from the checkpoint', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  const store = new MemoryStore();
  const ingestor = new Ingestor({ wal, store });
  ingestor.start();
  await wal.appendBatch([assertionBytes(1)]);
  await ingestor.waitFor(wal.recordsEndLsn);
  await ingestor.stop();
  await wal.appendBatch([assertionBytes(2), assertionBytes(3)]);
  assert.equal(count(store, 'assertions'), 1, 'a stopped worker applies nothing');
  ingestor.start();
  await ingestor.waitFor(wal.recordsEndLsn);
  assert.equal(count(store, 'assertions'), 3);
  await ingestor.stop();
  await wal.close();
});

test('with paceMs, records gather into one later commit, and a waiter ends the pause at once', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  const store = new MemoryStore();
  const ingestor = new Ingestor({ wal, store, paceMs: 60_000 });
  let batches = 0;
  ingestor.on('batch', () => (batches += 1));
  ingestor.start();
  await wal.append(assertionBytes(0));
  await ingestor.waitFor(wal.recordsEndLsn); // the first batch; the ingestor now pauses
  assert.equal(batches, 1);
  for (let i = 1; i <= 5; i++) await wal.append(assertionBytes(i));
  // A sleep on purpose: what is checked is that nothing happens, and absence has no event to
  // wait for. An unpaced ingestor applies five records well within 50 ms, so a broken pause
  // shows here; a slow machine can only make this pass without proving much, never fail.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(count(store, 'assertions'), 1, 'nothing applied during the pause');
  const started = performance.now();
  await ingestor.waitFor(wal.recordsEndLsn);
  assert.ok(performance.now() - started < 5_000, 'the waiter did not sit out the 60 s pause');
  assert.equal(count(store, 'assertions'), 6);
  assert.equal(batches, 2, 'the five records shared one commit');
  await ingestor.stop(); // also ends a pause
  await wal.close();
});
