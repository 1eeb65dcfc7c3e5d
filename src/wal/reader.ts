// Reads frames from a live log, in LSN order, verifying every checksum. It reads only up to
// the durable end (never bytes a crash could still take back), a chunk at a time, and can
// either stop when caught up (read) or wait for the writer to make more durable (tail).
import path from 'node:path';
import { InvalidArgumentError, WalCorruptError } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/file-system.js';
import { walReadChunkBytes, walReadChunkBytesMin } from '../limits.js';
import { firstFrameOffset, frameBytes, frameHeaderBytes, framePayloadBytes, headerIsValid, readFrameHeader, segmentFileName } from './format.js';
import { checkFrame } from './frame-check.js';
import { isLsn, lsnAt, lsnPlus, offsetOf, offsetPlus, segmentOffset, type Lsn, type SegmentOffset } from './lsn.js';

/** One record as read back: its LSN and its payload bytes. */
export interface WalEntry {
  lsn: number;
  /**
   * LSN just past this record's frame (its padding included): where reading resumes after it
   * (an ingest checkpoint). The next record's LSN, unless the next record starts a new segment
   * (then that one is a segment header further on); for the last record, the log's end LSN.
   */
  nextLsn: number;
  /**
   * The record's bytes: a view into a buffer the reader read the chunk into, or into the
   * writer's own frame buffer for a frame taken from memory. Never reused; do not modify it.
   */
  payload: Uint8Array;
}

/**
 * A WalEntry as the WAL makes it, with its LSNs branded. Public callers see WalEntry, whose
 * plain numbers they can also build themselves (the ingestor does, for its batches).
 */
export interface LogEntry extends WalEntry {
  lsn: Lsn;
  nextLsn: Lsn;
}

/** What the reader needs from the live log. */
export interface ReadSource {
  fileSystem: FileSystem;
  dir: string;
  /** Base LSNs of the segments, oldest first (read live: it changes as the log rolls). */
  segmentBases(): readonly Lsn[];
  durableEnd(): Lsn;
  /** Resolves true once the durable end passes `lsn`, false if the log closes first. */
  waitBeyond(lsn: Lsn): Promise<boolean>;
  /** Frames from `lsn` on that the writer still holds in memory (recent-frames.ts), if any. */
  recent(lsn: Lsn, end: () => Lsn): Iterable<LogEntry>;
}

function segmentIndexOf(bases: readonly Lsn[], lsn: Lsn): number {
  let index = -1;
  for (let i = 0; i < bases.length && bases[i]! <= lsn; i++) index = i;
  return index;
}

/** Reads exactly `length` bytes; a file shorter than the log says it is, is damage. */
async function readExactly(handle: FileHandle, file: string, length: number, position: SegmentOffset): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const n = await handle.read(buffer.subarray(filled), length - filled, position + filled);
    if (n === 0) throw new WalCorruptError(file, position + filled, 'segment file ends before the end of the log');
    filled += n;
  }
  return buffer;
}

/**
 * Whether `lsn` is where a frame starts in the segment at `base`, walking the frame headers
 * from the segment's start. Only called on the failure path (a caller-given LSN whose frame
 * does not check out), to tell a caller's mistake from damage.
 */
async function isFrameBoundary(handle: FileHandle, file: string, base: Lsn, lsn: Lsn): Promise<boolean> {
  const bytes = await readExactly(handle, file, offsetOf(base, lsn), segmentOffset(0));
  let offset = firstFrameOffset;
  while (offset + frameHeaderBytes <= bytes.length) {
    const header = readFrameHeader(bytes, offset);
    if (!headerIsValid(header, lsnAt(base, offset))) return true; // damage before it: report damage
    offset = offsetPlus(offset, frameBytes(header.payloadBytes));
  }
  return offset === bytes.length;
}

/** Every entry readChunks yields, one at a time. */
export async function* readLog(source: ReadSource, fromLsn: number | undefined, follow: boolean, chunkBytes = walReadChunkBytes): AsyncGenerator<LogEntry> {
  for await (const entries of readChunks(source, fromLsn, follow, chunkBytes)) yield* entries;
}

