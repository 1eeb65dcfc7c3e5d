// WAL behaviour on real files: round trips, segments, group commit, reading, tailing,
// truncation and the failed state after an injected I/O error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StemeError } from '../../src/errors.js';
import { walPreallocateBytes } from '../../src/limits.js';
import { frameHeaderBytes, parseSegmentFileName, segmentHeaderBytes } from '../../src/wal/format.js';
import { Wal } from '../../src/wal/index.js';
import { tempDir } from '../support/temp-dir.js';
import { FaultyFileSystem } from './fixtures/faulty-fs.js';
import { flipBit, openQuiet, payloadFor, readAll, segmentFiles } from './fixtures/wal-files.js';

function errorCode(error: unknown): string | undefined {
  return error instanceof StemeError ? error.code : undefined;
}

describe('wal round trip', () => {
  test('10k records of random sizes across many segments read back identical after reopen', async (t) => {
    const dir = tempDir(t);
    const segmentBytesMax = 256 * 1024;
    let { wal } = await openQuiet(dir, { segmentBytesMax });
    const payloads = Array.from({ length: 10_000 }, (_, i) => payloadFor(i, 1 + ((i * 7919) % 700)));
    const lsns: number[] = [];
    for (let i = 0; i < payloads.length; i += 100) {
      lsns.push(...(await Promise.all(payloads.slice(i, i + 100).map((p) => wal.append(p)))));
    }
    await wal.close();
    assert.ok(segmentFiles(dir).length >= 5, 'the log rolled into several segments');

    ({ wal } = await openQuiet(dir, { segmentBytesMax }));
    const entries = await readAll(wal);
    assert.equal(entries.length, payloads.length);
    for (let i = 0; i < payloads.length; i++) {
      assert.equal(entries[i]!.lsn, lsns[i]);
      assert.deepEqual(entries[i]!.payload, payloads[i]);
    }
    const next = await wal.append(Buffer.from('after reopen'));
    assert.ok(next > lsns[lsns.length - 1]!);
    const tail = await readAll(wal, next);
    assert.deepEqual(tail.map((e) => e.payload.toString()), ['after reopen']);
    await wal.close();
  });

  test('LSNs increase in call order and are stable across reopen', async (t) => {
    const dir = tempDir(t);
    let { wal } = await openQuiet(dir);
    const first = await Promise.all([1, 2, 3].map((i) => wal.append(payloadFor(i, 10))));
    assert.ok(first[0]! < first[1]! && first[1]! < first[2]!);
    await wal.close();
    ({ wal } = await openQuiet(dir));
    assert.deepEqual((await readAll(wal)).map((e) => e.lsn), first);
    await wal.close();
  });

  test('segment files are named by their base LSN, zero-padded so they sort', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir, { segmentBytesMax: 8192 });
    for (let i = 0; i < 40; i++) await wal.append(payloadFor(i, 1000));
    await wal.close();
    const names = fs.readdirSync(dir).filter((n) => n.endsWith('.wal'));
    assert.ok(names.length > 3);
    for (const name of names) assert.match(name, /^\d{20}\.wal$/);
    assert.deepEqual([...names].sort(), names.sort((a, b) => Number(a.slice(0, 20)) - Number(b.slice(0, 20))));
    for (const file of segmentFiles(dir).slice(0, -1)) assert.ok(fs.statSync(file).size <= 8192);
  });

  test('read from a middle LSN starts at that record', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir, { segmentBytesMax: 8192 });
    const lsns: number[] = [];
    for (let i = 0; i < 50; i++) lsns.push(await wal.append(payloadFor(i, 500)));
    const entries = await readAll(wal, lsns[30]);
    assert.deepEqual(entries.map((e) => e.lsn), lsns.slice(30));
    assert.deepEqual((await readAll(wal, wal.endLsn)).length, 0);
    await wal.close();
  });

  test('a record larger than the read chunk reads back whole', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir, { segmentBytesMax: 16 * 1024 * 1024 });
    const big = payloadFor(9, 3 * 1024 * 1024 + 5);
    await wal.append(payloadFor(1, 10));
    await wal.append(big);
    await wal.append(payloadFor(2, 10));
    const entries = await readAll(wal);
    assert.deepEqual(entries[1]!.payload, big);
    assert.equal(entries.length, 3);
    await wal.close();
  });
});

