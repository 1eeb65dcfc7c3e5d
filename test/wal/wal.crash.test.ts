// SIGKILL during concurrent appends, cycle after cycle on one directory. After every kill the
// log reopens (tolerate-tail) and reads back without error in strictly increasing LSN order;
// it holds every acknowledged record with exactly its payload and every record an earlier
// reopen found; and it takes new appends. Cycles: STEMEDB_CRASH_CYCLES (default 20; soak 300);
// a soak moves to a fresh directory every cyclesPerDir cycles, since each check reads it all.
// The kill delays and the payloads' salt come from the test seed (test/support/seed.ts), so a
// seed replays the same sequence of delays and bytes; what the child manages to write before
// each kill still depends on the machine's timing, which no seed can replay.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Wal } from '../../src/wal/index.js';
import { testRandom, testSeed } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';
import { crashPayload, crashSegmentBytesMax, crashWritersCount, parseAckLine, type CrashAck } from './fixtures/crash-records.js';

const cycles = Number(process.env.STEMEDB_CRASH_CYCLES ?? 20);
const writerPath = fileURLToPath(new URL('./fixtures/crash-writer.js', import.meta.url));
/** The default 20 cycles share one directory; longer soaks stay linear instead of quadratic. */
const cyclesPerDir = 25;
const killDelayMsMin = 50;
const killDelayMsMax = 400;
const readyTimeoutMs = 30_000;
/** The parent's own appends (one per cycle) use writer id 0; children's ids start at 1. */
const parentWriterId = 0;

interface ChildRun {
  acks: CrashAck[];
  /** What the child's own open reported cutting (the parent closed cleanly, so 0). */
  readyBytesDropped: number;
}

/** What a reopen found: every record below `endLsn`, of which there were `records`. */
interface Snapshot {
  endLsn: number;
  records: number;
}

/** Parses the complete lines of the child's stdout; the piece after the last newline may be torn. */
function parseOutput(output: string): ChildRun {
  const lines = output.split('\n').slice(0, -1);
  const ready = /^READY (\d+)$/.exec(lines[0] ?? '');
  if (ready === null) throw new Error(`crash writer did not start with READY: ${JSON.stringify(lines[0])}`);
  const acks = lines.slice(1).map((line) => {
    const ack = parseAckLine(line);
    if (ack === undefined) throw new Error(`crash writer printed an unexpected line: ${JSON.stringify(line)}`);
    return ack;
  });
  return { acks, readyBytesDropped: Number(ready[1]) };
}

