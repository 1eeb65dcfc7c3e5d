// Open-time recovery: find the segments, check the sealed ones' structure (size and header,
// O(segments) and independent of the WAL's size), scan the newest segment frame by frame,
// and repair or refuse according to the recovery mode. Modes 'absolute' and
// 'point-in-time' scan every segment fully: they are for when damage is suspected.
import path from 'node:path';
import { WalCorruptError } from '../errors.js';
import type { FileSystem } from '../fs/file-system.js';
import { encodeSegmentHeader, firstFrameOffset, parseSegmentFileName, segmentFileName, segmentHeaderBytes, segmentHeaderProblem } from './format.js';
import { logStartLsn, lsnAt, segmentOffset, type Lsn, type SegmentOffset } from './lsn.js';
import { isTornTail, scanSegment, type SegmentDamage } from './segment-scan.js';

export type RecoveryMode = 'tolerate-tail' | 'absolute' | 'point-in-time';

export interface RecoveryReport {
  mode: RecoveryMode;
  segmentsScanned: number;
  /** Valid records counted in the scanned segments. */
  recordsScanned: number;
  /**
   * Bytes cut from the end of the log (torn tail or, in point-in-time, everything after
   * damage). Zeros after the damaged segment's last non-zero byte are preallocated space, not
   * lost data, and are not counted.
   */
  bytesDropped: number;
  /** Segment files deleted because they followed the damage (point-in-time only). */
  segmentsDropped: string[];
  /** The damage that was repaired, if any. */
  damage: { file: string; offset: number; reason: string } | undefined;
}

export interface RecoveredLog {
  /** Base LSNs of every segment, oldest first; the last one is the active segment. */
  segmentBases: Lsn[];
  /** LSN just past the last valid frame: where the next append lands. */
  endLsn: Lsn;
  report: RecoveryReport;
}

async function listSegmentBases(fs: FileSystem, dir: string): Promise<Lsn[]> {
  const bases: Lsn[] = [];
  for (const name of await fs.list(dir)) {
    const base = parseSegmentFileName(name);
    if (base !== undefined) bases.push(base);
  }
  return bases.sort((a, b) => a - b);
}

