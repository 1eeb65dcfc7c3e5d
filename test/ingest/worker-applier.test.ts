// The apply worker against real LMDB: what it applies equals what the in-thread applier does
// (for handed-off and for replayed records), each batch is visible to this thread's reads as
// soon as apply() resolves, and a worker that dies fails its batch and is replaced.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { StemeError } from '../../src/errors.js';
import { inThreadApplier, WorkerApplier } from '../../src/ingest/index.js';
import { assertionKey, readCheckpoint, type Counts } from '../../src/layout/index.js';
import type { IngestEntry } from '../../src/ingest/apply.js';
import { encodeAndHash, validateRecord, type StemeRecord } from '../../src/records/index.js';
import { LmdbStore, MemoryStore, type KVStore } from '../../src/storage/index.js';
import { tempDir } from '../support/temp-dir.js';

const assertionA = 'a'.repeat(64);

function record(i: number): StemeRecord {
  if (i % 5 === 3) return validateRecord({ type: 'vote', assertion: assertionA, voter: `v${i}`, stance: 'support', createdAt: i });
  if (i % 50 === 7) return validateRecord({ type: 'epoch', id: i, name: `e${i}`, createdAt: i });
  // Subjects with NUL (escaped in keys) and non-ASCII: the worker builds keys from the bytes in place.
  const subject = `${['s', 'é名', 'a\u0000b', '🐈'][i % 4]}${i % 7}`;
  return validateRecord({ type: 'assertion', subject, predicate: 'p', object: { i }, source: 'test', createdAt: i });
}

/** `count` entries from LSN `from`; every other one carries the writer's hand-off, one is not a record at all. */
function batch(from: number, count: number): IngestEntry[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    const lsn = 1000 + i * 100;
    if (i === 13) return { lsn, nextLsn: lsn + 100, payload: Uint8Array.of(9, 9, 9) }; // a dead letter
    const value = record(i);
    const { bytes, hash } = encodeAndHash(value);
    return { lsn, nextLsn: lsn + 100, payload: bytes, prepared: i % 2 === 0 ? { record: value, hashBytes: Buffer.from(hash, 'hex') } : undefined };
  });
}

function contents(store: KVStore): string[] {
  return [...store.scanPrefix(new Uint8Array(0))].map(({ key, value }) => `${Buffer.from(key).toString('hex')}=${Buffer.from(value).toString('hex')}`);
}

test('the worker applies exactly what the in-thread applier does, and each batch is readable here once apply() resolves', async (t) => {
  const lmdb = await LmdbStore.open({ path: path.join(tempDir(t), 'kv') });
  const worker = new WorkerApplier(lmdb.path, () => lmdb.refreshReads());
  const memory = new MemoryStore();
  const local = inThreadApplier(memory);
  const totals: Counts[] = [];
  for (let from = 0; from < 400; from += 40) {
    const entries = batch(from, 40);
    const added = await worker.apply(entries);
    // No await between the reply and these reads: the snapshot must already include the batch.
    assert.equal(readCheckpoint(lmdb), entries.at(-1)!.nextLsn);
    const handedOff = entries.find((e) => e.prepared?.record.type === 'assertion')!;
    assert.ok(lmdb.has(assertionKey(handedOff.prepared!.hashBytes)));
    assert.deepEqual(added, await local.apply(entries));
    totals.push(added);
  }
  assert.equal(totals.reduce((n, c) => n + c.deadLetters, 0), 1);
  assert.ok(totals.reduce((n, c) => n + c.votes, 0) > 50);
  assert.deepEqual(contents(lmdb), contents(memory));
  // Small batches right after a read: lmdb-js renews a thread's snapshot lazily (a timer after
  // a read), so a commit on the worker that replies within that window is invisible here
  // unless the applier refreshes this thread's snapshot. Every read below must see its batch.
  for (let i = 0; i < 200; i++) {
    const entries = batch(400 + i, 1);
    readCheckpoint(lmdb);
    await worker.apply(entries);
    assert.equal(readCheckpoint(lmdb), entries[0]!.nextLsn, `batch ${i} is visible`);
  }
  // Replayed again (a checkpoint reset): nothing is added twice.
  const again = await worker.apply(batch(0, 40));
  assert.deepEqual(again, { assertions: 0, votes: 0, epochs: 0, retractions: 0, deadLetters: 0 });
  await worker.flushed();
  await worker.close();
  await assert.rejects(worker.apply(batch(0, 1)), (e) => e instanceof StemeError && e.code === 'STORAGE');
  await lmdb.close();
});

test('a worker that dies fails the batch it held with STORAGE; the next batch gets a new worker', async (t) => {
  const lmdb = await LmdbStore.open({ path: path.join(tempDir(t), 'kv') });
  const dying = new URL('./fixtures/dies-once-worker.js', import.meta.url);
  const worker = new WorkerApplier(lmdb.path, () => lmdb.refreshReads(), dying);
  await assert.rejects(worker.apply(batch(0, 10)), (e) => e instanceof StemeError && e.code === 'STORAGE' && /exited \(code 3\)/.test(e.message));
  const added = await worker.apply(batch(0, 10));
  assert.equal(added.assertions + added.votes + added.epochs + added.deadLetters, 10);
  assert.equal(readCheckpoint(lmdb), batch(0, 10).at(-1)!.nextLsn);
  await worker.close();
  await lmdb.close();
});