/** Starts the writer, SIGKILLs it `runMs` after READY, and returns what it acknowledged. */
function runAndKill(dir: string, writerIdBase: number, salt: number, runMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerPath, dir, String(writerIdBase), String(salt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    const noReady = setTimeout(() => child.kill('SIGKILL'), readyTimeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (errors += chunk));
    child.stdout.on('data', (chunk: string) => {
      if (!output.includes('\n') && (output + chunk).includes('\n')) {
        clearTimeout(noReady);
        setTimeout(() => child.kill('SIGKILL'), runMs);
      }
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(noReady);
      if (signal !== 'SIGKILL' || !output.includes('\n')) {
        return reject(new Error(`crash writer ended with ${code ?? signal} (stderr: ${errors.trim()})`));
      }
      try {
        resolve(parseOutput(output));
      } catch (error) {
        reject(error instanceof Error ? new Error(`${error.message} (stderr: ${errors.trim()})`) : error);
      }
    });
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Reads the whole log, checks it against every acknowledgement and the previous reopen; returns its record count. */
async function checkLog(wal: Wal, salt: number, expected: ReadonlyMap<number, CrashAck>, previous: Snapshot, cycle: number): Promise<number> {
  let lastLsn = -1;
  let records = 0;
  let found = 0;
  let recordsBeforePrevious = 0;
  for await (const entry of wal.read()) {
    assert.ok(entry.lsn > lastLsn, `cycle ${cycle}: LSN ${entry.lsn} read after LSN ${lastLsn}`);
    lastLsn = entry.lsn;
    records += 1;
    if (entry.lsn < previous.endLsn) recordsBeforePrevious += 1;
    const ack = expected.get(entry.lsn);
    if (ack === undefined) continue;
    found += 1;
    const want = crashPayload(salt, ack.writerId, ack.seq);
    assert.ok(
      sameBytes(entry.payload, want),
      `cycle ${cycle}: LSN ${entry.lsn} holds ${entry.payload.length} bytes that are not writer ${ack.writerId}'s record ${ack.seq} (${want.length} bytes)`,
    );
  }
  if (found !== expected.size) {
    const read = new Set<number>();
    for await (const entry of wal.read()) read.add(entry.lsn);
    const missing = [...expected.values()].filter((ack) => !read.has(ack.lsn));
    assert.fail(`cycle ${cycle}: ${missing.length} acknowledged records missing after reopen, e.g. ${JSON.stringify(missing.slice(0, 5))}`);
  }
  assert.equal(recordsBeforePrevious, previous.records, `cycle ${cycle}: records below LSN ${previous.endLsn} changed since the last reopen`);
  return records;
}

/** Appends one record in-process and reads it back: the recovered WAL must take writes. */
async function appendAndReadBack(wal: Wal, salt: number, cycle: number): Promise<CrashAck> {
  const payload = crashPayload(salt, parentWriterId, cycle);
  const lsn = await wal.append(payload);
  const entries: Uint8Array[] = [];
  for await (const entry of wal.read(lsn)) {
    assert.equal(entry.lsn, lsn, `cycle ${cycle}: reading from the new record's LSN starts elsewhere`);
    entries.push(entry.payload);
  }
  assert.equal(entries.length, 1, `cycle ${cycle}: the record appended after recovery is the last one`);
  assert.ok(sameBytes(entries[0]!, payload), `cycle ${cycle}: the record appended after recovery reads back changed`);
  return { lsn, writerId: parentWriterId, seq: cycle };
}

test(`acknowledged WAL appends survive SIGKILL (${cycles} cycles)`, { timeout: 30 * 60_000 }, async (t) => {
  assert.ok(Number.isSafeInteger(cycles) && cycles > 0, `STEMEDB_CRASH_CYCLES must be a positive integer, got ${process.env.STEMEDB_CRASH_CYCLES}`);
  let dir = '';
  const expected = new Map<number, CrashAck>();
  let previous: Snapshot = { endLsn: 0, records: 0 };
  let childAcks = 0;
  let bytesDropped = 0;
  const repairs = new Map<string, number>(); // damage reason -> reopens that repaired it
  let segments = 0;
  const random = testRandom('wal crash');
  const salt = random.int(0, 2 ** 31);

  for (let cycle = 0; cycle < cycles; cycle++) {
    if (cycle % cyclesPerDir === 0) {
      if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
      dir = tempDir(t, 'stemedb-wal-crash-');
      expected.clear();
      previous = { endLsn: 0, records: 0 };
    }
    const runMs = random.int(killDelayMsMin, killDelayMsMax);
    const run = await runAndKill(dir, 1 + cycle * crashWritersCount, salt, runMs);
    assert.equal(run.readyBytesDropped, 0, `cycle ${cycle}: the child's open cut bytes from a cleanly closed log`);
    for (const ack of run.acks) {
      assert.ok(!expected.has(ack.lsn), `cycle ${cycle}: LSN ${ack.lsn} acknowledged twice`);
      assert.ok(ack.lsn >= previous.endLsn, `cycle ${cycle}: LSN ${ack.lsn} acknowledged below the previous end ${previous.endLsn}`);
      expected.set(ack.lsn, ack);
    }
    childAcks += run.acks.length;

    const logs: string[] = [];
    const wal = await Wal.open({ dir, sync: 'always', segmentBytesMax: crashSegmentBytesMax, recovery: 'tolerate-tail', log: (m) => logs.push(m) });
    try {
      bytesDropped += wal.recovery.bytesDropped;
      const reason = wal.recovery.damage?.reason;
      if (reason !== undefined) repairs.set(reason, (repairs.get(reason) ?? 0) + 1);
      const records = await checkLog(wal, salt, expected, previous, cycle);
      const own = await appendAndReadBack(wal, salt, cycle);
      expected.set(own.lsn, own);
      previous = { endLsn: wal.endLsn, records: records + 1 };
      segments = wal.stats().segments;
    } finally {
      await wal.close();
    }
  }
  t.diagnostic(
    `${cycles} kill cycles in ${Math.ceil(cycles / cyclesPerDir)} dir(s); ${childAcks} acknowledged child records ` +
      `(+${cycles} parent appends) all found; last dir: ${previous.records} records in ${segments} segments; ` +
      `torn tails repaired on ${[...repairs.values()].reduce((a, b) => a + b, 0)} reopens ` +
      `(${[...repairs].map(([why, n]) => `${n}x ${why}`).join(', ') || 'none'}), ${bytesDropped} bytes dropped (wal.recovery.bytesDropped); ` +
      `STEMEDB_TEST_SEED=${testSeed()}`,
  );
});