describe('wal limits', () => {
  test('an empty record is refused before anything is written', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir);
    const end = wal.endLsn;
    await assert.rejects(wal.append(new Uint8Array(0)), (e) => errorCode(e) === 'RECORD_SIZE');
    assert.equal(wal.endLsn, end);
    await wal.close();
  });

  test('a record over recordBytesMax is refused, and a batch containing one writes nothing', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir, { recordBytesMax: 1000 });
    await assert.rejects(wal.append(payloadFor(1, 1001)), (e) => errorCode(e) === 'RECORD_SIZE');
    await assert.rejects(wal.appendBatch([payloadFor(1, 10), payloadFor(2, 1001)]), (e) => errorCode(e) === 'RECORD_SIZE');
    assert.equal((await readAll(wal)).length, 0);
    assert.equal(await wal.append(payloadFor(3, 1000)) > 0, true);
    await wal.close();
  });

  test('what is logged is what was passed at the call: later changes to the payloads or the array do not reach the log', async (t) => {
    const { wal } = await openQuiet(tempDir(t));
    const single = payloadFor(1, 40);
    const batch = [payloadFor(2, 30), payloadFor(3, 50)];
    const expected = [single, ...batch].map((p) => Buffer.from(p));
    const appended = Promise.all([wal.append(single), wal.appendBatch(batch)]);
    single.fill(0xee);
    batch[0]!.fill(0xee);
    batch[1] = payloadFor(9, 10);
    await appended;
    assert.deepEqual((await readAll(wal)).map((entry) => Buffer.from(entry.payload)), expected);
    await wal.close();
  });

  test('bad options are refused with INVALID_ARGUMENT', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(Wal.open({ dir, segmentBytesMax: 10 }), (e) => errorCode(e) === 'INVALID_ARGUMENT');
    await assert.rejects(Wal.open({ dir, recordBytesMax: 0 }), (e) => errorCode(e) === 'INVALID_ARGUMENT');
    await assert.rejects(Wal.open({ dir, recovery: 'whatever' as 'absolute' }), (e) => errorCode(e) === 'INVALID_ARGUMENT');
  });
});

