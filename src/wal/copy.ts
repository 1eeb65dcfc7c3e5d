// Copies the WAL of a live log into another directory, for an online backup. Sealed segments
// are immutable and copied whole; the active one is copied only up to the durable end read
// before the copy starts, which is a frame boundary: bytes past it may be a group being
// written or preallocated zeros, and are not part of the copied log. Every copied file and the
// directory are fsynced. The source's lock file is never copied (only segment files are).
// Invariant: the copy is a log that recovery opens without repair, ending at `endLsn`.
import path from 'node:path';
import { assert } from '../errors.js';
import type { FileSystem } from '../fs/file-system.js';
import { walReadChunkBytes } from '../limits.js';
import { segmentFileName } from './format.js';
import type { Lsn } from './lsn.js';

export interface WalCopy {
  /** LSN of the first copied byte (the oldest retained segment's base). */
  firstLsn: number;
  /** LSN just past the last copied record: the source's durable end when the copy started. */
  endLsn: number;
  segments: number;
  /** Bytes written to the copy, segment headers included. */
  bytes: number;
}

/** Copies `bytes` bytes of `from` into the new file `to`, then fdatasyncs it. */
async function copyFilePrefix(fileSystem: FileSystem, from: string, to: string, bytes: number): Promise<void> {
  const source = await fileSystem.openReadOnly(from);
  try {
    const target = await fileSystem.createExclusive(to);
    try {
      const chunk = Buffer.allocUnsafe(Math.min(walReadChunkBytes, Math.max(bytes, 1)));
      let done = 0;
      while (done < bytes) {
        const n = await source.read(chunk, Math.min(chunk.length, bytes - done), done);
        // A segment shorter than its durable prefix would be a bug (or a deleted file): fail loudly.
        assert(n > 0, 'a WAL segment holds every durable byte below the end being copied');
        await target.write(chunk.subarray(0, n), done);
        done += n;
      }
      await target.datasync();
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * Copies the segments `bases` (oldest first, contiguous) of the log in `dir`, each up to
 * `endLsn`, into `targetDir` (created; must hold no segment yet). The caller guarantees that
 * no segment in `bases` is deleted meanwhile and that every byte below `endLsn` is durable.
 */
export async function copySegments(fileSystem: FileSystem, dir: string, targetDir: string, bases: readonly Lsn[], endLsn: Lsn): Promise<WalCopy> {
  assert(bases.length > 0 && bases[0]! < endLsn, 'a WAL copy holds at least one segment');
  await fileSystem.makeDirectory(targetDir);
  let bytes = 0;
  let segments = 0;
  for (let i = 0; i < bases.length && bases[i]! < endLsn; i++) {
    const base = bases[i]!;
    const next = bases[i + 1];
    // A sealed segment below the end is copied whole: it is exactly next - base bytes long.
    const length = (next !== undefined && next <= endLsn ? next : endLsn) - base;
    const name = segmentFileName(base);
    await copyFilePrefix(fileSystem, path.join(dir, name), path.join(targetDir, name), length);
    bytes += length;
    segments += 1;
  }
  await fileSystem.syncDirectory(targetDir);
  return { firstLsn: bases[0]!, endLsn, segments, bytes };
}
