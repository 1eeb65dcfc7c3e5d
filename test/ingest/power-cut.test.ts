// The database rule under power loss: LMDB is outside the file-system seam, so its durability comes
// from its own commit, confirmed by flushed(), and from the ingestor deleting WAL segments only below
// a checkpoint flushed() confirmed. Here the WAL runs on the simulated file system and the store's
// flushes are the test's to complete; at every sync point, the store as of its last completed flush
// plus the WAL a power cut leaves must hold every acknowledged record.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Ingestor } from '../../src/ingest/index.js';
import { assertionKey, readCheckpoint } from '../../src/layout/index.js';
import { encodeRecord, recordDigest, validateRecord } from '../../src/records/index.js';
import { MemoryStore } from '../../src/storage/index.js';
import { parseSegmentFileName } from '../../src/wal/format.js';
import { Wal } from '../../src/wal/index.js';
import { everyPowerCut, PowerCutFileSystem, type CrashImage, type FsOperation, type PowerCutName } from '../support/power-cut-fs.js';
import { tempDir } from '../support/temp-dir.js';

const segmentBytesMax = 4096;

function assertionBytes(i: number): Uint8Array {
  const object = `${i}:${'x'.repeat((i * 53) % 400)}`;
  return encodeRecord(validateRecord({ type: 'assertion', subject: `s${i % 5}`, predicate: 'p', object, source: 'test', createdAt: i }));
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Store contents by hex key: what a store holds at one moment. */
type Contents = ReadonlyMap<string, Uint8Array>;

/**
 * A MemoryStore standing in for LMDB with `overlappingSync`: a commit is visible at once, and
 * durable only once a flush completes, which the test decides. `durable` is what a power cut keeps:
 * the contents as of the start of the last completed flush. A lying store confirms flushes at once
 * and never makes anything durable: what the rule exists to survive, had the ingestor not waited.
 */
class FlushControlledStore extends MemoryStore {
  durable: Contents = new Map();
  private requests: Array<{ contents: Contents; resolve: () => void }> = [];

  constructor(readonly lying = false) {
    super();
  }

  override flushed(): Promise<void> {
    if (this.lying) return Promise.resolve();
    const contents = this.contents(); // a flush covers what was committed when it was asked for
    return new Promise((resolve) => this.requests.push({ contents, resolve }));
  }

  get flushesPending(): number {
    return this.requests.length;
  }

  /** The disk caught up: every flush asked for so far completes. */
  completeFlushes(): void {
    for (const request of this.requests.splice(0)) {
      this.durable = request.contents;
      request.resolve();
    }
  }

  contents(): Contents {
    return new Map([...this.scanPrefix(new Uint8Array(0))].map(({ key, value }) => [hex(key), value]));
  }
}

/** A crash image with the store's durable contents and the acknowledged records at that moment. */
interface Cut {
  at: FsOperation | undefined;
  image: CrashImage;
  durable: Contents;
  acked: readonly Uint8Array[];
}

interface Run {
  cuts: Cut[];
  /** Segments deleted while the store's durable checkpoint was below their end (must be none). */
  earlyDeletions: string[];
  segmentsDeleted: number;
}

function walDir(t: TestContext): { dir: string; sim: PowerCutFileSystem } {
  const root = tempDir(t);
  const dir = path.join(root, 'wal');
  fs.mkdirSync(dir); // the lock file lives on the real disk; the segments on the simulated one
  return { dir, sim: PowerCutFileSystem.withDirectories(root) };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 10_000) throw new Error(`gave up waiting until ${what}`);
    await nextTurn();
  }
}

/**
 * Appends records while the ingestor applies them with retainWal false; completes the store's
 * flushes now and then. Keeps a crash image at every sync point, and checks every segment deletion
 * against the store's durable checkpoint as it happens.
 */
