// Reopening damaged logs: each kind of damage has its own named test. A torn tail is cut
// and logged; damage followed by valid frames, or in a sealed segment, is WAL_CORRUPT with
// the file and offset; 'absolute' refuses any damage; 'point-in-time' keeps the prefix.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { WalCorruptError } from '../../src/errors.js';
import { frameHeaderBytes, segmentHeaderBytes } from '../../src/wal/format.js';
import { tempDir } from '../support/temp-dir.js';
import { flipBit, openQuiet, payloadFor, readAll, segmentFiles } from './fixtures/wal-files.js';

function nonZeroEnd(bytes: Uint8Array): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end;
}

async function writeLog(dir: string, count: number, bytes = 100, segmentBytesMax?: number): Promise<number[]> {
  const { wal } = await openQuiet(dir, segmentBytesMax === undefined ? {} : { segmentBytesMax });
  const lsns: number[] = [];
  for (let i = 0; i < count; i++) lsns.push(await wal.append(payloadFor(i, bytes)));
  await wal.close();
  return lsns;
}

function isCorrupt(file: string, offset: number) {
  return (error: unknown): boolean =>
    error instanceof WalCorruptError && error.code === 'WAL_CORRUPT' && error.file === file && error.offset === offset;
}

/** Reopens, checks the first `count` records survived, and that an append after them reads back. */
async function assertPrefixKeptAndWritable(dir: string, lsns: number[], count: number): Promise<string[]> {
  const { wal, logs } = await openQuiet(dir);
  const entries = await readAll(wal);
  assert.deepEqual(entries.map((e) => e.lsn), lsns.slice(0, count));
  entries.forEach((entry, i) => assert.deepEqual(entry.payload, payloadFor(i, entry.payload.length)));
  const next = await wal.append(Buffer.from('next'));
  assert.deepEqual((await readAll(wal, next)).map((e) => e.payload.toString()), ['next']);
  await wal.close();
  return logs;
}

describe('torn tails are cut', () => {
  test('truncating the last record at every byte offset keeps all earlier records', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 5, 61);
    const [file] = segmentFiles(dir);
    const original = fs.readFileSync(file!);
    const lastStart = lsns[4]!;
    for (let cut = lastStart; cut < original.length; cut++) {
      fs.writeFileSync(file!, original.subarray(0, cut));
      const logs = await assertPrefixKeptAndWritable(dir, lsns, 4);
      // Dropped bytes are counted up to the last non-zero one (zeros may be preallocated space).
      const torn = nonZeroEnd(original.subarray(0, cut)) - lastStart;
      if (torn > 0) assert.match(logs.join('\n'), new RegExp(`dropped ${torn} bytes`));
      else assert.deepEqual(logs, []);
    }
  });

  test('a zero-filled tail is preallocated space, not damage: kept, not logged, appends land after the last frame', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 5);
    const [file] = segmentFiles(dir);
    const end = fs.statSync(file!).size;
    fs.appendFileSync(file!, Buffer.alloc(4096));
    for (const recovery of ['tolerate-tail', 'absolute', 'point-in-time'] as const) {
      const { wal, logs } = await openQuiet(dir, { recovery });
      assert.deepEqual(logs, []);
      assert.equal(wal.endLsn, end);
      assert.equal(wal.recovery.damage, undefined);
      await wal.close();
    }
    const logs = await assertPrefixKeptAndWritable(dir, lsns, 5);
    assert.deepEqual(logs, []);
  });

  test('torn bytes inside preallocated zeros are cut, and only the non-zero ones are counted as dropped', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 5);
    const [file] = segmentFiles(dir);
    const end = fs.statSync(file!).size;
    fs.appendFileSync(file!, Buffer.concat([Buffer.from([7, 0, 0, 0, 1, 2, 3]), Buffer.alloc(8192)]));
    const logs = await assertPrefixKeptAndWritable(dir, lsns, 5);
    assert.match(logs.join('\n'), /dropped 7 bytes/);
    assert.ok(fs.statSync(file!).size >= end);
  });

  test('random garbage after the last frame is cut', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 5);
    const [file] = segmentFiles(dir);
    fs.appendFileSync(file!, Buffer.from('this is not a frame, just leftover bytes from a torn write'));
    await assertPrefixKeptAndWritable(dir, lsns, 5);
  });

  test('a checksum mismatch in the final frame is a torn tail', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 5);
    const [file] = segmentFiles(dir);
    flipBit(file!, lsns[4]! + frameHeaderBytes + 10);
    const logs = await assertPrefixKeptAndWritable(dir, lsns, 4);
    assert.match(logs.join('\n'), /payload checksum mismatch/);
  });

  test('a length that runs past the end of the file is a torn tail', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 5);
    const [file] = segmentFiles(dir);
    fs.truncateSync(file!, fs.statSync(file!).size - 8);
    await assertPrefixKeptAndWritable(dir, lsns, 4);
  });

  test('a newest segment left empty by a crash while rolling gets its header back', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 30, 1000, 8192);
    const { wal } = await openQuiet(dir);
    const end = wal.endLsn;
    await wal.close();
    const files = segmentFiles(dir);
    const ghost = files[files.length - 1]!.replace(/\d{20}/, String(end).padStart(20, '0'));
    fs.writeFileSync(ghost, Buffer.alloc(0));
    await assertPrefixKeptAndWritable(dir, lsns, 30);
  });
});

