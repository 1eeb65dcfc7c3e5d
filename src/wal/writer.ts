// The group-commit writer. Appends get their LSNs at once (in call order) and are framed
// (checksummed) right away, so that work overlaps the fsync in flight; one flush loop writes
// everything queued as one buffer with one durable write (O_DSYNC), so concurrent appenders
// share fsyncs. Invariants: bytes reach the file in LSN order with no
// gaps; an append resolves only after its bytes (and every earlier byte) are durable; after
// any write or fsync error nothing more is written and every pending append rejects.
// The active segment's file, and the zeros preallocated ahead of the log in it, belong to
// preallocator.ts; this module decides what is written where, and when a segment rolls.
import { assert, WalFailedError } from '../errors.js';
import type { FileSystem } from '../fs/file-system.js';
import { groupCommitBytesMax, groupCommitRecordsMax } from '../limits.js';
import { firstFrameOffset, frameBytes, frameHeaderBytes, segmentHeaderBytes, writeFrame } from './format.js';
import { lsnAt, lsnPlus, offsetOf, type Lsn, type SegmentOffset } from './lsn.js';
import { openActiveSegment, Preallocator, type ActiveSegment } from './preallocator.js';
import type { RecentFrames } from './recent-frames.js';
import { createSegment } from './recovery.js';

interface PendingFrame {
  lsn: Lsn;
  payloadBytes: number;
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
  /** Queued by enqueueOne: resolves with the one LSN rather than an array of them. */
  one: boolean;
  resolve: (lsns: Lsn[] | Lsn) => void;
  reject: (error: Error) => void;
}

export interface WriterOptions {
  fileSystem: FileSystem;
  dir: string;
  segmentBytesMax: number;
  sync: boolean;
  /** Called after each group is durable, with the new durable end LSN. */
  onDurable: (endLsn: Lsn) => void;
  /** Called after a new segment file exists (and, when syncing, its directory entry is durable). */
  onSegmentCreated: (baseLsn: Lsn) => void;
  /** Where durable frames are kept for readers following the log, while one is (else undefined). */
  recent: () => RecentFrames | undefined;
}