/**
 * The log's records from `fromLsn` in LSN order, as non-empty arrays of consecutive entries:
 * what one read from memory or one chunk of a file held. A consumer that handles records in
 * bulk (the ingestor) pays one await per array rather than one per record. On damage, the
 * valid entries before it are yielded first, then the error is thrown. `fromLsn` is the
 * caller's plain number: it is checked (and branded) here. `chunkBytes`: how much of a file one
 * read takes (a frame larger than that is read whole); the entries are views into the chunk,
 * so a consumer that holds one holds its chunk.
 */
export async function* readChunks(source: ReadSource, fromLsn: number | undefined, follow: boolean, chunkBytes = walReadChunkBytes): AsyncGenerator<LogEntry[]> {
  // A chunk must hold a frame header, or a read that ends mid-header would never advance.
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < walReadChunkBytesMin) throw new InvalidArgumentError(`a WAL read chunk is at least ${walReadChunkBytesMin} bytes; got ${chunkBytes}`);
  const first = source.segmentBases()[0]!;
  const from = fromLsn ?? first;
  if (!isLsn(from) || from < first) {
    throw new InvalidArgumentError(`cannot read from LSN ${from}: the log starts at LSN ${first} (earlier segments were truncated)`);
  }
  let lsn = from;
  let handle: FileHandle | undefined;
  let handleBase: Lsn | undefined;
  try {
    for (;;) {
      const bases = source.segmentBases();
      const index = segmentIndexOf(bases, lsn);
      const base = bases[index]!;
      if (lsn < lsnAt(base, firstFrameOffset)) lsn = lsnAt(base, firstFrameOffset);
      const sealed = index < bases.length - 1;
      const end = sealed ? bases[index + 1]! : source.durableEnd();
      if (lsn >= end) {
        if (sealed) {
          lsn = bases[index + 1]!;
          continue;
        }
        if (!follow || !(await source.waitBeyond(lsn))) return;
        continue;
      }
      // Frames this process wrote recently come from memory, up to the end of this segment.
      const fromMemory = [...source.recent(lsn, () => (sealed ? end : source.durableEnd()))];
      if (fromMemory.length > 0) {
        lsn = fromMemory[fromMemory.length - 1]!.nextLsn;
        yield fromMemory;
        continue;
      }
      if (handleBase !== base) {
        await handle?.close();
        handle = undefined;
        handle = await source.fileSystem.openReadOnly(path.join(source.dir, segmentFileName(base)));
        handleBase = base;
      }
      const file = path.join(source.dir, segmentFileName(base));
      const position = offsetOf(base, lsn);
      let chunk = await readExactly(handle!, file, Math.min(chunkBytes, end - lsn), position);
      let offset = 0;
      const entries: LogEntry[] = [];
      let damage: Error | undefined;
      while (offset < chunk.length) {
        const complete = chunk.length === end - lsn; // the chunk reaches a frame boundary
        const remaining = chunk.length - offset;
        if (!complete) {
          if (remaining < frameHeaderBytes) break; // read on from this frame
          const claimed = frameBytes(framePayloadBytes(chunk, offset));
          if (claimed > remaining) {
            if (offset > 0) break;
            // One frame larger than a chunk: read it whole (checkFrame still verifies it).
            chunk = await readExactly(handle!, file, Math.min(claimed, end - lsn), position);
          }
        }
        const at = lsnPlus(lsn, offset);
        const check = checkFrame(chunk.subarray(offset), at);
        if (!check.ok) {
          const misplaced = at === fromLsn && at !== lsnAt(base, firstFrameOffset) && !(await isFrameBoundary(handle!, file, base, at));
          damage = misplaced
            ? new InvalidArgumentError(`LSN ${at} is not the start of a record`)
            : new WalCorruptError(file, offsetPlus(position, offset), check.reason);
          break;
        }
        entries.push({ lsn: at, nextLsn: lsnPlus(at, check.frameBytes), payload: check.payload });
        offset += check.frameBytes;
      }
      if (entries.length > 0) yield entries;
      if (damage !== undefined) throw damage;
      lsn = lsnPlus(lsn, offset);
    }
  } finally {
    await handle?.close();
  }
}
