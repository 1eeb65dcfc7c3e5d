// A KV store that fails inside an ingest transaction: the failure is the store's, not the
// record's, so nothing of the batch is committed, the checkpoint stays put, nothing becomes a
// dead letter, and the batch is ingested once the store recovers. A store that never recovers
// stops ingest with a fatal error after a bounded number of attempts, still skipping nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyDatabase } from '../../src/db/verify.js';
import { StemeError } from '../../src/errors.js';
import { Ingestor } from '../../src/ingest/index.js';
import { assertionPrefix, counterKey, deadLetterPrefix, readCheckpoint, votePrefixAll } from '../../src/layout/index.js';
import { encodeAndHash, validateRecord } from '../../src/records/index.js';
import { MemoryStore, type KVTransaction } from '../../src/storage/index.js';
import { Wal } from '../../src/wal/index.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * A MemoryStore whose transactions throw at their `failAtWrite`-th write (put or putIfAbsent,
 * counted from 1 in each transaction), for the next `failures` transactions: a put that fails
 * midway, after earlier puts of the same transaction succeeded.
 */
class FailingPutStore extends MemoryStore {
  failures = 0;
  failAtWrite = 2;
  attempts = 0;

  override transaction<T>(fn: (tx: KVTransaction) => T): Promise<T> {
    this.attempts += 1;
    const failing = this.failures > 0;
    if (failing) this.failures -= 1;
    return super.transaction((tx) => {
      let writes = 0;
      const check = (): void => {
        writes += 1;
        if (failing && writes === this.failAtWrite) throw Object.assign(new Error('MDB_MAP_FULL: injected at a put'), { code: 'ENOSPC' });
      };
      const wrapped: KVTransaction = {
        get: (key) => tx.get(key),
        has: (key) => tx.has(key),
        put: (key, value) => (check(), tx.put(key, value)),
        putIfAbsent: (key, value) => (check(), tx.putIfAbsent(key, value)),
        del: (key) => tx.del(key),
      };
      return fn(wrapped);
    });
  }
}

const assertion = encodeAndHash(validateRecord({ type: 'assertion', subject: 'water', predicate: 'boils-at', object: 100, source: 'physics', createdAt: 1 }));
const vote = encodeAndHash(validateRecord({ type: 'vote', assertion: assertion.hash, voter: 'ada', stance: 'support', createdAt: 2 }));

function keysUnder(store: MemoryStore, prefix: Uint8Array): number {
  return [...store.scanPrefix(prefix)].length;
}

/** Resolves once the ingestor's checkpoint reaches `lsn`, whatever fails on the way. */
function caughtUp(ingestor: Ingestor, lsn: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (ingestor.checkpoint < lsn) return;
      ingestor.off('batch', check);
      resolve();
    };
    ingestor.on('batch', check);
    check();
  });
}

/** Resolves at the ingestor's next 'failure' event. */
function nextFailure(ingestor: Ingestor): Promise<Error> {
  return new Promise((resolve) => ingestor.once('failure', resolve));
}

test('a put that fails inside the transaction commits nothing, moves no checkpoint, files no dead letter, and is retried', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  const store = new FailingPutStore();
  const ingestor = new Ingestor({ wal, store, retryDelayMsMin: 1 });
  store.failures = 2; // the H: put succeeds, the S: put after it throws
  const failed = nextFailure(ingestor);
  ingestor.start();
  await wal.appendBatch([assertion.bytes, vote.bytes]);
  const failure = await failed;
  assert.match(failure.message, /injected at a put/);
  // While it is failing (the retry is at least 1 ms away): nothing of the batch is visible.
  assert.equal(ingestor.state().status, 'retrying');
  assert.equal(keysUnder(store, assertionPrefix()), 0, 'the assertion put before the failure was rolled back');
  assert.equal(readCheckpoint(store), 0);
  await caughtUp(ingestor, wal.recordsEndLsn);
  assert.equal(store.attempts, 3, 'two failed attempts, then one that commits');
  assert.equal(keysUnder(store, assertionPrefix()), 1);
  assert.equal(keysUnder(store, votePrefixAll()), 1);
  assert.equal(keysUnder(store, deadLetterPrefix()), 0, 'a store failure is never filed as bad data');
  assert.equal(store.get(counterKey('deadLetters')), undefined);
  assert.equal(readCheckpoint(store), wal.recordsEndLsn);
  assert.deepEqual(ingestor.state(), { status: 'ok', retries: 0, lastError: undefined });
  const report = await verifyDatabase(wal, store);
  assert.deepEqual(report.problems, []);
  assert.equal(report.ok, true);
  await ingestor.stop();
  await wal.close();
});

