// The write-ahead log: an append-only, segmented, checksummed journal of opaque payloads.
// It knows bytes and LSNs only. Open takes the single-writer lock and recovers the tail;
// appends are durable when they resolve (sync 'always'); readers see only durable bytes.
// Invariants: durableEnd only grows; durableEnd <= the writer's planned end; segments are
// contiguous (each starts where the previous one ends). LSNs are branded inside the WAL
// (lsn.ts); its public methods take and return plain numbers (docs/decisions.md).
import path from 'node:path';
import { ClosedError, InvalidArgumentError, RecordSizeError } from '../errors.js';
import type { FileSystem } from '../fs/file-system.js';
import { nodeFileSystem } from '../fs/node-file-system.js';
import { recordBytesMaxCeiling, recordBytesMaxDefault, segmentBytesMaxDefault, segmentBytesMin, walRecentFramesBytesMax } from '../limits.js';
import { copySegments, type WalCopy } from './copy.js';
import { firstFrameOffset, frameAlignBytes, frameBytes, segmentFileName } from './format.js';
import { acquireLock, type Lock } from './lock.js';
import { lsnAt, toLsn, type Lsn } from './lsn.js';
import type { WalObserver } from './observer.js';
import { openActiveSegment, type ActiveSegment } from './preallocator.js';
import { readChunks, readLog, type ReadSource, type WalEntry } from './reader.js';
import { recover, type RecoveryMode, type RecoveryReport } from './recovery.js';
import { RecentFrames } from './recent-frames.js';
import { WalWriter } from './writer.js';

export type SyncMode = 'always' | 'none';

export interface WalOptions {
  /** Directory holding the segment files and the LOCK file; created if missing. */
  dir: string;
  /** Seal a segment before it would pass this many bytes (default 64 MiB). */
  segmentBytesMax?: number;
  /** Refuse payloads larger than this (default 16 MiB). */
  recordBytesMax?: number;
  /**
   * 'always' (default): append resolves after fdatasync. 'none': after write(2) only —
   * UNSAFE: a machine crash loses acknowledged records. For tests and re-creatable bulk loads.
   */
  sync?: SyncMode;
  /** What to do about damage found at open (default 'tolerate-tail'); see docs/wal-format.md. */
  recovery?: RecoveryMode;
  /** Where recovery reports repairs (default: one line on stderr). */
  log?: (message: string) => void;
  /** The file-system seam; tests pass a fault-injecting one. */
  fileSystem?: FileSystem;
  /**
   * Called once, with the I/O error, when a write or fsync fails. The WAL refuses appends
   * from then on (WAL_FAILED) and never retries: reopen it to recover.
   */
  onFailure?: (error: Error) => void;
  /** Hears of every group commit once it is durable (for metrics); must not throw. */
  observer?: WalObserver;
}

export interface WalStats {
  segments: number;
  /** Bytes in all segment files. */
  bytes: number;
  firstLsn: number;
  /** LSN just past the last durable record. */
  endLsn: number;
}

export type WalState = 'open' | 'failed' | 'closed';

/**
 * Where appendBatch put its records: element i of each array is record i's. Arrays of
 * numbers rather than an object per record: bulk loads pass tens of thousands a second.
 */
export interface AppendedBatch {
  /** Each record's LSN. */
  readonly lsns: readonly number[];
  /**
   * The LSN just past each record (WalEntry.nextLsn): what a reader that has consumed it has
   * reached. The last one is where the batch ends.
   */
  readonly nextLsns: readonly number[];
}

export type { WalCopy, WalEntry, WalObserver };

