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
import { firstFrameOffset, frameBytes, frameHeaderBytes, framePayloadBytes, writeFrame } from './format.js';
import { lsnAt, lsnPlus, offsetOf, type Lsn, type SegmentOffset } from './lsn.js';
import { openActiveSegment, Preallocator, type ActiveSegment } from './preallocator.js';
import type { RecentFrames } from './recent-frames.js';
import type { WalObserver } from './observer.js';
import { createSegment } from './recovery.js';

/**
 * Where a batch's frames went: element i of each array is frame i's. Two arrays of numbers
 * rather than an object per frame, since bulk loads pass tens of thousands of records a second.
 */
export interface PlacedFrames {
  /** Each frame's LSN. */
  lsns: Lsn[];
  /**
   * The LSN just past each frame, padding included (WalEntry.nextLsn). Frame i is
   * `nextLsns[i] - lsns[i]` bytes long; the next frame starts there, or a segment header
   * later when it is the first of a new segment.
   */
  nextLsns: Lsn[];
}

interface PendingEntry extends PlacedFrames {
  /** The entry's frames, encoded back to back. */
  bytes: Buffer;
  /** Whether a frame starts a new segment (the entry's bytes must then be split there). */
  rolls: boolean;
  /** Queued by enqueueOne: resolves with the one LSN rather than the arrays. */
  one: boolean;
  resolve: (placed: PlacedFrames | Lsn) => void;
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
  /** Called once, with the I/O error, when a write or fsync fails: the writer refuses appends from then on. */
  onFailure?: (error: Error) => void;
  /** Hears of each durable group (records, bytes, write time). */
  observer?: WalObserver;
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
   * Queues payloads (already size-checked) as consecutive frames; resolves, once durable, each
   * one's LSN and the LSN just past it. The payloads are framed (copied) before this returns.
   */
  enqueue(payloads: readonly Uint8Array[]): Promise<PlacedFrames> {
    return this.queueEntry(payloads, false) as Promise<PlacedFrames>;
  }

  /** enqueue for one payload, resolving its LSN: the single append, without the batch's result. */
  enqueueOne(payload: Uint8Array): Promise<Lsn> {
    return this.queueEntry([payload], true) as Promise<Lsn>;
  }

  private queueEntry(payloads: readonly Uint8Array[], one: boolean): Promise<PlacedFrames | Lsn> {
    if (this.failure !== undefined) {
      return Promise.reject(new WalFailedError(`the WAL failed earlier (${this.failure.message}) and refuses appends until reopened`, { cause: this.failure }));
    }
    let total = 0;
    for (const payload of payloads) total += frameBytes(payload.length);
    const bytes = Buffer.allocUnsafe(total);
    const lsns: Lsn[] = [];
    const nextLsns: Lsn[] = [];
    let offset = 0;
    let rolls = false;
    for (const payload of payloads) {
      const follows = this.planEnd;
      const lsn = this.plan(frameBytes(payload.length));
      rolls ||= lsn !== follows;
      offset += writeFrame(bytes, offset, lsn, payload);
      lsns.push(lsn);
      nextLsns.push(this.planEnd);
    }
    const done = new Promise<PlacedFrames | Lsn>((resolve, reject) => this.queue.push({ bytes, lsns, nextLsns, rolls, one, resolve, reject }));
    // Start on a microtask, not now: appends made in the same tick then share one fsync.
    if (this.flushing === undefined) this.flushing = Promise.resolve().then(() => this.flushLoop());
    return done;
  }

  /** The LSN of the next frame, `bytes` long: at the planned end, or first in a new segment when it would not fit. */
  private plan(bytes: number): Lsn {
    const used = offsetOf(this.planBase, this.planEnd);
    if (used > firstFrameOffset && used + bytes > this.options.segmentBytesMax) {
      this.planBase = this.planEnd;
      this.planEnd = lsnAt(this.planBase, firstFrameOffset);
    }
    const lsn = this.planEnd;
    this.planEnd = lsnPlus(lsn, bytes);
    return lsn;
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
        const startedMs = performance.now();
        try {
          await this.writeGroup(group);
        } catch (error) {
          this.fail(error as Error, group);
          return;
        }
        this.observe(group, performance.now() - startedMs);
        this.keepRecent(group);
        for (const entry of group) entry.resolve(entry.one ? entry.lsns[0]! : { lsns: entry.lsns, nextLsns: entry.nextLsns });
        this.options.onDurable(this.writtenEnd);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private observe(group: PendingEntry[], syncMs: number): void {
    const observer = this.options.observer;
    if (observer === undefined) return;
    let records = 0;
    let bytes = 0;
    for (const entry of group) {
      records += entry.lsns.length;
      bytes += entry.bytes.length;
    }
    observer.groupCommitted(records, bytes, syncMs);
  }

  /** Hands a durable group's frames to the readers' in-memory window, when someone follows the log. */
  private keepRecent(group: PendingEntry[]): void {
    const recent = this.options.recent();
    if (recent === undefined) return;
    for (const entry of group) {
      const { lsns, nextLsns } = entry;
      let start = 0;
      for (let i = 0; i < lsns.length; i++) {
        const lsn = lsns[i]!;
        const nextLsn = nextLsns[i]!;
        const payloadStart = start + frameHeaderBytes;
        const payload = entry.bytes.subarray(payloadStart, payloadStart + framePayloadBytes(entry.bytes, start));
        recent.add({ lsn, nextLsn, payload });
        start += nextLsn - lsn;
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
      records += entry.lsns.length;
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
    /** LSN just past the bytes in `run`: where the next frame goes, unless it starts a segment. */
    let runEnd = this.writtenEnd;
    for (const entry of group) {
      const { lsns, nextLsns } = entry;
      if (!entry.rolls) {
        run.push(entry.bytes);
        runEnd = nextLsns[nextLsns.length - 1]!;
        continue;
      }
      let start = 0;
      for (let i = 0; i < lsns.length; i++) {
        const lsn = lsns[i]!;
        if (lsn !== runEnd) {
          // Frames are planned back to back, except that the first of a new segment goes after its header.
          assert(lsn === lsnAt(runEnd, firstFrameOffset), 'a gap between frames is exactly a new segment header');
          await this.writeRun(run, runLsn);
          run = [];
          await this.roll(runEnd);
          runLsn = lsn;
        }
        const end = start + (nextLsns[i]! - lsn);
        run.push(entry.bytes.subarray(start, end));
        start = end;
        runEnd = nextLsns[i]!;
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
    // Everything in the old segment is durable (written, when syncing, with O_DSYNC): say so
    // before the new segment exists. Readers take a segment with a successor as sealed and
    // read it to its end, so the durable end must already be there, or a reader could return
    // frames past it (the ingestor would then apply records past the WAL's durable end).
    this.options.onDurable(this.writtenEnd);
    await createSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    const files = await openActiveSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    this.active = this.preallocator(files, firstFrameOffset);
    this.activeBase = baseLsn;
    this.writtenEnd = lsnAt(baseLsn, firstFrameOffset);
    this.options.onSegmentCreated(baseLsn);
  }

  /** A write or fsync failed: never retry (the kernel may have dropped the dirty pages). */
  private fail(error: Error, group: PendingEntry[]): void {
    const first = this.failure === undefined;
    this.failure ??= error;
    if (first) this.options.onFailure?.(error);
    const failed = new WalFailedError(`WAL write or fsync failed: ${this.failure.message}`, { cause: this.failure });
    for (const entry of [...group, ...this.queue.splice(0)]) entry.reject(failed);
  }
}
