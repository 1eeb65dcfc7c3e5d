// A record whose key the store refuses (KeyRefusedError: longer than the store takes) is that
// record's problem, not the store's: ingest files it as a dead letter, with its LSN, hash and
// why, stores the rest of the batch, moves the checkpoint, and does not retry with backoff.
// Here the memory store takes keys of up to 1978 bytes, as LMDB does with 4 KiB pages
// (test/db/unstorable-record.test.ts does the same against a real 4 KiB-page environment).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyDatabase } from '../../src/db/verify.js';
import { applyRefusing } from '../../src/ingest/apply.js';
import { Ingestor } from '../../src/ingest/index.js';
import { assertionKeyHex, counterKey, deadLetterPrefix, decodeDeadLetter, readCheckpoint, readU64, type DeadLetter } from '../../src/layout/index.js';
import { prepareRecord, type PreparedRecord } from '../../src/records/index.js';
import { MemoryStore, type KVTransaction } from '../../src/storage/index.js';
import { Wal } from '../../src/wal/index.js';
import { tempDir } from '../support/temp-dir.js';

const smallPagesKeyBytesMax = 1978;

/** A MemoryStore with LMDB's 4 KiB-page key cap that counts its transactions. */
class SmallKeyStore extends MemoryStore {
  transactions = 0;
  constructor() {
    super({ keyBytesMax: smallPagesKeyBytesMax });
  }
  override transaction<T>(fn: (tx: KVTransaction) => T): Promise<T> {
    this.transactions += 1;
    return super.transaction(fn);
  }
}

const normal = prepareRecord({ type: 'assertion', subject: 'water', predicate: 'boils-at', object: 100, source: 'physics', createdAt: 1 });
// A valid record whose S: key is 2,100 bytes: its subject is 1,024 NULs, each escaped to two bytes.
const nulSubject = prepareRecord({ type: 'assertion', subject: '\u0000'.repeat(1024), predicate: 'p', object: 1, source: 's', createdAt: 2 });
// A valid record whose A: key (the source's) is 2,092 bytes; its S: and O: keys fit.
const nulSource = prepareRecord({ type: 'assertion', subject: 'ok', predicate: 'p', object: 2, source: '\u0000'.repeat(1024), createdAt: 3 });
const vote = prepareRecord({ type: 'vote', assertion: normal.hash, voter: 'ada', stance: 'support', createdAt: 4 });

const letters = (store: MemoryStore): DeadLetter[] => [...store.scanPrefix(deadLetterPrefix())].map(({ value }) => decodeDeadLetter(value));
const counter = (store: MemoryStore, name: string): number => readU64(store.get(counterKey(name)) ?? new Uint8Array(8));

function entriesOf(records: PreparedRecord[]): Array<{ lsn: number; nextLsn: number; payload: Uint8Array }> {
  let lsn = 0;
  return records.map((record) => {
    const entry = { lsn, nextLsn: lsn + record.bytes.length + 32, payload: record.bytes };
    lsn = entry.nextLsn;
    return entry;
  });
}

test('a record with a key the store refuses becomes a dead letter; the rest of the WAL is ingested without a retry', async (t) => {
  const wal = await Wal.open({ dir: tempDir(t), log: () => undefined });
  t.after(() => wal.close());
  const store = new SmallKeyStore();
  const refusedAt = (await wal.appendBatch([normal.bytes, nulSubject.bytes, vote.bytes])).lsns[1]!;
  const ingestor = new Ingestor({ wal, store });
  const failures: Error[] = [];
  ingestor.on('failure', (error) => failures.push(error));
  ingestor.start();
  await ingestor.waitFor(wal.recordsEndLsn);
  await ingestor.stop();

  assert.deepEqual(failures, [], 'a refused key is not a store failure: no backoff, no retry count');
  assert.equal(ingestor.state().retries, 0);
  assert.equal(readCheckpoint(store), wal.recordsEndLsn);
  const [letter, ...more] = letters(store);
  assert.deepEqual(more, []);
  assert.deepEqual(
    { lsn: letter!.lsn, hash: letter!.hash, kind: letter!.kind, reason: letter!.reason },
    { lsn: refusedAt!, hash: nulSubject.hash, kind: 'unstorable', reason: 'the KV store refused its S: key: 2100 bytes, and it takes keys of at most 1978' },
  );
  assert.deepEqual(Buffer.from(letter!.payload, 'base64'), Buffer.from(nulSubject.bytes), 'the letter keeps the logged bytes');
  assert.equal(store.get(assertionKeyHex(nulSubject.hash)), undefined, 'nothing of the refused record is stored');
  assert.notEqual(store.get(assertionKeyHex(normal.hash)), undefined);
  assert.equal(counter(store, 'assertions'), 1);
  assert.equal(counter(store, 'votes'), 1);
  assert.equal(counter(store, 'deadLetters'), 1);

  const report = await verifyDatabase(wal, store);
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems, [{ where: `assertion ${nulSubject.hash}`, offset: refusedAt, message: `logged record is not stored: a dead letter (unstorable): ${letter!.reason}` }]);
  assert.deepEqual(report.deadLetters, [{ lsn: refusedAt, hash: nulSubject.hash, kind: 'unstorable', reason: letter!.reason }]);
});

test('each refused record costs one more transaction; none of its keys is left behind; a replay adds nothing', async () => {
  const store = new SmallKeyStore();
  const entries = entriesOf([normal, nulSource, vote, nulSubject]);
  const added = await applyRefusing(store, entries);
  assert.deepEqual(added, { assertions: 1, votes: 1, epochs: 0, retractions: 0, deadLetters: 2 });
  assert.equal(store.transactions, 3, 'one attempt, then one more per refused record');
  assert.deepEqual(letters(store).map((l) => [l.lsn, l.hash, l.kind]), [[entries[1]!.lsn, nulSource.hash, 'unstorable'], [entries[3]!.lsn, nulSubject.hash, 'unstorable']]);
  assert.match(letters(store)[0]!.reason, /refused its A: key: 2092 bytes/);
  // The A: key was the last of the record's keys: its S:, O: and H: were written first, and the
  // aborted transaction took them back. Nothing under any family ends with its hash.
  const refused = Buffer.from(nulSource.hash, 'hex');
  for (const { key } of store.scanPrefix(new Uint8Array(0))) {
    assert.ok(!Buffer.from(key).subarray(-32).equals(refused), `key ${Buffer.from(key.subarray(0, 2)).toString()} of the refused record`);
  }
  const again = await applyRefusing(store, entries);
  assert.deepEqual(again, { assertions: 0, votes: 0, epochs: 0, retractions: 0, deadLetters: 0 });
  assert.equal(letters(store).length, 2);
});

test('a store failure that is not a key refusal still aborts the batch and files nothing', async () => {
  const store = new (class extends SmallKeyStore {
    override transaction<T>(fn: (tx: KVTransaction) => T): Promise<T> {
      return super.transaction((tx) => {
        const failing: KVTransaction = { ...tx, get: (k) => tx.get(k), has: (k) => tx.has(k), del: (k) => tx.del(k), put: () => { throw new Error('EIO: injected'); }, putIfAbsent: () => { throw new Error('EIO: injected'); } };
        return fn(failing);
      });
    }
  })();
  await assert.rejects(applyRefusing(store, entriesOf([normal, nulSubject])), /EIO: injected/);
  assert.equal(store.transactions, 1);
  assert.equal(letters(store).length, 0);
  assert.equal(readCheckpoint(store), 0);
});