async function runWorkload(sim: PowerCutFileSystem, dir: string, store: FlushControlledStore): Promise<Run> {
  const acked: Uint8Array[] = [];
  const run: Run = { cuts: [], earlyDeletions: [], segmentsDeleted: 0 };
  const cut = (at: FsOperation | undefined): void => void run.cuts.push({ at, image: sim.crashImage(), durable: store.durable, acked: acked.slice() });
  sim.onSyncPoint = cut;
  const wal = await Wal.open({ dir, fileSystem: sim, segmentBytesMax, sync: 'always', log: () => undefined });
  const ingestor = new Ingestor({ wal, store, retainWal: false, batchRecordsMax: 8 });
  const segmentBases = new Set<number>([0]);
  sim.onOperation = (operation) => {
    const base = parseSegmentFileName(path.basename(operation.path));
    if (base === undefined) return;
    if (operation.kind === 'createExclusive') segmentBases.add(base);
    if (operation.kind !== 'remove') return;
    run.segmentsDeleted += 1;
    // The deleted segment ends where the next one starts: the store must durably hold everything before that.
    const end = Math.min(...[...segmentBases].filter((other) => other > base));
    segmentBases.delete(base);
    const durableCheckpoint = readCheckpoint({ get: (key) => store.durable.get(hex(key)), has: (key) => store.durable.has(hex(key)) });
    if (!(end <= durableCheckpoint)) run.earlyDeletions.push(`${path.basename(operation.path)} (ends at ${end}) deleted at durable checkpoint ${durableCheckpoint}`);
  };
  ingestor.start();
  let i = 0;
  const append = (): Promise<void> => {
    const payload = assertionBytes(i++);
    return wal.append(payload).then(() => void acked.push(payload));
  };
  const appendBatch = (count: number): Promise<void> => {
    const payloads = Array.from({ length: count }, () => assertionBytes(i++));
    return wal.appendBatch(payloads).then(() => void acked.push(...payloads));
  };

  // Several segments' worth, ingested, while the store's flush is held back.
  const inFlight: Array<Promise<void>> = [];
  for (let n = 0; n < 40; n++) {
    inFlight.push(append());
    if (n % 4 === 3) await nextTurn();
  }
  inFlight.push(appendBatch(10));
  await Promise.all(inFlight.splice(0));
  await ingestor.waitFor(wal.recordsEndLsn);
  if (!store.lying) {
    await until(() => store.flushesPending > 0, 'the ingestor asks for a flush');
    for (let turn = 0; turn < 50; turn++) await nextTurn();
    assert.ok(wal.stats().segments > 2, `${wal.stats().segments} segments`);
    assert.equal(wal.firstLsn, 0, 'no segment is deleted while the flush is outstanding');
    assert.equal(run.segmentsDeleted, 0);
    const sealedEnd = wal.oldestSealedEndLsn!;
    store.completeFlushes();
    await until(() => wal.firstLsn > 0, 'segments below the flushed checkpoint are deleted');
    assert.ok(wal.firstLsn >= sealedEnd, 'the segments below the flushed checkpoint went');
  }

  // More, with flushes completing at different moments: mid-append, after ingest, not at all.
  for (let round = 0; round < 4; round++) {
    for (let n = 0; n < 12; n++) {
      inFlight.push(n % 5 === 0 ? appendBatch(3) : append());
      if (n % 3 === 2) await nextTurn();
      if (round % 2 === 0 && n === 6) store.completeFlushes();
    }
    await Promise.all(inFlight.splice(0));
    await ingestor.waitFor(wal.recordsEndLsn);
    if (round < 3) store.completeFlushes();
    await nextTurn();
  }
  // Stopping waits for a truncation in progress, which waits for its flush: let the disk catch up.
  let stopped = false;
  const stopping = ingestor.stop().then(() => void (stopped = true));
  while (!stopped) {
    store.completeFlushes();
    await nextTurn();
  }
  await stopping;
  await wal.close();
  sim.onSyncPoint = undefined;
  sim.onOperation = undefined;
  cut(undefined);
  return run;
}

/** A hang is a failure to report, not a test timeout: re-ingesting a few KiB takes milliseconds. */
const reingestMsMax = 500;

/** Whether `promise` resolves within `ms` (a rejection propagates). */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Recovers from one cut: the store's durable contents plus the WAL the cut left. Returns what is lost. */
async function checkCut(cut: Cut, disk: PowerCutFileSystem, dir: string): Promise<string | undefined> {
  const wal = await Wal.open({ dir, fileSystem: disk, segmentBytesMax, sync: 'always', recovery: 'tolerate-tail', log: () => undefined });
  try {
    const checkpoint = readCheckpoint({ get: (key) => cut.durable.get(hex(key)), has: (key) => cut.durable.has(hex(key)) });
    if (checkpoint < wal.firstLsn) return `the WAL starts at ${wal.firstLsn}, past the store's durable checkpoint ${checkpoint}`;
    const inWal = new Set<string>();
    for await (const entry of wal.read(checkpoint)) inWal.add(hex(entry.payload));
    const lost = cut.acked.filter((payload) => !cut.durable.has(hex(assertionKey(recordDigest(payload)))) && !inWal.has(hex(payload)));
    if (lost.length > 0) return `${lost.length} acknowledged record(s) neither in the durable store nor in the WAL from its checkpoint ${checkpoint}`;
    // And recovery does put them back: re-ingest from the checkpoint into the durable store.
    const store = new MemoryStore();
    await store.transaction((tx) => cut.durable.forEach((value, key) => tx.put(Buffer.from(key, 'hex'), value)));
    const ingestor = new Ingestor({ wal, store });
    ingestor.start();
    const caughtUp = await settlesWithin(ingestor.waitFor(wal.recordsEndLsn), reingestMsMax);
    await ingestor.stop();
    if (!caughtUp) return `re-ingest from checkpoint ${checkpoint} did not reach LSN ${wal.recordsEndLsn} within ${reingestMsMax} ms`;
    const missing = cut.acked.filter((payload) => !store.has(assertionKey(recordDigest(payload))));
    return missing.length > 0 ? `${missing.length} acknowledged record(s) missing after re-ingest` : undefined;
  } finally {
    await wal.close();
  }
}