function checkLimit(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

export class Wal {
  readonly dir: string;
  /** What recovery found and repaired when this WAL was opened. */
  readonly recovery: RecoveryReport;
  private readonly fileSystem: FileSystem;
  private readonly recordBytesMax: number;
  private readonly lock: Lock;
  private readonly writer: WalWriter;
  private readonly bases: Lsn[];
  private durableEnd: Lsn;
  private closed = false;
  private waiters: Array<() => void> = [];
  /** Durable frames kept in memory for readers that follow the log; only while one does. */
  private readonly recentFrames = new RecentFrames(walRecentFramesBytesMax);
  private followers = 0;
  /** Copies in progress: while any runs, truncateBefore deletes nothing. */
  private truncationHolds = 0;
  /** The truncateBefore in progress, if any: a hold waits for it. */
  private truncation: Promise<number> | undefined;

  private constructor(init: {
    dir: string;
    fileSystem: FileSystem;
    recordBytesMax: number;
    segmentBytesMax: number;
    sync: boolean;
    lock: Lock;
    bases: Lsn[];
    endLsn: Lsn;
    recovery: RecoveryReport;
    active: ActiveSegment;
    onFailure: ((error: Error) => void) | undefined;
    observer: WalObserver | undefined;
  }) {
    this.dir = init.dir;
    this.fileSystem = init.fileSystem;
    this.recordBytesMax = init.recordBytesMax;
    this.lock = init.lock;
    this.bases = init.bases;
    this.durableEnd = init.endLsn;
    this.recovery = init.recovery;
    this.writer = new WalWriter(
      {
        fileSystem: init.fileSystem,
        dir: init.dir,
        segmentBytesMax: init.segmentBytesMax,
        sync: init.sync,
        onDurable: (endLsn) => this.advance(endLsn),
        onSegmentCreated: (base) => this.bases.push(base),
        recent: () => (this.followers > 0 ? this.recentFrames : undefined),
        ...(init.onFailure && { onFailure: init.onFailure }),
        ...(init.observer && { observer: init.observer }),
      },
      init.active,
      init.bases[init.bases.length - 1]!,
      init.endLsn,
    );
  }

  static async open(options: WalOptions): Promise<Wal> {
    const fileSystem = options.fileSystem ?? nodeFileSystem;
    const segmentBytesMax = checkLimit('segmentBytesMax', options.segmentBytesMax ?? segmentBytesMaxDefault, segmentBytesMin, 2 ** 40);
    const recordBytesMax = checkLimit('recordBytesMax', options.recordBytesMax ?? recordBytesMaxDefault, 1, recordBytesMaxCeiling);
    const sync = (options.sync ?? 'always') === 'always';
    const mode = options.recovery ?? 'tolerate-tail';
    if (!['tolerate-tail', 'absolute', 'point-in-time'].includes(mode)) {
      throw new InvalidArgumentError(`recovery must be 'tolerate-tail', 'absolute' or 'point-in-time', got ${String(mode)}`);
    }
    const dir = path.resolve(options.dir);
    await fileSystem.makeDirectory(dir);
    const lock = await acquireLock(dir);
    try {
      const recovered = await recover(fileSystem, dir, mode, sync);
      const damage = recovered.report.damage;
      if (damage !== undefined) {
        const log = options.log ?? ((message: string) => process.stderr.write(`stemedb: ${message}\n`));
        const dropped = recovered.report.segmentsDropped.length > 0 ? ` and ${recovered.report.segmentsDropped.length} later segment(s)` : '';
        log(`wal recovery (${mode}): ${damage.reason} in ${damage.file} at byte ${damage.offset}; dropped ${recovered.report.bytesDropped} bytes${dropped}`);
      }
      const activeBase = recovered.segmentBases[recovered.segmentBases.length - 1]!;
      const active = await openActiveSegment(fileSystem, dir, activeBase, sync);
      return new Wal({ dir, fileSystem, recordBytesMax, segmentBytesMax, sync, lock, bases: recovered.segmentBases, endLsn: recovered.endLsn, recovery: recovered.report, active, onFailure: options.onFailure, observer: options.observer });
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  get state(): WalState {
    if (this.closed) return 'closed';
    return this.writer.failed === undefined ? 'open' : 'failed';
  }

  /** The write or fsync error that failed the WAL, if one did. */
  get failure(): Error | undefined {
    return this.writer.failed;
  }

  /** LSN just past the last durable record: where reading catches up to. */
  get endLsn(): number {
    return this.durableEnd;
  }

  /**
   * LSN just past the last durable record: what a reader that has consumed every record has
   * reached (its checkpoint). Equals endLsn, except when the newest segment holds no record
   * yet (a fresh log, or a roll left empty by a crash): then it is that segment's base.
   */
  get recordsEndLsn(): number {
    const activeBase = this.bases[this.bases.length - 1]!;
    return this.durableEnd === lsnAt(activeBase, firstFrameOffset) ? activeBase : this.durableEnd;
  }

  /** LSN where the oldest segment ends, when it is sealed (what truncateBefore could delete next). */
  get oldestSealedEndLsn(): number | undefined {
    return this.bases.length > 1 ? this.bases[1] : undefined;
  }

  /** LSN of the oldest retained byte (the first segment's base). */
  get firstLsn(): number {
    return this.bases[0]!;
  }

  /** Appends one record; resolves its LSN once durable. Refuses empty and oversized payloads. */
  append(payload: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new ClosedError('WAL'));
    if (!this.sizeAllowed(payload)) return Promise.reject(new RecordSizeError(payload.length, this.recordBytesMax));
    return this.writer.enqueueOne(payload);
  }

  /**
   * Appends records as consecutive frames made durable by one fsync; resolves, for each, its
   * LSN and the LSN just past it.
   */
  appendBatch(payloads: readonly Uint8Array[]): Promise<AppendedBatch> {
    if (this.closed) return Promise.reject(new ClosedError('WAL'));
    if (payloads.length === 0) return Promise.resolve({ lsns: [], nextLsns: [] });
    for (const payload of payloads) {
      if (!this.sizeAllowed(payload)) return Promise.reject(new RecordSizeError(payload.length, this.recordBytesMax));
    }
    // No copy of the array: the writer frames (copies) every payload before enqueue returns.
    return this.writer.enqueue(payloads);
  }

  private sizeAllowed(payload: Uint8Array): boolean {
    return payload.length > 0 && payload.length <= this.recordBytesMax;
  }

  /**
   * Every durable record from `fromLsn` (default: the oldest retained) to the durable end,
   * checksums verified. `chunkBytes` (default walReadChunkBytes): how much of a segment file one
   * read takes; a reader that may stall (a change feed) holds one chunk, so it passes a small one.
   */
  read(fromLsn?: number, chunkBytes?: number): AsyncGenerator<WalEntry> {
    return readLog(this.readSource(), fromLsn, false, chunkBytes);
  }

  /**
   * Like read, then waits for new durable records (no polling). Ends when the WAL closes or
   * `signal` aborts (checked whenever the tail is caught up).
   */
  tail(fromLsn?: number, signal?: AbortSignal, chunkBytes?: number): AsyncGenerator<WalEntry> {
    return this.following(readLog(this.readSource(signal), fromLsn, true, chunkBytes));
  }

  /**
   * tail, a chunk at a time: non-empty arrays of consecutive entries, as many as one read
   * found. For consumers that handle records in bulk; the same records in the same order.
   */
  tailChunks(fromLsn?: number, signal?: AbortSignal): AsyncGenerator<WalEntry[]> {
    return this.following(readChunks(this.readSource(signal), fromLsn, true));
  }

  /** Counts a tail as a follower while it runs: frames are kept in memory only while one does. */
  private async *following<T>(entries: AsyncGenerator<T>): AsyncGenerator<T> {
    this.followers += 1;
    try {
      yield* entries;
    } finally {
      this.followers -= 1;
    }
  }

  /** Deletes whole segments that end at or before `lsn` (never the active one); returns how many. */
  truncateBefore(before: number): Promise<number> {
    const run = this.deleteSegmentsBefore(before);
    const tracked = run.finally(() => {
      if (this.truncation === tracked) this.truncation = undefined;
    });
    this.truncation = tracked;
    return tracked;
  }

  private async deleteSegmentsBefore(before: number): Promise<number> {
    if (this.closed) throw new ClosedError('WAL');
    const lsn = toLsn(before, 'the LSN to truncate before');
    if (lsn > this.durableEnd) {
      throw new InvalidArgumentError(`cannot truncate before LSN ${lsn}: the durable end is ${this.durableEnd}`);
    }
    let removed = 0;
    // While a copy or a verify reads the segments, keep them; a later call deletes them.
    while (this.truncationHolds === 0 && this.bases.length > 1 && this.bases[1]! <= lsn) {
      await this.fileSystem.remove(path.join(this.dir, segmentFileName(this.bases[0]!)));
      this.bases.shift();
      removed += 1;
    }
    if (removed > 0) await this.fileSystem.syncDirectory(this.dir);
    return removed;
  }

  /**
   * Keeps every segment until the returned release is called: truncateBefore deletes nothing
   * meanwhile. Resolves once a deletion already in progress has finished, so the segment list
   * is then stable. A backup holds this from before its KV snapshot to the end of its WAL copy,
   * so the segments from that snapshot's checkpoint on are still there to be copied.
   */
  async holdTruncation(): Promise<() => void> {
    this.truncationHolds += 1;
    await this.truncation?.catch(() => undefined);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.truncationHolds -= 1;
    };
  }

  /**
   * Copies the retained log, from the oldest segment to the durable end as it is now, into
   * `targetDir` (docs/wal-format.md, "Copying a live log"). Appends go on meanwhile; what they
   * add after this call is not in the copy. Holds truncation while it copies.
   */
  async copyTo(targetDir: string): Promise<WalCopy> {
    if (this.closed) throw new ClosedError('WAL');
    const release = await this.holdTruncation();
    try {
      const endLsn = this.durableEnd;
      const bases = this.bases.filter((base) => base < endLsn);
      return await copySegments(this.fileSystem, this.dir, path.resolve(targetDir), bases, endLsn);
    } finally {
      release();
    }
  }

  stats(): WalStats {
    return {
      segments: this.bases.length,
      bytes: this.durableEnd - this.bases[0]!,
      firstLsn: this.bases[0]!,
      endLsn: this.durableEnd,
    };
  }

  /**
   * The bytes a payload of `payloadBytes` takes in the log (frame header and padding
   * included), for sizing: bench:wal's raw floor writes the same bytes. Where a record ends
   * comes from the WAL itself (appendBatch's `nextLsns`, WalEntry.nextLsn), not from
   * arithmetic on LSNs outside it.
   */
  static frameBytes(payloadBytes: number): number {
    return frameBytes(payloadBytes);
  }

  /** Every record and segment starts at a multiple of this many bytes (docs/wal-format.md). */
  static readonly frameAlignBytes = frameAlignBytes;

  /** Waits for queued appends, closes files, ends tails, releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.writer.close();
    } finally {
      this.wake();
      this.lock.release();
    }
  }

  private advance(endLsn: Lsn): void {
    this.durableEnd = endLsn;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private readSource(signal?: AbortSignal): ReadSource {
    const ended = (): boolean => this.closed || signal?.aborted === true;
    return {
      fileSystem: this.fileSystem,
      dir: this.dir,
      segmentBases: () => this.bases,
      durableEnd: () => this.durableEnd,
      recent: (lsn, end) => this.recentFrames.from(lsn, end),
      waitBeyond: async (lsn: Lsn): Promise<boolean> => {
        while (!ended() && this.durableEnd <= lsn) {
          await new Promise<void>((resolve) => {
            // Remove the abort listener on wake-up, or a long tail would pile them up.
            const onAbort = (): void => resolve();
            signal?.addEventListener('abort', onAbort, { once: true });
            this.waiters.push(() => {
              signal?.removeEventListener('abort', onAbort);
              resolve();
            });
          });
        }
        return !ended();
      },
    };
  }
}
