// The active segment's file and the space allocated ahead of the log in it. With sync
// 'always' the file is extended with durable zeros, walPreallocateBytes at a time, through a
// second descriptor, so that a durable data write lands in allocated space and its O_DSYNC
// needs no metadata commit: about half the latency of a write that grows the file on ext4
// (docs/decisions.md). Invariants: allocatedEnd is the file's size and never below the log's
// end in it; a zero fill writes only at or past both, and a data write that reaches past
// allocatedEnd first waits for the fill in flight, so the two never overlap; after a failed
// fill nothing more is written (never retried); a sealed or cleanly closed segment is cut back
// to its last frame.
import path from 'node:path';
import { assert } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/file-system.js';
import { walPreallocateBytes } from '../limits.js';
import { segmentFileName } from './format.js';
import { offsetPlus, segmentOffset, type Lsn, type SegmentOffset } from './lsn.js';

/** The active segment's open files, as opened: where frames go and (when syncing) the zero fill's own descriptor. */
export interface ActiveSegment {
  handle: FileHandle;
  /**
   * A second descriptor on the same file for the zero-filling writes. Its own descriptor keeps
   * the kernel's writeback-error report for data writes on `handle`: Linux reports such an
   * error once per open file description, so a preallocation fsync on the same one could
   * consume an error meant for a data write, which would then be acknowledged.
   */
  spare: FileHandle | undefined;
  /** The file's size when opened (where it ends): bytes past the log's end are preallocated zeros. */
  fileEnd: SegmentOffset;
}

/** Opens the segment appends go to; when syncing, with O_DSYNC so each write is durable. */
export async function openActiveSegment(fileSystem: FileSystem, dir: string, baseLsn: Lsn, sync: boolean): Promise<ActiveSegment> {
  const file = path.join(dir, segmentFileName(baseLsn));
  const handle = await fileSystem.openReadWrite(file, { syncWrites: sync });
  try {
    const spare = sync ? await fileSystem.openReadWrite(file, { syncWrites: true }) : undefined;
    return { handle, spare, fileEnd: segmentOffset(await handle.size()) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

let zeroChunk: Buffer | undefined;
function zeros(bytes: number): Buffer {
  zeroChunk ??= Buffer.alloc(walPreallocateBytes);
  return zeroChunk.subarray(0, bytes);
}

export class Preallocator {
  private readonly handle: FileHandle;
  private spare: FileHandle | undefined;
  private readonly sync: boolean;
  private readonly segmentEndMax: SegmentOffset;
  private readonly onFailure: (error: Error) => void;
  /** Offset up to which the file is durably allocated (its size). */
  private allocatedEnd: SegmentOffset;
  /** Offset just past the last byte of the log in this file. */
  private logEnd: SegmentOffset;
  private filling: Promise<void> | undefined;
  private failure: Error | undefined;

  /**
   * Takes over `files`, whose log ends at offset `logEnd`, and starts the first zero fill
   * when one is due. `onFailure` hears of a failed fill once, when it happens.
   */
  constructor(files: ActiveSegment, logEnd: SegmentOffset, options: { sync: boolean; segmentBytesMax: number; onFailure: (error: Error) => void }) {
    assert(logEnd <= files.fileEnd, 'the log ends within its file');
    this.handle = files.handle;
    this.spare = files.spare;
    this.allocatedEnd = files.fileEnd;
    this.logEnd = logEnd;
    this.sync = options.sync;
    this.segmentEndMax = segmentOffset(options.segmentBytesMax);
    this.onFailure = options.onFailure;
    this.extend();
  }

  /**
   * Writes log bytes at `position`, the log's end in this file (durable when it resolves, when
   * syncing), then starts a zero fill if the space ahead runs low. Throws a failed fill's error
   * instead of writing.
   */
  async write(buffer: Buffer, position: SegmentOffset): Promise<void> {
    assert(position === this.logEnd, 'log bytes are written exactly at the end of the log');
    const end = offsetPlus(position, buffer.length);
    // Past the allocated space: wait for a zero fill in flight, or it could land on these bytes.
    if (end > this.allocatedEnd && this.filling !== undefined) await this.filling;
    if (this.failure !== undefined) throw this.failure;
    if (this.sync) await this.handle.writeDurably(buffer, position);
    else await this.handle.write(buffer, position);
    this.logEnd = end;
    if (end > this.allocatedEnd) this.allocatedEnd = end;
    this.extend();
  }

  /** Cuts the file back to its last frame (durably) and closes it: the segment is sealed. */
  async seal(): Promise<void> {
    await this.filling;
    if (this.failure !== undefined) throw this.failure;
    await this.trim();
    await this.closeFiles(false);
  }

  /**
   * Waits for a zero fill in flight, cuts the zeros off (unless the WAL `failed`), closes. After
   * a failure, an error closing the files is not reported: the failure was, and a handle may
   * already be closed.
   */
  async close(failed: boolean): Promise<void> {
    await this.filling;
    const failedNow = failed || this.failure !== undefined;
    try {
      if (!failedNow) await this.trim();
    } finally {
      await this.closeFiles(failedNow);
    }
  }

  /** Cuts the file back to the end of its last frame, durably. */
  private async trim(): Promise<void> {
    if (this.allocatedEnd <= this.logEnd) return;
    await this.handle.truncate(this.logEnd);
    if (this.sync) await this.handle.datasync();
    this.allocatedEnd = this.logEnd;
  }

  private async closeFiles(failed: boolean): Promise<void> {
    const handles = [this.handle, this.spare];
    this.spare = undefined;
    for (const handle of handles) {
      try {
        await handle?.close();
      } catch (error) {
        if (!failed) throw error;
      }
    }
  }

  /** Starts extending the file with zeros when less than half a step is left (syncing only). */
  private extend(): void {
    const spare = this.spare;
    if (spare === undefined || this.filling !== undefined || this.failure !== undefined) return;
    const limit = this.segmentEndMax;
    if (this.allocatedEnd >= limit || this.allocatedEnd - this.logEnd >= walPreallocateBytes / 2) return;
    const from = this.allocatedEnd > this.logEnd ? this.allocatedEnd : this.logEnd;
    const to = segmentOffset(Math.min(from + walPreallocateBytes, limit));
    this.filling = spare
      .writeDurably(zeros(to - from), from)
      .then(
        () => {
          if (to > this.allocatedEnd) this.allocatedEnd = to;
        },
        (error: unknown) => {
          this.failure ??= error as Error;
          this.onFailure(error as Error);
        },
      )
      .finally(() => {
        this.filling = undefined;
      });
  }
}