/** Enough failures to diagnose; checking on would only make a failing run slow. */
const problemsMax = 10;

async function checkAllCuts(cuts: Cut[], dir: string): Promise<{ counts: Record<PowerCutName, number>; problems: string[] }> {
  const counts = { drop: 0, prefix: 0, torn: 0 };
  const problems: string[] = [];
  for (const [index, cut] of cuts.entries()) {
    if (problems.length >= problemsMax) break;
    for (const { name, cut: how } of everyPowerCut(cut.image)) {
      counts[name] += 1;
      let problem: string | undefined;
      try {
        problem = await checkCut(cut, cut.image.disk(how), dir);
      } catch (error) {
        problem = `recovery threw ${String(error)}`;
      }
      const where = cut.at === undefined ? 'after the workload' : `at sync point ${cut.at.syncPoint} (${cut.at.kind} ${path.basename(cut.at.path)})`;
      if (problem !== undefined) problems.push(`cut ${index} ${where}, ${JSON.stringify(how)}: ${problem}`);
    }
  }
  return { counts, problems };
}

test('WAL segments are deleted only once the store has flushed a checkpoint past them, and a power cut at any sync point loses nothing', async (t) => {
  const { dir, sim } = walDir(t);
  const store = new FlushControlledStore();
  const run = await runWorkload(sim, dir, store);
  assert.deepEqual(run.earlyDeletions, []);
  assert.ok(run.segmentsDeleted > 3, `${run.segmentsDeleted} segments deleted`);
  const { counts, problems } = await checkAllCuts(run.cuts, dir);
  t.diagnostic(`${sim.syncPointCount} sync points, ${run.segmentsDeleted} segments deleted; crash states checked: drop ${counts.drop}, prefix ${counts.prefix}, torn ${counts.torn}`);
  assert.deepEqual(problems, [], 'crash states that lose records (the first few)');
});

test('the check has teeth: a store that confirms flushes it has not made durable loses records to WAL truncation', async (t) => {
  const { dir, sim } = walDir(t);
  const store = new FlushControlledStore(true);
  const run = await runWorkload(sim, dir, store);
  assert.ok(run.earlyDeletions.length > 0, 'segments went while nothing in the store was durable');
  const last = run.cuts[run.cuts.length - 1]!;
  assert.match((await checkCut(last, last.image.disk({ mode: 'drop' }), dir)) ?? '', /past the store's durable checkpoint/);
});

test('after a cut that left the newest segment with only its header, ingest applies the previous segment to its end without a new append', async (t) => {
  // A crash between creating a segment and writing its first frame leaves endLsn past the new
  // header while the last record ends at the segment's base. The ingestor used to wait for a
  // record ending at endLsn, so StemeDB.open's waitFor(recordsEndLsn) hung until a new write.
  const { dir, sim } = walDir(t);
  const wal = await Wal.open({ dir, fileSystem: sim, segmentBytesMax, sync: 'always', log: () => undefined });
  // The first sync point after the roll's directory fsync: in 'drop' mode, the disk just after it.
  let rollSynced = false;
  let rolled: CrashImage | undefined;
  sim.onSyncPoint = (at) => {
    if (rollSynced) rolled ??= sim.crashImage();
    rollSynced ||= at.kind === 'syncDirectory';
  };
  for (let i = 0; rolled === undefined; i++) await wal.append(assertionBytes(i));
  await wal.close();
  const reopened = await Wal.open({ dir, fileSystem: rolled.disk({ mode: 'drop' }), segmentBytesMax, log: () => undefined });
  assert.equal(reopened.stats().segments, 2);
  assert.equal(reopened.endLsn, reopened.recordsEndLsn + 32, 'the newest segment holds only its header');
  const store = new MemoryStore();
  const ingestor = new Ingestor({ wal: reopened, store });
  ingestor.start();
  assert.ok(await settlesWithin(ingestor.waitFor(reopened.recordsEndLsn), reingestMsMax), 'ingest caught up without a new append');
  assert.equal(ingestor.checkpoint, reopened.recordsEndLsn);
  await ingestor.stop();
  await reopened.close();
});
