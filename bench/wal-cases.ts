// The WAL benchmark's cases: the WAL with sync 'always' under N concurrent appenders or one
// appendBatch caller, and the floor it is measured against: raw writeSync + fdatasyncSync of
// the same framed bytes, one record or a batch of records per sync. Each case runs for a fixed
// time after a short warm-up, in its own fresh directory, and reports its latencies.
import fs from 'node:fs';
import path from 'node:path';
import { walPreallocateBytes } from '../src/limits.js';
import { Wal } from '../src/wal/index.js';
import { percentile } from './support.js';

export interface CaseResult {
  name: string;
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** Per call: one append, one appendBatch, or one write+fdatasync. */
  p50Us: number;
  p99Us: number;
}

export const payloadBytes = 256;
const warmupMs = 300;
const segmentBytesMax = 1024 * 1024 * 1024; // no roll during a case: rolling is not what is measured

function payload(): Uint8Array {
  const bytes = new Uint8Array(payloadBytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
  return bytes;
}

function result(name: string, records: number, seconds: number, latenciesUs: number[]): CaseResult {
  return { name, records, seconds, recordsPerSec: records / seconds, p50Us: percentile(latenciesUs, 50), p99Us: percentile(latenciesUs, 99) };
}

/** Runs `loops` concurrent loops calling `call` until `durationMs` passes; per-call latencies in µs. */
async function timed(loops: number, durationMs: number, call: () => Promise<unknown>): Promise<{ calls: number; seconds: number; latenciesUs: number[] }> {
  const latenciesUs: number[] = [];
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < deadline) {
        const callStart = performance.now();
        await call();
        latenciesUs.push((performance.now() - callStart) * 1000);
      }
    }),
  );
  return { calls: latenciesUs.length, seconds: (performance.now() - start) / 1000, latenciesUs };
}

async function openWal(dir: string): Promise<Wal> {
  return Wal.open({ dir, sync: 'always', segmentBytesMax, recordBytesMax: 16 * 1024 * 1024, recovery: 'tolerate-tail', log: () => undefined });
}

/** `appenders` concurrent loops, each awaiting one append at a time. */
export async function walAppends(dir: string, appenders: number, durationMs: number): Promise<CaseResult> {
  const wal = await openWal(dir);
  const bytes = payload();
  try {
    await timed(appenders, warmupMs, () => wal.append(bytes));
    const run = await timed(appenders, durationMs, () => wal.append(bytes));
    return result(`WAL append, ${appenders} appender${appenders === 1 ? '' : 's'}`, run.calls, run.seconds, run.latenciesUs);
  } finally {
    await wal.close();
  }
}

/** One loop awaiting appendBatch of `batchRecords` records at a time. */
export async function walBatches(dir: string, batchRecords: number, durationMs: number): Promise<CaseResult> {
  const wal = await openWal(dir);
  const batch = Array.from({ length: batchRecords }, payload);
  try {
    await timed(1, warmupMs, () => wal.appendBatch(batch));
    const run = await timed(1, durationMs, () => wal.appendBatch(batch));
    return result(`WAL appendBatch of ${batchRecords}`, run.calls * batchRecords, run.seconds, run.latenciesUs);
  } finally {
    await wal.close();
  }
}

/**
 * writeSync of `recordsPerSync` framed records' bytes, then fdatasyncSync: at the end of a
 * growing file (the issue's floor), or, with `preallocated`, into zeros written and synced
 * ahead in 1 MiB steps as the WAL does (the zero fills are inside the timed calls).
 */
export async function rawSyncs(dir: string, recordsPerSync: number, durationMs: number, preallocated = false): Promise<CaseResult> {
  const bytes = Buffer.alloc(recordsPerSync * Wal.frameBytes(payloadBytes), 0x5a);
  const fd = fs.openSync(path.join(dir, 'raw.log'), 'w');
  const zeros = Buffer.alloc(walPreallocateBytes);
  let position = 0;
  let allocated = 0;
  const writeAndSync = (): Promise<void> => {
    if (preallocated && position + bytes.length > allocated - walPreallocateBytes / 2) {
      fs.writeSync(fd, zeros, 0, zeros.length, allocated);
      fs.fdatasyncSync(fd);
      allocated += zeros.length;
    }
    for (let written = 0; written < bytes.length; ) {
      written += fs.writeSync(fd, bytes, written, bytes.length - written, position + written);
    }
    fs.fdatasyncSync(fd);
    position += bytes.length;
    return Promise.resolve();
  };
  try {
    await timed(1, warmupMs, writeAndSync);
    const run = await timed(1, durationMs, writeAndSync);
    const what = recordsPerSync === 1 ? '1 record' : `${recordsPerSync} records`;
    return result(`raw write+fdatasync, ${what} per sync${preallocated ? ', preallocated' : ''}`, run.calls * recordsPerSync, run.seconds, run.latenciesUs);
  } finally {
    fs.closeSync(fd);
  }
}
