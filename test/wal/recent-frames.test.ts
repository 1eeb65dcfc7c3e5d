// The in-memory window of recent frames: contiguous runs only, bounded by bytes, and a tail
// served from it yields exactly what reading the files yields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lsnPlus, toLsn, type Lsn } from '../../src/wal/lsn.js';
import { RecentFrames } from '../../src/wal/recent-frames.js';
import { tempDir } from '../support/temp-dir.js';
import { openQuiet, payloadFor, readAll } from './fixtures/wal-files.js';

const at = (lsn: number): Lsn => toLsn(lsn, 'a test LSN');
const entry = (lsn: Lsn, bytes: number) => ({ lsn, nextLsn: lsnPlus(lsn, 24 + bytes), payload: new Uint8Array(bytes) });
/** No end: every held frame qualifies. */
const unbounded = (): Lsn => at(Number.MAX_SAFE_INTEGER);

test('from() yields the contiguous frames from an LSN up to the end, and nothing for an LSN it does not hold', () => {
  const recent = new RecentFrames(1 << 20);
  const a = entry(at(32), 40);
  const b = entry(a.nextLsn, 40);
  const c = entry(lsnPlus(b.nextLsn, 32), 40); // the first frame of the next segment: not contiguous
  for (const e of [a, b, c]) recent.add(e);
  assert.deepEqual([...recent.from(at(32), unbounded)].map((e) => e.lsn), [a.lsn, b.lsn]);
  assert.deepEqual([...recent.from(at(32), () => lsnPlus(b.lsn, 10))].map((e) => e.lsn), [a.lsn]);
  assert.deepEqual([...recent.from(c.lsn, unbounded)].map((e) => e.lsn), [c.lsn]);
  assert.deepEqual([...recent.from(at(33), unbounded)], []);
});

test('the oldest frames are dropped past the byte bound, also under a reader that is iterating', () => {
  const recent = new RecentFrames(1000);
  const entries = [entry(at(32), 100)];
  for (let i = 1; i < 30; i++) entries.push(entry(entries[i - 1]!.nextLsn, 100));
  recent.add(entries[0]!);
  recent.add(entries[1]!);
  const reader = recent.from(entries[0]!.lsn, unbounded);
  assert.equal(reader.next().value?.lsn, entries[0]!.lsn);
  for (const e of entries.slice(2)) recent.add(e);
  // entries[1] was evicted while the reader paused on entries[0]: the run ends, the reader
  // goes to the file from there.
  assert.equal(reader.next().done, true);
  assert.deepEqual([...recent.from(entries[0]!.lsn, unbounded)], []);
  const held = [...recent.from(entries[29]!.lsn, unbounded)];
  assert.equal(held.length, 1);
  assert.ok([...recent.from(entries[24]!.lsn, unbounded)].length >= 5);
});

test('a tail following appends across segment rolls yields what reading the files yields', async (t) => {
  const dir = tempDir(t);
  const { wal } = await openQuiet(dir, { segmentBytesMax: 64 * 1024 });
  const followed: Array<{ lsn: number; nextLsn: number; payload: Buffer }> = [];
  let caughtUp!: () => void;
  const allFollowed = new Promise<void>((resolve) => (caughtUp = resolve));
  const following = (async () => {
    for await (const e of wal.tail()) {
      followed.push({ lsn: e.lsn, nextLsn: e.nextLsn, payload: Buffer.from(e.payload) });
      if (followed.length === 2000) caughtUp();
    }
  })();
  for (let i = 0; i < 2000; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => wal.append(payloadFor(i + j, 1 + ((i + j) * 37) % 1500))));
  }
  await allFollowed;
  assert.ok(wal.stats().segments > 5);
  await wal.close();
  await following;
  // A fresh instance holds nothing in memory: this reads (and verifies) the files.
  const { wal: reopened } = await openQuiet(dir, { segmentBytesMax: 64 * 1024 });
  const fromFiles = await readAll(reopened);
  assert.deepEqual(followed.map((e) => [e.lsn, e.payload]), fromFiles.map((e) => [e.lsn, e.payload]));
  await reopened.close();
});