describe('damage that is not a torn tail refuses to open', () => {
  test('a flipped bit in a middle record of the newest segment is WAL_CORRUPT at that frame', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 10);
    const [file] = segmentFiles(dir);
    flipBit(file!, lsns[5]! + frameHeaderBytes + 3);
    await assert.rejects(openQuiet(dir), isCorrupt(file!, lsns[5]!));
  });

  test("a flipped bit in a middle frame's length is caught, not taken for a torn tail", async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 10);
    const [file] = segmentFiles(dir);
    for (const bit of [0, 3, 7]) {
      flipBit(file!, lsns[5]! + 1, bit);
      await assert.rejects(openQuiet(dir), isCorrupt(file!, lsns[5]!));
      flipBit(file!, lsns[5]! + 1, bit);
    }
    await assertPrefixKeptAndWritable(dir, lsns, 10);
  });

  test('a zeroed frame header followed by valid frames is WAL_CORRUPT', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 10);
    const [file] = segmentFiles(dir);
    const bytes = fs.readFileSync(file!);
    bytes.fill(0, lsns[3]!, lsns[3]! + frameHeaderBytes);
    fs.writeFileSync(file!, bytes);
    await assert.rejects(openQuiet(dir), isCorrupt(file!, lsns[3]!));
  });

  test('a truncated sealed segment is WAL_CORRUPT', async (t) => {
    const dir = tempDir(t);
    await writeLog(dir, 40, 1000, 8192);
    const files = segmentFiles(dir);
    const sealed = files[1]!;
    const size = fs.statSync(sealed).size;
    fs.truncateSync(sealed, size - 100);
    await assert.rejects(openQuiet(dir), isCorrupt(sealed, size - 100));
  });

  test("a damaged sealed segment's header is WAL_CORRUPT", async (t) => {
    const dir = tempDir(t);
    await writeLog(dir, 40, 1000, 8192);
    const sealed = segmentFiles(dir)[0]!;
    flipBit(sealed, 2);
    await assert.rejects(openQuiet(dir), isCorrupt(sealed, 0));
  });
});

describe('a flipped bit in the middle of a sealed segment', () => {
  async function damagedSealedLog(t: Parameters<typeof tempDir>[0]) {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 60, 1000, 8192);
    const sealed = segmentFiles(dir)[1]!;
    const base = Number(sealed.slice(-24, -4));
    const inSealed = lsns.filter((lsn) => lsn > base && lsn < base + fs.statSync(sealed).size);
    const victim = inSealed[Math.floor(inSealed.length / 2)]!;
    flipBit(sealed, victim - base + frameHeaderBytes + 100);
    return { dir, lsns, sealed, base, victim };
  }

  test("'absolute' refuses to open with WAL_CORRUPT naming the segment and offset", async (t) => {
    const { dir, sealed, base, victim } = await damagedSealedLog(t);
    await assert.rejects(openQuiet(dir, { recovery: 'absolute' }), isCorrupt(sealed, victim - base));
  });

  test("the default mode opens without reading it, and reading it fails with WAL_CORRUPT", async (t) => {
    const { dir, sealed, base, victim } = await damagedSealedLog(t);
    const { wal } = await openQuiet(dir);
    assert.equal(wal.recovery.segmentsScanned, 1, 'only the newest segment is scanned at open');
    await assert.rejects(readAll(wal), isCorrupt(sealed, victim - base));
    await wal.close();
  });

  test("'point-in-time' keeps every record before the damage and drops the rest", async (t) => {
    const { dir, lsns, victim } = await damagedSealedLog(t);
    const { wal, logs } = await openQuiet(dir, { recovery: 'point-in-time' });
    const kept = lsns.filter((lsn) => lsn < victim);
    assert.deepEqual((await readAll(wal)).map((e) => e.lsn), kept);
    assert.ok(wal.recovery.segmentsDropped.length > 0);
    assert.ok(wal.recovery.bytesDropped > 0);
    assert.match(logs.join('\n'), /point-in-time.*payload checksum mismatch/);
    const next = await wal.append(Buffer.from('after'));
    assert.equal(next, victim);
    await wal.close();
  });
});

describe("recovery mode 'absolute'", () => {
  test('refuses even a torn tail', async (t) => {
    const dir = tempDir(t);
    const lsns = await writeLog(dir, 5);
    const [file] = segmentFiles(dir);
    fs.truncateSync(file!, fs.statSync(file!).size - 3);
    await assert.rejects(openQuiet(dir, { recovery: 'absolute' }), isCorrupt(file!, lsns[4]!));
  });

  test('opens a clean log and scans every segment', async (t) => {
    const dir = tempDir(t);
    await writeLog(dir, 40, 1000, 8192);
    const { wal } = await openQuiet(dir, { recovery: 'absolute' });
    assert.equal(wal.recovery.segmentsScanned, segmentFiles(dir).length);
    assert.equal(wal.recovery.recordsScanned, 40);
    await wal.close();
  });
});

test('reopening scans only the newest segment, however long the log', async (t) => {
  const dir = tempDir(t);
  await writeLog(dir, 200, 1000, 8192);
  const { wal } = await openQuiet(dir);
  assert.ok(wal.stats().segments > 20);
  assert.equal(wal.recovery.segmentsScanned, 1);
  assert.ok(wal.recovery.recordsScanned < 10);
  await wal.close();
});

test('the segment header occupies the first bytes, so the first record sits after it', async (t) => {
  const dir = tempDir(t);
  const lsns = await writeLog(dir, 1);
  assert.equal(lsns[0], segmentHeaderBytes);
});