describe('wal preallocation', () => {
  test("with sync 'always' the active segment runs ahead in zeros; close cuts it to its last frame", async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir);
    const lsns = [];
    for (let i = 0; i < 10; i++) lsns.push(await wal.append(payloadFor(i, 300)));
    const [file] = segmentFiles(dir);
    const size = fs.statSync(file!).size;
    assert.ok(size >= walPreallocateBytes, `the active segment is ${size} bytes while open`);
    assert.ok(fs.readFileSync(file!).subarray(wal.endLsn).every((byte) => byte === 0), 'past the log: zeros only');
    const end = wal.endLsn;
    await wal.close();
    assert.equal(fs.statSync(file!).size, end);
    const { wal: reopened, logs } = await openQuiet(dir);
    assert.deepEqual((await readAll(reopened)).map((e) => e.lsn), lsns);
    assert.deepEqual(logs, []);
    await reopened.close();
  });

  test('sealed segments are cut to their last frame before the next one starts', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir, { segmentBytesMax: 64 * 1024 });
    for (let i = 0; i < 200; i++) await wal.append(payloadFor(i, 1000));
    const bases = segmentFiles(dir).map((file) => Number(path.basename(file, '.wal')));
    assert.ok(bases.length > 2);
    for (let i = 0; i + 1 < bases.length; i++) {
      assert.equal(fs.statSync(segmentFiles(dir)[i]!).size, bases[i + 1]! - bases[i]!);
    }
    await wal.close();
  });

  test('the files an open WAL leaves (as a crash would) reopen with every record and no damage', async (t) => {
    const dir = tempDir(t);
    const copy = tempDir(t);
    const { wal } = await openQuiet(dir, { segmentBytesMax: 64 * 1024 });
    const lsns = [];
    for (let i = 0; i < 150; i++) lsns.push(await wal.append(payloadFor(i, 1000)));
    for (const file of segmentFiles(dir)) fs.copyFileSync(file, path.join(copy, path.basename(file)));
    await wal.close();
    const active = segmentFiles(copy).at(-1)!;
    assert.ok(fs.statSync(active).size > lsns.length, 'the copied active segment ends in preallocated zeros');
    for (const recovery of ['tolerate-tail', 'absolute'] as const) {
      const { wal: reopened, logs } = await openQuiet(copy, { recovery, segmentBytesMax: 64 * 1024 });
      assert.deepEqual(logs, []);
      assert.deepEqual((await readAll(reopened)).map((e) => e.lsn), lsns);
      lsns.push(await reopened.append(payloadFor(lsns.length, 1000)));
      await reopened.close();
    }
  });

  test("sync 'none' does not preallocate", async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir, { sync: 'none' });
    for (let i = 0; i < 10; i++) await wal.append(payloadFor(i, 300));
    assert.equal(fs.statSync(segmentFiles(dir)[0]!).size, wal.endLsn);
    await wal.close();
  });

  test('a failed preallocation (ENOSPC) fails the WAL like a failed write; reopening recovers', async (t) => {
    const dir = tempDir(t);
    const fileSystem = new FaultyFileSystem();
    const { wal } = await openQuiet(dir, { fileSystem, segmentBytesMax: 64 * 1024 });
    const kept: number[] = [];
    for (let i = 0; i < 10; i++) kept.push(await wal.append(payloadFor(i, 1000)));
    fileSystem.failOn('preallocate', 'ENOSPC');
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => wal.append(payloadFor(i, 1000))));
    assert.ok(fileSystem.calls.preallocate >= 2);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.ok(rejected.length > 0, 'appends past the preallocated space are refused');
    for (const r of rejected) {
      assert.equal(errorCode(r.reason), 'WAL_FAILED');
      assert.equal((r.reason as Error & { cause: NodeJS.ErrnoException }).cause.code, 'ENOSPC');
    }
    assert.equal(wal.state, 'failed');
    await wal.close();
    const acknowledged = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const { wal: reopened } = await openQuiet(dir, { segmentBytesMax: 64 * 1024 });
    const found = new Set((await readAll(reopened)).map((e) => e.lsn));
    for (const lsn of [...kept, ...acknowledged]) assert.ok(found.has(lsn), `acknowledged LSN ${lsn} survives`);
    await reopened.append(Buffer.from('works again'));
    await reopened.close();
  });
});

