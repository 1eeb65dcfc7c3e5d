// Power loss, not only kill -9: a scripted WAL workload runs on the simulated file system
// (test/support/power-cut-fs.ts), which keeps the crash image at every sync point. For each one,
// and for each way the unsynced writes in flight there could have landed, the log reopens without
// operator action, holds every append acknowledged before the cut at its LSN with its exact bytes,
// returns no payload that was not appended at that LSN, and takes a new append after them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Wal } from '../../src/wal/index.js';
import { everyPowerCut, PowerCutFileSystem, type CrashImage, type FsOperation, type PowerCut, type PowerCutName } from '../support/power-cut-fs.js';
import type { RecoveryMode } from '../../src/wal/recovery.js';
import { tempDir } from '../support/temp-dir.js';

/** The smallest segment allowed: a few records each, so the workload rolls many segments. */
const segmentBytesMax = 4096;

/** A payload that names its own id in its first 4 bytes; the rest depends on the id too. */
function payloadFor(id: number, bytes = 8 + ((id * 37) % 700)): Uint8Array {
  const payload = new Uint8Array(bytes);
  new DataView(payload.buffer).setUint32(0, id, true);
  for (let j = 4; j < bytes; j++) payload[j] = (id * 31 + j * 7) & 0xff;
  return payload;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

interface Ack {
  lsn: number;
  payload: Uint8Array;
}

/** What the workload was told: acknowledged appends, in the order they resolved. */
class Acks {
  readonly acked: Ack[] = [];
  /** Every append's LSN once it resolved (all do, by the end): what may be read back at an LSN. */
  readonly appendedAt = new Map<number, Uint8Array>();
  /** The highest LSN passed to truncateBefore so far: records below it may be gone. */
  truncatedBelow = 0;

  append(wal: Wal, id: number, bytes?: number): Promise<void> {
    const payload = payloadFor(id, bytes);
    return wal.append(payload).then((lsn) => this.ack(lsn, payload));
  }

  appendBatch(wal: Wal, ids: number[]): Promise<void> {
    const payloads = ids.map((id) => payloadFor(id));
    return wal.appendBatch(payloads).then(({ lsns }) => lsns.forEach((lsn, i) => this.ack(lsn, payloads[i]!)));
  }

  truncateBefore(wal: Wal, lsn: number): Promise<number> {
    this.truncatedBelow = Math.max(this.truncatedBelow, lsn);
    return wal.truncateBefore(lsn);
  }

  ack(lsn: number, payload: Uint8Array): void {
    this.appendedAt.set(lsn, payload);
    this.acked.push({ lsn, payload });
  }

  /** What a cut now must preserve. `appendedAt` is shared: it is complete by the time cuts are checked. */
  expected(): Expected {
    return { acked: this.acked.slice(), appendedAt: this.appendedAt, truncatedBelow: this.truncatedBelow };
  }
}

interface Expected {
  /** Appends acknowledged before the cut: each must be read back at its LSN. */
  acked: readonly Ack[];
  /** What each LSN may hold, if anything is read there. */
  appendedAt: ReadonlyMap<number, Uint8Array>;
  truncatedBelow: number;
}

/** A crash image and what had been acknowledged when it was taken. */
interface Cut {
  /** The sync point in flight (undefined: after the workload ended). */
  at: FsOperation | undefined;
  image: CrashImage;
  expected: Expected;
}

/**
 * Runs the scripted workload (two sessions: concurrent appends, batches, rolls, a record larger than
 * a segment, truncation while appending, close, reopen) and keeps a crash image at every sync point.
 */
async function runWorkload(sim: PowerCutFileSystem, dir: string, sync: 'always' | 'none'): Promise<{ cuts: Cut[]; acks: Acks }> {
  const acks = new Acks();
  const cuts: Cut[] = [];
  const cut = (at: FsOperation | undefined): void => void cuts.push({ at, image: sim.crashImage(), expected: acks.expected() });
  sim.onSyncPoint = cut;
  const open = (): Promise<Wal> => Wal.open({ dir, fileSystem: sim, segmentBytesMax, sync, recovery: 'tolerate-tail', log: () => undefined });
  let id = 0;

  const wal = await open();
  const inFlight: Array<Promise<unknown>> = [];
  // Appends issued a few per turn: those that arrive while a write is in flight share the next one.
  for (let i = 0; i < 40; i++) {
    inFlight.push(acks.append(wal, id++));
    if (i % 4 === 3) await nextTurn();
  }
  for (let i = 0; i < 6; i++) {
    inFlight.push(acks.appendBatch(wal, [id++, id++, id++, id++, id++]));
    inFlight.push(acks.append(wal, id++));
    await nextTurn();
  }
  inFlight.push(acks.append(wal, id++, 5000)); // larger than a segment: a segment of its own
  inFlight.push(acks.append(wal, id++, 3000));
  inFlight.push(acks.append(wal, id++));
  await Promise.all(inFlight.splice(0));
  // Truncate below the middle while more appends roll segments.
  inFlight.push(acks.truncateBefore(wal, acks.acked[Math.floor(acks.acked.length / 2)]!.lsn));
  for (let i = 0; i < 24; i++) {
    inFlight.push(acks.append(wal, id++));
    if (i % 3 === 2) await nextTurn();
  }
  await Promise.all(inFlight.splice(0));
  await wal.close();

  // A second session over the cleanly closed log: its active segment was cut back at close.
  const reopened = await open();
  for (let i = 0; i < 16; i++) {
    inFlight.push(acks.append(reopened, id++));
    if (i % 5 === 4) await nextTurn();
  }
  await Promise.all(inFlight.splice(0));
  await acks.truncateBefore(reopened, reopened.recordsEndLsn);
  inFlight.push(acks.appendBatch(reopened, [id++, id++, id++]), acks.append(reopened, id++));
  await Promise.all(inFlight.splice(0));
  await reopened.close();

  sim.onSyncPoint = undefined;
  cut(undefined);
  assert.equal(acks.acked.length, id, 'every append resolved');
  return { cuts, acks };
}

/**
 * Reopens the log on the disk a cut left, reads it, appends `marker`, closes; returns what is wrong,
 * if anything. With `recoveryCuts`, also keeps a cut at every sync point of that reopen (a second
 * power cut during recovery, the first append, or the close).
 */
async function checkDisk(
  disk: PowerCutFileSystem,
  dir: string,
  expected: Expected,
  options: { marker: number; recovery?: RecoveryMode; recoveryCuts?: Cut[] },
): Promise<string | undefined> {
  const { marker, recovery = 'tolerate-tail', recoveryCuts } = options;
  const appendedAt = new Map(expected.appendedAt);
  const acked = [...expected.acked];
  if (recoveryCuts !== undefined) {
    disk.onSyncPoint = (at) => void recoveryCuts.push({ at, image: disk.crashImage(), expected: { acked: [...acked], appendedAt, truncatedBelow: expected.truncatedBelow } });
  }
  let wal: Wal;
  try {
    wal = await Wal.open({ dir, fileSystem: disk, segmentBytesMax, sync: 'always', recovery, log: () => undefined });
  } catch (error) {
    return `reopen threw ${String(error)}`;
  }
  try {
    const found = new Set<number>();
    for await (const entry of wal.read()) {
      const appended = appendedAt.get(entry.lsn);
      if (appended === undefined || !sameBytes(appended, entry.payload)) return `LSN ${entry.lsn} reads back ${entry.payload.length} bytes that were not appended there`;
      found.add(entry.lsn);
    }
    // Records below the truncation point may be gone; from the first retained segment on, none may be.
    const from = Math.min(wal.firstLsn, expected.truncatedBelow);
    const lost = acked.filter(({ lsn }) => lsn >= from && !found.has(lsn));
    if (lost.length > 0) return `${lost.length} acknowledged record(s) lost, first at LSN ${lost[0]!.lsn} (log now starts at ${wal.firstLsn})`;
    const payload = payloadFor(marker);
    const highest = Math.max(-1, ...acked.map(({ lsn }) => lsn));
    const next = await wal.append(payload);
    appendedAt.set(next, payload);
    acked.push({ lsn: next, payload });
    if (next <= highest) return `a new append took LSN ${next}, at or below acknowledged LSN ${highest}`;
    for await (const entry of wal.read(next)) {
      if (!sameBytes(entry.payload, payload)) return `the new append at LSN ${next} reads back wrong`;
    }
    return undefined;
  } catch (error) {
    return `reading or appending after reopen threw ${String(error)}`;
  } finally {
    await wal.close();
    disk.onSyncPoint = undefined;
  }
}

type Counts = Record<PowerCutName, number>;

/** Enough failures to diagnose; checking on would only make a failing run slow. */
const problemsMax = 10;

/**
 * Checks every cut, every way, and (with `nested`) a second cut at every sync point of each
 * reopen. Returns the states checked per mode, after the workload and during reopens, and the problems.
 */
async function checkAllCuts(cuts: Cut[], dir: string, nested: boolean): Promise<{ counts: Counts; reopenCounts: Counts; problems: string[] }> {
  const counts = { drop: 0, prefix: 0, torn: 0 };
  const reopenCounts = { drop: 0, prefix: 0, torn: 0 };
  const problems: string[] = [];
  const describe = (cut: Cut): string => (cut.at === undefined ? 'after the workload' : `at sync point ${cut.at.syncPoint} (${cut.at.kind} ${path.basename(cut.at.path)})`);
  for (const [index, cut] of cuts.entries()) {
    if (problems.length >= problemsMax) break;
    for (const { name, cut: how } of everyPowerCut(cut.image)) {
      counts[name] += 1;
      const recoveryCuts: Cut[] = [];
      const problem = await checkDisk(cut.image.disk(how), dir, cut.expected, { marker: 1_000_000, recoveryCuts: nested ? recoveryCuts : undefined });
      const where = `cut ${index} ${describe(cut)}, ${JSON.stringify(how)}`;
      if (problem !== undefined) problems.push(`${where}: ${problem}`);
      for (const second of problem === undefined ? recoveryCuts : []) {
        for (const { name: secondName, cut: secondHow } of everyPowerCut(second.image)) {
          reopenCounts[secondName] += 1;
          const secondProblem = await checkDisk(second.image.disk(secondHow), dir, second.expected, { marker: 1_000_001 });
          if (secondProblem !== undefined) problems.push(`${where}, then reopened and cut again ${describe(second)}, ${JSON.stringify(secondHow)}: ${secondProblem}`);
        }
      }
    }
  }
  return { counts, reopenCounts, problems };
}

/** The WAL directory: a real one for the lock file, created anew (non-durably) on the simulated disk. */
function walDir(t: TestContext): { dir: string; sim: PowerCutFileSystem } {
  const root = tempDir(t);
  const dir = path.join(root, 'wal');
  fs.mkdirSync(dir);
  return { dir, sim: PowerCutFileSystem.withDirectories(root) };
}

test('the simulated disk keeps synced data and directory entries, and drops or keeps a prefix of the rest', async () => {
  const sim = PowerCutFileSystem.withDirectories('/d');
  const handle = await sim.createExclusive('/d/f');
  await handle.write(Buffer.from('abc'), 0);
  await handle.datasync();
  const synced = sim.crashImage();
  assert.deepEqual(await synced.disk({ mode: 'drop' }).list('/d'), [], 'fdatasync does not make the directory entry durable');
  await sim.syncDirectory('/d');
  await handle.write(Buffer.from('Z'), 0);
  await handle.write(Buffer.from('de'), 3);
  await handle.truncate(1);
  const image = sim.crashImage();
  assert.deepEqual(image.pending.map((op) => op.kind), ['write', 'write', 'truncate']);
  const contents = async (cut: PowerCut): Promise<string> => {
    const file = await image.disk(cut).openReadOnly('/d/f');
    const bytes = Buffer.alloc(16);
    return bytes.subarray(0, await file.read(bytes, 16, 0)).toString();
  };
  assert.equal(await contents({ mode: 'drop' }), 'abc');
  assert.equal(await contents({ mode: 'prefix', keep: 1 }), 'Zbc');
  assert.equal(await contents({ mode: 'prefix', keep: 2 }), 'Zbcde');
  assert.equal(await contents({ mode: 'prefix', keep: 1, tornBytes: 1 }), 'Zbcd');
  assert.equal(await contents({ mode: 'prefix', keep: 1, tornBytes: 1, tornKeeps: 'tail' }), 'Zbc\0e');
  assert.equal(await contents({ mode: 'prefix', keep: 3 }), 'Z', 'the truncate is kept only with the writes before it');
  assert.equal(await contents({ mode: 'drop' }), 'abc', 'building a disk leaves the image as it was');
  await sim.remove('/d/f');
  assert.deepEqual(await sim.crashImage().disk({ mode: 'drop' }).list('/d'), ['f'], 'an unsynced removal may not happen');
  await handle.close();
});

test('an O_DSYNC write is durable on its own; earlier plain writes to the file are not', async () => {
  const sim = PowerCutFileSystem.withDirectories('/d');
  await (await sim.createExclusive('/d/f')).close();
  await sim.syncDirectory('/d');
  const plain = await sim.openReadWrite('/d/f');
  const dsync = await sim.openReadWrite('/d/f', { syncWrites: true });
  await plain.write(Buffer.from('xx'), 0);
  await dsync.writeDurably(Buffer.from('yy'), 2);
  const file = await sim.crashImage().disk({ mode: 'drop' }).openReadOnly('/d/f');
  const bytes = Buffer.alloc(4);
  assert.equal(await file.read(bytes, 4, 0), 4);
  assert.deepEqual([...bytes], [0, 0, 0x79, 0x79], 'the O_DSYNC write and the size it needs survive; the plain write does not');
});

test('a power cut at every sync point of a WAL workload loses no acknowledged record and needs no operator', async (t) => {
  const { dir, sim } = walDir(t);
  const { cuts, acks } = await runWorkload(sim, dir, 'always');
  const { counts, reopenCounts, problems } = await checkAllCuts(cuts, dir, true);
  t.diagnostic(`${sim.syncPointCount} sync points, ${acks.acked.length} appends; crash states checked: drop ${counts.drop}, prefix ${counts.prefix}, torn ${counts.torn}`);
  t.diagnostic(`cut again during each reopen: drop ${reopenCounts.drop}, prefix ${reopenCounts.prefix}, torn ${reopenCounts.torn}`);
  assert.ok(sim.syncPointCount > 50 && cuts.length === sim.syncPointCount + 1);
  assert.deepEqual(problems, [], 'crash states that are wrong (the first few)');
});

test('the check has teeth: with sync none, a power cut loses acknowledged records', async (t) => {
  const { dir, sim } = walDir(t);
  const { cuts } = await runWorkload(sim, dir, 'none');
  const last = cuts[cuts.length - 1]!;
  assert.match((await checkDisk(last.image.disk({ mode: 'drop' }), dir, last.expected, { marker: 1_000_000 })) ?? '', /acknowledged record\(s\) lost/);
});

test('a group write whose tail reached the disk but not its head: tolerate-tail may refuse it, point-in-time keeps every acknowledged record', async (t) => {
  // Known limitation, shown rather than hidden: sectors of one in-flight write can persist out of
  // order, leaving valid (unacknowledged) frames after a hole, which tolerate-tail cannot tell from
  // corruption. It refuses with WAL_CORRUPT (an operator reopens with 'point-in-time'); it never
  // opens with an acknowledged record missing.
  const { dir, sim } = walDir(t);
  const { cuts } = await runWorkload(sim, dir, 'always');
  let refused = 0;
  let states = 0;
  const problems: string[] = [];
  for (const [index, cut] of cuts.entries()) {
    for (const { name, cut: how } of everyPowerCut(cut.image, 'tail')) {
      if (name !== 'torn') continue;
      states += 1;
      const tolerated = await checkDisk(cut.image.disk(how), dir, cut.expected, { marker: 1_000_000 });
      if (tolerated !== undefined && !/reopen threw WalCorruptError/.test(tolerated)) problems.push(`cut ${index}, tolerate-tail: ${tolerated}`);
      if (tolerated === undefined) continue;
      refused += 1;
      const recovered = await checkDisk(cut.image.disk(how), dir, cut.expected, { marker: 1_000_000, recovery: 'point-in-time' });
      if (recovered !== undefined) problems.push(`cut ${index}, point-in-time: ${recovered}`);
    }
  }
  t.diagnostic(`torn writes keeping their tail: ${states} crash states, ${refused} refused by tolerate-tail, all opened by point-in-time`);
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} crash states are wrong`);
});