test('a failure at any write of the batch leaves the store exactly as before the batch', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  await wal.appendBatch([assertion.bytes, vote.bytes]);
  // H:, S:, V:, R:, the two counters and the checkpoint: seven writes; fail each in turn.
  for (let at = 1; at <= 7; at++) {
    const store = new FailingPutStore();
    store.failures = 1;
    store.failAtWrite = at;
    const ingestor = new Ingestor({ wal, store, retryDelayMsMin: 1 });
    const failed = nextFailure(ingestor);
    ingestor.start();
    await failed;
    assert.equal(keysUnder(store, new Uint8Array(0)), 0, `failing write ${at}: nothing committed`);
    await caughtUp(ingestor, wal.recordsEndLsn);
    assert.equal(keysUnder(store, assertionPrefix()), 1, `failing write ${at}: ingested after recovery`);
    assert.equal(keysUnder(store, deadLetterPrefix()), 0);
    assert.equal((await verifyDatabase(wal, store)).ok, true);
    await ingestor.stop();
  }
  await wal.close();
});

test('a store that keeps failing stops ingest after attemptsMax attempts with a fatal error, skipping nothing', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  const store = new FailingPutStore();
  store.failures = Number.POSITIVE_INFINITY;
  const ingestor = new Ingestor({ wal, store, attemptsMax: 4, retryDelayMsMin: 1 });
  const failures: Error[] = [];
  ingestor.on('failure', (error) => failures.push(error));
  ingestor.start();
  await wal.appendBatch([assertion.bytes]);
  await assert.rejects(ingestor.waitFor(wal.recordsEndLsn), (e) => e instanceof StemeError && e.code === 'STORAGE');
  while (ingestor.state().status !== 'failed') await nextFailure(ingestor);
  assert.equal(store.attempts, 4);
  assert.match(failures.at(-1)!.message, /stopped after 4 failed attempts.*nothing was skipped/);
  assert.equal(ingestor.state().status, 'failed');
  assert.equal(readCheckpoint(store), 0, 'the checkpoint never passed the refused batch');
  assert.equal(keysUnder(store, new Uint8Array(0)), 0);
  await assert.rejects(ingestor.waitFor(wal.recordsEndLsn), (e) => e instanceof StemeError && e.code === 'STORAGE');
  await ingestor.stop();
  // A new ingestor over a store that works again (a reopen) ingests the batch.
  store.failures = 0;
  const again = new Ingestor({ wal, store });
  again.start();
  await again.waitFor(wal.recordsEndLsn);
  assert.equal(keysUnder(store, assertionPrefix()), 1);
  await again.stop();
  await wal.close();
});

test('a payload that does not decode becomes a dead letter: the data is at fault, not the store', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  const store = new MemoryStore();
  await wal.appendBatch([Uint8Array.of(9, 9, 9), assertion.bytes]);
  const ingestor = new Ingestor({ wal, store });
  ingestor.start();
  await ingestor.waitFor(wal.recordsEndLsn);
  assert.equal(keysUnder(store, deadLetterPrefix()), 1);
  assert.equal(keysUnder(store, assertionPrefix()), 1);
  await ingestor.stop();
  await wal.close();
});
