// The group-commit writer. Appends get their LSNs at once (in call order) and queue; one
// flush loop writes everything queued as one buffer and makes it durable with one fdatasync,
// so concurrent appenders share fsyncs. Invariants: bytes reach the file in LSN order with no
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
  payload: Uint8Array;
  /** This frame is the first of a new segment whose base is `lsn - segmentHeaderBytes`. */
  startsSegment: boolean;
}

interface PendingEntry {
  frames: PendingFrame[];
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
    const frames = payloads.map((payload) => this.plan(payload));
    const done = new Promise<number[]>((resolve, reject) => this.queue.push({ frames, resolve, reject }));
    // Start on a microtask, not now: appends made in the same tick then share one fsync.
    if (this.flushing === undefined) this.flushing = Promise.resolve().then(() => this.flushLoop());
    return done;
  }

  private plan(payload: Uint8Array): PendingFrame {
    const bytes = frameBytes(payload.length);
    const used = this.planEnd - this.planBase;
    const startsSegment = used > segmentHeaderBytes && used + bytes > this.options.segmentBytesMax;
    if (startsSegment) {
      this.planBase = this.planEnd;
      this.planEnd = this.planBase + segmentHeaderBytes;
    }
    const frame = { lsn: this.planEnd, payload, startsSegment };
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
          await this.writeGroup(group.flatMap((entry) => entry.frames));
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
      for (const frame of entry.frames) bytes += frameBytes(frame.payload.length);
      records += entry.frames.length;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  /** Writes frames (in LSN order) as one buffer per segment, rolling segments where planned. */
  private async writeGroup(frames: PendingFrame[]): Promise<void> {
    let start = 0;
    while (start < frames.length) {
      if (frames[start]!.startsSegment) await this.roll(frames[start]!.lsn - segmentHeaderBytes);
      let end = start + 1;
      while (end < frames.length && !frames[end]!.startsSegment) end += 1;
      await this.writeRun(frames.slice(start, end));
      start = end;
    }
    if (this.options.sync) await this.handle.datasync();
  }

  private async writeRun(frames: PendingFrame[]): Promise<void> {
    const first = frames[0]!;
    assert(first.lsn === this.writtenEnd, 'frames are written exactly at the end of the log');
    let total = 0;
    for (const frame of frames) total += frameBytes(frame.payload.length);
    const buffer = Buffer.allocUnsafe(total);
    let offset = 0;
    for (const frame of frames) {
      assert(frame.lsn === first.lsn + offset, 'LSNs within a run are contiguous');
      offset += writeFrame(buffer, offset, frame.lsn, frame.payload);
    }
    await this.handle.write(buffer, first.lsn - this.activeBase);
    this.writtenEnd = first.lsn + total;
  }

  /** Seals the active segment (durably, when syncing) and starts a new one at `baseLsn`. */
  private async roll(baseLsn: number): Promise<void> {
    assert(baseLsn === this.writtenEnd, 'a new segment starts where the previous one ends');
    if (this.options.sync) await this.handle.datasync();
    await this.handle.close();
    await createSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    this.handle = await this.options.fileSystem.openReadWrite(path.join(this.options.dir, segmentFileName(baseLsn)));
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
