// The group-commit writer. Appends get their LSNs at once (in call order) and are framed
// (checksummed) right away, so that work overlaps the fsync in flight; one flush loop writes
// everything queued as one buffer with one durable write (O_DSYNC), so concurrent appenders
// share fsyncs. Invariants: bytes reach the file in LSN order with no
// gaps; an append resolves only after its bytes (and every earlier byte) are durable; after
// any write or fsync error nothing more is written and every pending append rejects.
//
// Preallocation (sync 'always' only): the active segment is extended with durable zeros
// ahead of the log, walPreallocateBytes at a time, through a second descriptor. A data write
// into space that is already allocated changes no file size, so its O_DSYNC needs no metadata
// commit: about half the latency of an appending write on ext4 (docs/decisions.md). The
// extension writes only past `allocatedEnd` and data goes past it only when no extension is in
// flight, so the two never overlap. A failed extension fails the WAL like any failed write.
// Sealed segments and a cleanly closed active segment are cut back to their exact length.
import path from 'node:path';
import { assert, WalFailedError } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/file-system.js';
import { groupCommitBytesMax, groupCommitRecordsMax, walPreallocateBytes } from '../limits.js';
import { frameBytes, frameHeaderBytes, segmentFileName, segmentHeaderBytes, writeFrame } from './format.js';
import type { RecentFrames } from './recent-frames.js';
import { createSegment } from './recovery.js';

interface PendingFrame {
  lsn: number;
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
  resolve: (lsns: number[] | number) => void;
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
  /** Where durable frames are kept for readers following the log, while one is (else undefined). */
  recent: () => RecentFrames | undefined;
}

/** The active segment's open files: where frames go, and (when syncing) the preallocator's own descriptor. */
export interface ActiveSegment {
  handle: FileHandle;
  /**
   * A second descriptor on the same file for the zero-filling writes. Its own descriptor keeps
   * the kernel's writeback-error report for data writes on `handle`: Linux reports such an
   * error once per open file description, so a preallocation fsync on the same one could
   * consume an error meant for a data write, which would then be acknowledged.
   */
  spare: FileHandle | undefined;
  /** The file's size when opened: bytes past the log's end are preallocated zeros. */
  fileBytes: number;
}

let zeroChunk: Buffer | undefined;
function zeros(bytes: number): Buffer {
  zeroChunk ??= Buffer.alloc(walPreallocateBytes);
  return zeroChunk.subarray(0, bytes);
}

