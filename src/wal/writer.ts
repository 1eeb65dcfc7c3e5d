// The group-commit writer. Appends get their LSNs at once (in call order) and are framed
// (checksummed) right away, so that work overlaps the fsync in flight; one flush loop writes
// everything queued as one buffer with one durable write (O_DSYNC), so concurrent appenders
// share fsyncs. Invariants: bytes reach the file in LSN order with no
// gaps; an append resolves only after its bytes (and every earlier byte) are durable; after
// any write or fsync error nothing more is written and every pending append rejects.
import path from 'node:path';
import { assert, WalFailedError } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/file-system.js';
import { groupCommitBytesMax, groupCommitRecordsMax } from '../limits.js';
import { frameBytes, segmentFileName, segmentHeaderBytes, writeFrame } from './format.js';
import { createSegment } from './recovery.js';

interface PendingFrame {
  lsn: number;
  /** Where the framed bytes sit in the entry's buffer. */
  start: number;
  end: number;
  /** This frame is the first of a new segment whose base is `lsn - segmentHeaderBytes`. */
  startsSegment: boolean;
}

interface PendingEntry {
  /** The entry's frames, encoded back to back. */
  bytes: Buffer;
  frames: PendingFrame[];
  /** Whether any frame starts a new segment (the entry's bytes must then be split). */
  rolls: boolean;
  resolve: (lsns: number[]) => void;
  reject: (error: Error) => void;
}

export interface WriterOptions {
  fileSystem: FileSystem;
  dir: string;
  segmentBytesMax: number;
  sync: boolean;
  /** Called after each group is durable, with the new durable end LSN. */
  onDurable: (endLsn: number) => void;
  /** Called after a new segment file exists (and, when syncing, its directory entry is durable). */
  onSegmentCreated: (baseLsn: number) => void;
}

/** Opens the segment appends go to; when syncing, with O_DSYNC so each write is durable. */
export function openActiveSegment(fileSystem: FileSystem, dir: string, baseLsn: number, sync: boolean): Promise<FileHandle> {
  return fileSystem.openReadWrite(path.join(dir, segmentFileName(baseLsn)), { syncWrites: sync });
}

export class WalWriter {
  private readonly options: WriterOptions;
  private handle: FileHandle;
  private activeBase: number;
  /** LSN just past everything written to the file. */
  private writtenEnd: number;
  /** Planned layout: where the next enqueued frame goes, and its segment's base. */
  private planEnd: number;
  private planBase: number;
  private queue: PendingEntry[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(options: WriterOptions, handle: FileHandle, activeBase: number, endLsn: number) {
    this.options = options;
    this.handle = handle;
    this.activeBase = activeBase;
    this.writtenEnd = endLsn;
    this.planEnd = endLsn;
    this.planBase = activeBase;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /** Queues payloads (already size-checked) as consecutive frames; resolves their LSNs once durable. */
  enqueue(payloads: Uint8Array[]): Promise<number[]> {
    if (this.failure !== undefined) {
      return Promise.reject(new WalFailedError('the WAL failed earlier and refuses appends until reopened', { cause: this.failure }));
    }
    let total = 0;
    for (const payload of payloads) total += frameBytes(payload.length);
    const bytes = Buffer.allocUnsafe(total);
    let offset = 0;
    let rolls = false;
    const frames = payloads.map((payload) => {
      const frame = this.plan(payload, offset);
      offset += writeFrame(bytes, offset, frame.lsn, payload);
      frame.end = offset;
      rolls ||= frame.startsSegment;
      return frame;
    });
    const done = new Promise<number[]>((resolve, reject) => this.queue.push({ bytes, frames, rolls, resolve, reject }));
    // Start on a microtask, not now: appends made in the same tick then share one fsync.
    if (this.flushing === undefined) this.flushing = Promise.resolve().then(() => this.flushLoop());
    return done;
  }

  private plan(payload: Uint8Array, start: number): PendingFrame {
    const bytes = frameBytes(payload.length);
    const used = this.planEnd - this.planBase;
    const startsSegment = used > segmentHeaderBytes && used + bytes > this.options.segmentBytesMax;
    if (startsSegment) {
      this.planBase = this.planEnd;
      this.planEnd = this.planBase + segmentHeaderBytes;
    }
    const frame = { lsn: this.planEnd, start, end: start, startsSegment };
    this.planEnd += bytes;
    return frame;
  }

  /** Resolves once everything queued so far is written (and durable when syncing). */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  async close(): Promise<void> {
    await this.drain();
    try {
      await this.handle.close();
    } catch (error) {
      // After a failure the handle may already be closed; the failure was reported then.
      if (this.failure === undefined) throw error;
    }
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failure === undefined) {
        const group = this.takeGroup();
        try {
          await this.writeGroup(group);
        } catch (error) {
          this.fail(error as Error, group);
          return;
        }
        for (const entry of group) entry.resolve(entry.frames.map((frame) => frame.lsn));
        this.options.onDurable(this.writtenEnd);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private takeGroup(): PendingEntry[] {
    let bytes = 0;
    let records = 0;
    let count = 0;
    for (const entry of this.queue) {
      if (count > 0 && (bytes >= groupCommitBytesMax || records >= groupCommitRecordsMax)) break;
      bytes += entry.bytes.length;
      records += entry.frames.length;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  /**
   * Writes a group's frames (in LSN order) as one buffer per segment, rolling segments where
   * planned. When syncing, every write is durable before it resolves (writeDurably).
   */
  private async writeGroup(group: PendingEntry[]): Promise<void> {
    let run: Buffer[] = [];
    let runLsn = this.writtenEnd;
    for (const entry of group) {
      if (!entry.rolls) {
        run.push(entry.bytes);
        continue;
      }
      for (const frame of entry.frames) {
        if (frame.startsSegment) {
          await this.writeRun(run, runLsn);
          run = [];
          await this.roll(frame.lsn - segmentHeaderBytes);
          runLsn = frame.lsn;
        }
        run.push(entry.bytes.subarray(frame.start, frame.end));
      }
    }
    await this.writeRun(run, runLsn);
  }

  private async writeRun(run: Buffer[], lsn: number): Promise<void> {
    if (run.length === 0) return;
    assert(lsn === this.writtenEnd, 'frames are written exactly at the end of the log');
    const buffer = run.length === 1 ? run[0]! : Buffer.concat(run);
    const position = lsn - this.activeBase;
    if (this.options.sync) await this.handle.writeDurably(buffer, position);
    else await this.handle.write(buffer, position);
    this.writtenEnd = lsn + buffer.length;
  }

  /** Seals the active segment (durably, when syncing) and starts a new one at `baseLsn`. */
  private async roll(baseLsn: number): Promise<void> {
    assert(baseLsn === this.writtenEnd, 'a new segment starts where the previous one ends');
    // Nothing to sync first: when syncing, every write to the old segment was durable.
    await this.handle.close();
    await createSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    this.handle = await openActiveSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    this.activeBase = baseLsn;
    this.writtenEnd = baseLsn + segmentHeaderBytes;
    this.options.onSegmentCreated(baseLsn);
  }

  /** A write or fsync failed: never retry (the kernel may have dropped the dirty pages). */
  private fail(error: Error, group: PendingEntry[]): void {
    this.failure = error;
    const failed = new WalFailedError(`WAL write or fsync failed: ${error.message}`, { cause: error });
    for (const entry of [...group, ...this.queue.splice(0)]) entry.reject(failed);
  }
}