async function readWhole(fs: FileSystem, file: string): Promise<Uint8Array> {
  const handle = await fs.openReadOnly(file);
  try {
    const size = await handle.size();
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const n = await handle.read(bytes.subarray(filled), size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

async function fileSize(fs: FileSystem, file: string): Promise<number> {
  const handle = await fs.openReadOnly(file);
  try {
    return await handle.size();
  } finally {
    await handle.close();
  }
}

/** Creates a segment whose first byte has LSN `baseLsn`: header written and fsynced, directory fsynced. */
export async function createSegment(fs: FileSystem, dir: string, baseLsn: Lsn, sync: boolean): Promise<void> {
  const handle = await fs.createExclusive(path.join(dir, segmentFileName(baseLsn)));
  try {
    await handle.write(encodeSegmentHeader(baseLsn), 0);
    if (sync) await handle.datasync();
  } finally {
    await handle.close();
  }
  if (sync) await fs.syncDirectory(dir);
}

/** Cuts a segment to `bytes` (rewriting its header when that is what was torn) and fsyncs. */
async function cutSegment(fs: FileSystem, file: string, baseLsn: Lsn, end: SegmentOffset): Promise<void> {
  const handle = await fs.openReadWrite(file);
  try {
    if (end < firstFrameOffset) {
      await handle.truncate(0);
      await handle.write(encodeSegmentHeader(baseLsn), 0);
    } else {
      await handle.truncate(end);
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

interface Found {
  index: number;
  damage: SegmentDamage;
  validEnd: SegmentOffset;
  torn: boolean;
}

export async function recover(fs: FileSystem, dir: string, mode: RecoveryMode, sync: boolean): Promise<RecoveredLog> {
  const report: RecoveryReport = { mode, segmentsScanned: 0, recordsScanned: 0, bytesDropped: 0, segmentsDropped: [], damage: undefined };
  let bases = await listSegmentBases(fs, dir);
  if (bases.length === 0) {
    await createSegment(fs, dir, logStartLsn, sync);
    // A new log's directory was most likely just created (Wal.open makes it), and a directory's
    // own entry is durable only once its parent is fsynced: fsyncing the files and the directory
    // itself does not cover it. Without this, a power cut can take the whole log, acknowledged
    // records included, however long it has been written to. Done once, when the log is new.
    if (sync) await fs.syncDirectory(path.dirname(dir));
    return { segmentBases: [logStartLsn], endLsn: lsnAt(logStartLsn, firstFrameOffset), report };
  }
  const fileOf = (i: number): string => path.join(dir, segmentFileName(bases[i]!));
  const last = bases.length - 1;
  const scanAll = mode !== 'tolerate-tail';

  let found: Found | undefined;
  let endLsn = logStartLsn;
  for (let i = 0; i <= last && found === undefined; i++) {
    const base = bases[i]!;
    const sealed = i < last;
    if (sealed && !scanAll) {
      // Structure only: a sealed segment spans exactly up to the next one's base.
      const expected = bases[i + 1]! - base;
      const size = await fileSize(fs, fileOf(i));
      if (size !== expected) {
        throw new WalCorruptError(fileOf(i), Math.min(size, expected), `sealed segment is ${size} bytes; the next segment starts ${expected} bytes after its base`);
      }
      const header = await readHeader(fs, fileOf(i));
      const problem = segmentHeaderProblem(header, base);
      if (problem !== undefined) throw new WalCorruptError(fileOf(i), 0, problem);
      continue;
    }
    const bytes = await readWhole(fs, fileOf(i));
    const scan = scanSegment(bytes, base);
    report.segmentsScanned += 1;
    report.recordsScanned += scan.records;
    endLsn = lsnAt(base, scan.validEnd);
    if (scan.damage !== undefined) {
      found = { index: i, damage: scan.damage, validEnd: scan.validEnd, torn: !sealed && isTornTail(scan.damage) };
    } else if (sealed && lsnAt(base, scan.validEnd) !== bases[i + 1]) {
      found = {
        index: i,
        damage: { offset: scan.validEnd, reason: 'sealed segment ends before the next segment starts', validFrameAfter: undefined, dataEnd: segmentOffset(bytes.length) },
        validEnd: scan.validEnd,
        torn: false,
      };
    }
  }

  if (found !== undefined) {
    const file = fileOf(found.index);
    const repair = mode === 'point-in-time' || (mode === 'tolerate-tail' && found.torn);
    if (!repair) {
      const reason = found.torn
        ? `${found.damage.reason} (a torn tail; recovery mode 'absolute' refuses any damage)`
        : found.damage.validFrameAfter === undefined
          ? found.damage.reason
          : `${found.damage.reason}; a valid frame follows at byte ${found.damage.validFrameAfter}, so this is not a torn tail`;
      throw new WalCorruptError(file, found.damage.offset, reason);
    }
    // Delete what follows the damage newest first, so a crash here still leaves a prefix.
    for (let j = last; j > found.index; j--) {
      report.bytesDropped += await fileSize(fs, fileOf(j));
      await fs.remove(fileOf(j));
      report.segmentsDropped.push(segmentFileName(bases[j]!));
    }
    report.bytesDropped += Math.max(found.damage.dataEnd - found.validEnd, 0);
    await cutSegment(fs, file, bases[found.index]!, found.validEnd);
    if (sync) await fs.syncDirectory(dir);
    report.damage = { file, offset: found.damage.offset, reason: found.damage.reason };
    bases = bases.slice(0, found.index + 1);
    endLsn = lsnAt(bases[found.index]!, found.validEnd < firstFrameOffset ? firstFrameOffset : found.validEnd);
  }
  return { segmentBases: bases, endLsn, report };
}

async function readHeader(fs: FileSystem, file: string): Promise<Uint8Array> {
  const handle = await fs.openReadOnly(file);
  try {
    const header = new Uint8Array(segmentHeaderBytes);
    const n = await handle.read(header, segmentHeaderBytes, 0);
    return header.subarray(0, n);
  } finally {
    await handle.close();
  }
}