describe('wal group commit', () => {
  test('appendBatch writes many records with one fsync', async (t) => {
    const dir = tempDir(t);
    const fileSystem = new FaultyFileSystem();
    const { wal } = await openQuiet(dir, { fileSystem });
    const before = fileSystem.calls.datasync;
    const { lsns } = await wal.appendBatch(Array.from({ length: 64 }, (_, i) => payloadFor(i, 256)));
    assert.equal(lsns.length, 64);
    assert.equal(fileSystem.calls.datasync - before, 1);
    await wal.close();
  });

  test("appendBatch resolves each record's LSN and the LSN just past it, as reading yields them, also across a segment roll", async (t) => {
    const { wal } = await openQuiet(tempDir(t), { segmentBytesMax: 8192 });
    const { lsns, nextLsns } = await wal.appendBatch(Array.from({ length: 40 }, (_, i) => payloadFor(i, 1 + i * 13)));
    assert.ok(wal.stats().segments > 1, 'the batch rolled into a new segment');
    const read = [];
    for await (const entry of wal.read()) read.push(entry);
    assert.deepEqual(lsns, read.map((e) => e.lsn));
    assert.deepEqual(nextLsns, read.map((e) => e.nextLsn));
    assert.equal(nextLsns.at(-1), wal.endLsn);
    const firstOfNewSegment = lsns.findIndex((lsn, i) => i > 0 && lsn !== nextLsns[i - 1]);
    assert.equal(lsns[firstOfNewSegment], nextLsns[firstOfNewSegment - 1]! + segmentHeaderBytes, 'a new segment starts where the last record ends; its first record follows the header');
    await wal.close();
  });

  test('concurrent appends share fsyncs', async (t) => {
    const dir = tempDir(t);
    const fileSystem = new FaultyFileSystem();
    const { wal } = await openQuiet(dir, { fileSystem });
    const before = fileSystem.calls.datasync;
    await Promise.all(Array.from({ length: 64 }, (_, i) => wal.append(payloadFor(i, 256))));
    const syncs = fileSystem.calls.datasync - before;
    assert.ok(syncs >= 1 && syncs <= 2, `64 concurrent appends took ${syncs} fsyncs`);
    await wal.close();
  });

  test("sync 'none' never calls fdatasync", async (t) => {
    const dir = tempDir(t);
    const fileSystem = new FaultyFileSystem();
    const { wal } = await openQuiet(dir, { fileSystem, sync: 'none' });
    await Promise.all(Array.from({ length: 10 }, (_, i) => wal.append(payloadFor(i, 256))));
    assert.equal(fileSystem.calls.datasync, 0);
    await wal.close();
  });

  test('creating, rolling and deleting segments fsyncs the directory', async (t) => {
    const dir = tempDir(t);
    const fileSystem = new FaultyFileSystem();
    const { wal } = await openQuiet(dir, { fileSystem, segmentBytesMax: 8192 });
    // A new log also fsyncs the parent, so that the WAL directory's own entry is durable.
    assert.equal(fileSystem.calls.syncDirectory, 2, 'creating the first segment, and the new directory in its parent');
    for (let i = 0; i < 20; i++) await wal.append(payloadFor(i, 1000));
    const segments = wal.stats().segments;
    assert.equal(fileSystem.calls.syncDirectory, segments + 1, 'one per segment created');
    const removed = await wal.truncateBefore(wal.endLsn);
    assert.equal(removed, segments - 1);
    assert.equal(fileSystem.calls.syncDirectory, segments + 2, 'one after deleting');
    await wal.close();
  });
});