export class WalWriter {
  private readonly options: WriterOptions;
  /** The active segment's file: where frames go, with the space preallocated ahead of them. */
  private active: Preallocator;
  private activeBase: Lsn;
  /** LSN just past everything written to the file. */
  private writtenEnd: Lsn;
  /** Planned layout: where the next enqueued frame goes, and its segment's base. */
  private planEnd: Lsn;
  private planBase: Lsn;
  private queue: PendingEntry[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(options: WriterOptions, active: ActiveSegment, activeBase: Lsn, endLsn: Lsn) {
    this.options = options;
    this.active = this.preallocator(active, offsetOf(activeBase, endLsn));
    this.activeBase = activeBase;
    this.writtenEnd = endLsn;
    this.planEnd = endLsn;
    this.planBase = activeBase;
  }

  /** Takes over the active segment's files; a failed zero fill fails the WAL like any failed write. */
  private preallocator(files: ActiveSegment, logEnd: SegmentOffset): Preallocator {
    const { sync, segmentBytesMax } = this.options;
    return new Preallocator(files, logEnd, { sync, segmentBytesMax, onFailure: (error) => this.fail(error, []) });
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /**
   * Queues payloads (already size-checked) as consecutive frames; resolves their LSNs once
   * durable. The payloads are framed (copied) before this returns.
   */
  enqueue(payloads: readonly Uint8Array[]): Promise<Lsn[]> {
    return this.queueEntry(payloads, false) as Promise<Lsn[]>;
  }

  /** enqueue for one payload, resolving its LSN: the single append, without the batch's arrays. */
  enqueueOne(payload: Uint8Array): Promise<Lsn> {
    return this.queueEntry([payload], true) as Promise<Lsn>;
  }

  private queueEntry(payloads: readonly Uint8Array[], one: boolean): Promise<Lsn[] | Lsn> {
    if (this.failure !== undefined) {
      return Promise.reject(new WalFailedError('the WAL failed earlier and refuses appends until reopened', { cause: this.failure }));
    }
    let total = 0;
    for (const payload of payloads) total += frameBytes(payload.length);
    const bytes = Buffer.allocUnsafe(total);
    let offset = 0;
    let rolls = false;
    const frames: PendingFrame[] = [];
    for (const payload of payloads) {
      const frame = this.plan(payload, offset);
      offset += writeFrame(bytes, offset, frame.lsn, payload);
      frame.end = offset;
      rolls ||= frame.startsSegment;
      frames.push(frame);
    }
    const done = new Promise<Lsn[] | Lsn>((resolve, reject) => this.queue.push({ bytes, frames, rolls, one, resolve, reject }));
    // Start on a microtask, not now: appends made in the same tick then share one fsync.
    if (this.flushing === undefined) this.flushing = Promise.resolve().then(() => this.flushLoop());
    return done;
  }

  private plan(payload: Uint8Array, start: number): PendingFrame {
    const bytes = frameBytes(payload.length);
    const used = offsetOf(this.planBase, this.planEnd);
    const startsSegment = used > firstFrameOffset && used + bytes > this.options.segmentBytesMax;
    if (startsSegment) {
      this.planBase = this.planEnd;
      this.planEnd = lsnAt(this.planBase, firstFrameOffset);
    }
    const frame = { lsn: this.planEnd, payloadBytes: payload.length, start, end: start, startsSegment };
    this.planEnd = lsnPlus(this.planEnd, bytes);
    return frame;
  }

  /** Resolves once everything queued so far is written (and durable when syncing). */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** Drains, cuts the preallocated zeros off the active segment (unless failed), closes. */
  async close(): Promise<void> {
    await this.drain();
    await this.active.close(this.failure !== undefined);
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
        this.keepRecent(group);
        for (const entry of group) entry.resolve(entry.one ? entry.frames[0]!.lsn : entry.frames.map((frame) => frame.lsn));
        this.options.onDurable(this.writtenEnd);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Hands a durable group's frames to the readers' in-memory window, when someone follows the log. */
  private keepRecent(group: PendingEntry[]): void {
    const recent = this.options.recent();
    if (recent === undefined) return;
    for (const entry of group) {
      for (const frame of entry.frames) {
        const payloadStart = frame.start + frameHeaderBytes;
        const payload = entry.bytes.subarray(payloadStart, payloadStart + frame.payloadBytes);
        recent.add({ lsn: frame.lsn, nextLsn: lsnPlus(frame.lsn, frame.end - frame.start), payload });
      }
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
          await this.roll(lsnPlus(frame.lsn, -segmentHeaderBytes));
          runLsn = frame.lsn;
        }
        run.push(entry.bytes.subarray(frame.start, frame.end));
      }
    }
    await this.writeRun(run, runLsn);
  }

  private async writeRun(run: Buffer[], lsn: Lsn): Promise<void> {
    if (run.length === 0) return;
    assert(lsn === this.writtenEnd, 'frames are written exactly at the end of the log');
    const buffer = run.length === 1 ? run[0]! : Buffer.concat(run);
    // Durable when it resolves (when syncing); throws instead if a zero fill failed.
    await this.active.write(buffer, offsetOf(this.activeBase, lsn));
    this.writtenEnd = lsnPlus(lsn, buffer.length);
  }

  /** Seals the active segment (durably, when syncing) and starts a new one at `baseLsn`. */
  private async roll(baseLsn: Lsn): Promise<void> {
    assert(baseLsn === this.writtenEnd, 'a new segment starts where the previous one ends');
    // Every write to the old segment was durable already; its preallocated zeros are cut off
    // (durably) before the next segment exists, so a sealed segment always ends at its last frame.
    await this.active.seal();
    await createSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    const files = await openActiveSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    this.active = this.preallocator(files, firstFrameOffset);
    this.activeBase = baseLsn;
    this.writtenEnd = lsnAt(baseLsn, firstFrameOffset);
    this.options.onSegmentCreated(baseLsn);
  }

  /** A write or fsync failed: never retry (the kernel may have dropped the dirty pages). */
  private fail(error: Error, group: PendingEntry[]): void {
    this.failure ??= error;
    const failed = new WalFailedError(`WAL write or fsync failed: ${this.failure.message}`, { cause: this.failure });
    for (const entry of [...group, ...this.queue.splice(0)]) entry.reject(failed);
  }
}