/** Opens the segment appends go to; when syncing, with O_DSYNC so each write is durable. */
export async function openActiveSegment(fileSystem: FileSystem, dir: string, baseLsn: number, sync: boolean): Promise<ActiveSegment> {
  const file = path.join(dir, segmentFileName(baseLsn));
  const handle = await fileSystem.openReadWrite(file, { syncWrites: sync });
  try {
    const spare = sync ? await fileSystem.openReadWrite(file, { syncWrites: true }) : undefined;
    return { handle, spare, fileBytes: await handle.size() };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export class WalWriter {
  private readonly options: WriterOptions;
  private handle: FileHandle;
  private spare: FileHandle | undefined;
  /** Offset in the active segment up to which the file is durably allocated (its size). */
  private allocatedEnd: number;
  private extending: Promise<void> | undefined;
  private activeBase: number;
  /** LSN just past everything written to the file. */
  private writtenEnd: number;
  /** Planned layout: where the next enqueued frame goes, and its segment's base. */
  private planEnd: number;
  private planBase: number;
  private queue: PendingEntry[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(options: WriterOptions, active: ActiveSegment, activeBase: number, endLsn: number) {
    this.options = options;
    this.handle = active.handle;
    this.spare = active.spare;
    this.allocatedEnd = active.fileBytes;
    this.activeBase = activeBase;
    this.writtenEnd = endLsn;
    this.planEnd = endLsn;
    this.planBase = activeBase;
    this.preallocate();
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /**
   * Queues payloads (already size-checked) as consecutive frames; resolves their LSNs once
   * durable. The payloads are framed (copied) before this returns.
   */
  enqueue(payloads: readonly Uint8Array[]): Promise<number[]> {
    return this.queueEntry(payloads, false) as Promise<number[]>;
  }

  /** enqueue for one payload, resolving its LSN: the single append, without the batch's arrays. */
  enqueueOne(payload: Uint8Array): Promise<number> {
    return this.queueEntry([payload], true) as Promise<number>;
  }

  private queueEntry(payloads: readonly Uint8Array[], one: boolean): Promise<number[] | number> {
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
    const done = new Promise<number[] | number>((resolve, reject) => this.queue.push({ bytes, frames, rolls, one, resolve, reject }));
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
    const frame = { lsn: this.planEnd, payloadBytes: payload.length, start, end: start, startsSegment };
    this.planEnd += bytes;
    return frame;
  }

  /** Resolves once everything queued so far is written (and durable when syncing). */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** Drains, cuts the preallocated zeros off the active segment (unless failed), closes. */
  async close(): Promise<void> {
    await this.drain();
    await this.extending;
    try {
      if (this.failure === undefined) await this.trimActive();
    } finally {
      await this.closeActive();
    }
  }

  private async closeActive(): Promise<void> {
    const handles = [this.handle, this.spare];
    this.spare = undefined;
    for (const handle of handles) {
      try {
        await handle?.close();
      } catch (error) {
        // After a failure the handle may already be closed; the failure was reported then.
        if (this.failure === undefined) throw error;
      }
    }
  }

  /** Cuts the active segment back to the end of its last frame, durably. */
  private async trimActive(): Promise<void> {
    const used = this.writtenEnd - this.activeBase;
    if (this.allocatedEnd <= used) return;
    await this.handle.truncate(used);
    if (this.options.sync) await this.handle.datasync();
    this.allocatedEnd = used;
  }

  /** Starts extending the active segment with zeros when less than half a step is left. */
  private preallocate(): void {
    const spare = this.spare;
    if (spare === undefined || this.extending !== undefined || this.failure !== undefined) return;
    const used = this.writtenEnd - this.activeBase;
    const limit = this.options.segmentBytesMax;
    if (this.allocatedEnd >= limit || this.allocatedEnd - used >= walPreallocateBytes / 2) return;
    const from = Math.max(this.allocatedEnd, used);
    const to = Math.min(from + walPreallocateBytes, limit);
    this.extending = spare
      .writeDurably(zeros(to - from), from)
      .then(
        () => {
          this.allocatedEnd = Math.max(this.allocatedEnd, to);
        },
        (error: unknown) => this.fail(error as Error, []),
      )
      .finally(() => {
        this.extending = undefined;
      });
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
        recent.add({ lsn: frame.lsn, nextLsn: frame.lsn + (frame.end - frame.start), payload });
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
    const end = position + buffer.length;
    // Past the allocated space: wait for a zero-fill in flight, or it could land on these bytes.
    if (end > this.allocatedEnd && this.extending !== undefined) await this.extending;
    if (this.failure !== undefined) throw this.failure;
    if (this.options.sync) await this.handle.writeDurably(buffer, position);
    else await this.handle.write(buffer, position);
    this.writtenEnd = lsn + buffer.length;
    this.allocatedEnd = Math.max(this.allocatedEnd, end);
    this.preallocate();
  }

  /** Seals the active segment (durably, when syncing) and starts a new one at `baseLsn`. */
  private async roll(baseLsn: number): Promise<void> {
    assert(baseLsn === this.writtenEnd, 'a new segment starts where the previous one ends');
    // Every write to the old segment was durable already; its preallocated zeros are cut off
    // (durably) before the next segment exists, so a sealed segment always ends at its last frame.
    await this.extending;
    if (this.failure !== undefined) throw this.failure;
    await this.trimActive();
    await this.closeActive();
    await createSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    const active = await openActiveSegment(this.options.fileSystem, this.options.dir, baseLsn, this.options.sync);
    this.handle = active.handle;
    this.spare = active.spare;
    this.allocatedEnd = active.fileBytes;
    this.activeBase = baseLsn;
    this.writtenEnd = baseLsn + segmentHeaderBytes;
    this.options.onSegmentCreated(baseLsn);
    this.preallocate();
  }

  /** A write or fsync failed: never retry (the kernel may have dropped the dirty pages). */
  private fail(error: Error, group: PendingEntry[]): void {
    this.failure ??= error;
    const failed = new WalFailedError(`WAL write or fsync failed: ${this.failure.message}`, { cause: this.failure });
    for (const entry of [...group, ...this.queue.splice(0)]) entry.reject(failed);
  }
}