describe('wal tail and truncation', () => {
  test('tail yields new appends as they become durable and ends on close', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir);
    await wal.append(Buffer.from('before'));
    const seen: string[] = [];
    let sawAll!: () => void;
    const allSeen = new Promise<void>((resolve) => (sawAll = resolve));
    const reader = (async () => {
      for await (const entry of wal.tail()) {
        seen.push(Buffer.from(entry.payload).toString());
        if (seen.length === 4) sawAll();
      }
    })();
    await wal.append(Buffer.from('one'));
    await wal.appendBatch([Buffer.from('two'), Buffer.from('three')]);
    await allSeen;
    await wal.close();
    await reader;
    assert.deepEqual(seen, ['before', 'one', 'two', 'three']);
  });

  test('truncateBefore deletes only whole segments below the LSN', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir, { segmentBytesMax: 8192 });
    const lsns: number[] = [];
    for (let i = 0; i < 40; i++) lsns.push(await wal.append(payloadFor(i, 1000)));
    const keepFrom = lsns[25]!;
    await wal.truncateBefore(keepFrom);
    assert.ok(wal.firstLsn <= keepFrom);
    const entries = await readAll(wal, keepFrom);
    assert.deepEqual(entries.map((e) => e.lsn), lsns.slice(25));
    await assert.rejects(readAll(wal, lsns[0]), (e) => errorCode(e) === 'INVALID_ARGUMENT');
    await wal.close();
    const { wal: reopened } = await openQuiet(dir, { segmentBytesMax: 8192 });
    assert.deepEqual((await readAll(reopened, keepFrom)).map((e) => e.lsn), lsns.slice(25));
    await reopened.close();
  });

  test('truncateBefore refuses a number that cannot be an LSN with INVALID_ARGUMENT', async (t) => {
    const { wal } = await openQuiet(tempDir(t));
    await wal.append(Buffer.from('kept'));
    for (const bad of [-1, 0.5, Number.NaN]) {
      await assert.rejects(wal.truncateBefore(bad), (e) => errorCode(e) === 'INVALID_ARGUMENT');
    }
    assert.equal((await readAll(wal)).length, 1);
    await wal.close();
  });

  test('appends after close are refused with CLOSED', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir);
    await wal.close();
    await assert.rejects(wal.append(Buffer.from('x')), (e) => errorCode(e) === 'CLOSED');
    await wal.close();
  });

  test('a second open in the same process is refused with LOCKED until the first closes', async (t) => {
    const dir = tempDir(t);
    const { wal } = await openQuiet(dir);
    await assert.rejects(Wal.open({ dir }), (e) => errorCode(e) === 'LOCKED' && (e as { pid: number }).pid === process.pid);
    await wal.close();
    const { wal: again } = await openQuiet(dir);
    await again.close();
    assert.deepEqual(fs.readdirSync(dir).filter((name) => name.startsWith('LOCK.')), [], 'close removes the lock file');
  });
});

describe('wal fsync failure is final', () => {
  for (const [point, code] of [['datasync', 'EIO'], ['write', 'ENOSPC']] as const) {
    test(`a failed ${point} (${code}) rejects every pending append and fails the WAL`, async (t) => {
      const dir = tempDir(t);
      const fileSystem = new FaultyFileSystem();
      const { wal } = await openQuiet(dir, { fileSystem });
      const kept = await wal.append(Buffer.from('kept'));
      fileSystem.failOn(point, code);
      const pending = Array.from({ length: 10 }, (_, i) => wal.append(payloadFor(i, 100)));
      const results = await Promise.allSettled(pending);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.equal(errorCode((result as PromiseRejectedResult).reason), 'WAL_FAILED');
        assert.equal(((result as PromiseRejectedResult).reason as Error & { cause: NodeJS.ErrnoException }).cause.code, code);
      }
      assert.equal(wal.state, 'failed');
      await assert.rejects(wal.append(Buffer.from('later')), (e) => errorCode(e) === 'WAL_FAILED');
      await wal.close();

      const { wal: reopened } = await openQuiet(dir);
      const entries = await readAll(reopened);
      assert.equal(entries[0]!.lsn, kept);
      assert.equal(reopened.state, 'open');
      await reopened.append(Buffer.from('works again'));
      await reopened.close();
    });
  }
});

/**
 * Resolves when something starts listening for `signal`'s abort: a tail does that when it has
 * caught up and waits for new records, so this is the moment it is parked.
 */
function listensForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const add = signal.addEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>): void => {
      add(...args);
      if (args[0] === 'abort') resolve();
    };
  });
}

test('a tail ends when its abort signal fires, and the WAL stays open', async (t) => {
  const dir = tempDir(t);
  const { wal } = await openQuiet(dir);
  await wal.append(Buffer.from('a'));
  const controller = new AbortController();
  const waiting = listensForAbort(controller.signal);
  const seen: number[] = [];
  const reader = (async () => {
    for await (const entry of wal.tail(undefined, controller.signal)) seen.push(entry.nextLsn);
  })();
  await waiting; // caught up, and waiting for a record that will never come
  controller.abort();
  await reader;
  assert.equal(seen.length, 1);
  assert.equal(seen[0], wal.endLsn, 'nextLsn of the last record is the end LSN');
  assert.equal(wal.state, 'open');
  await wal.close();
});

test('reading from an LSN inside a record is INVALID_ARGUMENT, not corruption', async (t) => {
  const dir = tempDir(t);
  const { wal } = await openQuiet(dir);
  const { lsns } = await wal.appendBatch([payloadFor(1, 100), payloadFor(2, 100)]);
  await assert.rejects(readAll(wal, lsns[1]! + 8), (e) => errorCode(e) === 'INVALID_ARGUMENT');
  assert.equal((await readAll(wal, lsns[1])).length, 1);
  await wal.close();
});

test('damage found while reading a live log: the records before it are read, then WAL_CORRUPT names the file and offset', async (t) => {
  const dir = tempDir(t);
  const { wal } = await openQuiet(dir);
  const { lsns } = await wal.appendBatch(Array.from({ length: 50 }, (_, i) => payloadFor(i, 100)));
  const [file] = segmentFiles(dir);
  flipBit(file!, lsns[20]! + frameHeaderBytes + 7, 4); // inside record 20's payload (one segment, base 0)
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const entry of wal.read()) seen.push(entry.lsn);
    })(),
    (e) => {
      assert.equal(errorCode(e), 'WAL_CORRUPT');
      assert.match((e as Error).message, new RegExp(`${path.basename(file!)}.*\\b${lsns[20]}\\b`));
      return true;
    },
  );
  assert.deepEqual(seen, lsns.slice(0, 20));
  await wal.close();
});

test('tailChunks yields what tail yields, as non-empty arrays, from memory and from the files', async (t) => {
  const dir = tempDir(t);
  const { wal } = await openQuiet(dir, { segmentBytesMax: 8192 });
  const { lsns: before } = await wal.appendBatch(Array.from({ length: 40 }, (_, i) => payloadFor(i, 300))); // read from the files
  const stop = new AbortController();
  const chunks: number[][] = [];
  const tailing = (async () => {
    for await (const entries of wal.tailChunks(undefined, stop.signal)) {
      chunks.push(entries.map((e) => e.lsn));
      if (chunks.flat().length === 80) stop.abort();
    }
  })();
  const after: number[] = [];
  for (let i = 40; i < 80; i++) after.push(await wal.append(payloadFor(i, 300))); // these may come from memory
  await tailing;
  assert.ok(chunks.every((chunk) => chunk.length > 0));
  assert.deepEqual(chunks.flat(), [...before, ...after]);
  assert.deepEqual((await readAll(wal)).map((e) => e.lsn), [...before, ...after]);
  await wal.close();
});

test('when a group rolls to a new segment, the durable end reaches the old segment end before the new segment exists', async (t) => {
  // Readers take a segment that has a successor as sealed and read it to its end; a durable
  // end that lagged behind it let the ingestor apply frames past the WAL's durable end.
  const dir = tempDir(t);
  let wal: Wal | undefined;
  const seen: Array<{ base: number; endLsn: number }> = [];
  const fileSystem = new (class extends FaultyFileSystem {
    override async createExclusive(file: string) {
      const base = parseSegmentFileName(path.basename(file));
      if (wal !== undefined && base !== undefined) seen.push({ base, endLsn: wal.endLsn });
      return super.createExclusive(file);
    }
  })();
  wal = await Wal.open({ dir, fileSystem, segmentBytesMax: 8192, log: () => undefined });
  // Concurrent appends, so that groups cross segment boundaries.
  await Promise.all(Array.from({ length: 200 }, (_, i) => wal!.append(payloadFor(i, 300))));
  assert.ok(seen.length >= 5, `${seen.length} rolls`);
  for (const { base, endLsn } of seen) assert.equal(endLsn, base, `the durable end at the roll to segment ${base}`);
  await wal.close();
});
