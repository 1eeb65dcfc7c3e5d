// Scans one whole segment, held in memory, from its header to its end: counts valid
// frames, and at the first damage says where it is, why, and whether any valid frame
// follows it. No valid frame after the damage makes it a torn tail (an interrupted write);
// a valid frame after it makes it corruption, because a crash only ever tears the end.
// Zero bytes from the last valid frame to the end are not damage: they are space the writer
// preallocated (the active segment keeps some between a crash and the next clean close).
import { firstFrameOffset, segmentHeaderBytes, segmentHeaderProblem } from './format.js';
import { checkFrame, findValidFrameFrom } from './frame-check.js';
import { lsnAt, offsetPlus, segmentOffset, type Lsn, type SegmentOffset } from './lsn.js';

export interface SegmentDamage {
  /** Offset within the segment file of the first damaged byte range. */
  offset: SegmentOffset;
  reason: string;
  /** Offset of a valid frame after the damage, when there is one (then it is corruption). */
  validFrameAfter: SegmentOffset | undefined;
  /** Offset just past the segment's last non-zero byte: where the damaged bytes end. */
  dataEnd: SegmentOffset;
}

export interface SegmentScan {
  /** Offset just past the last valid frame (the segment's valid length). */
  validEnd: SegmentOffset;
  records: number;
  damage: SegmentDamage | undefined;
}

/** Offset just past the last non-zero byte of `bytes` (0 if all are zero). */
function nonZeroEnd(bytes: Uint8Array): SegmentOffset {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return segmentOffset(end);
}

/** Scans `segment`, the whole file of the segment whose base LSN is `baseLsn`. */
export function scanSegment(segment: Uint8Array, baseLsn: Lsn): SegmentScan {
  const dataEnd = nonZeroEnd(segment);
  const headerProblem = segmentHeaderProblem(segment.subarray(0, segmentHeaderBytes), baseLsn);
  if (headerProblem !== undefined) {
    const start = segmentOffset(0);
    return {
      validEnd: start,
      records: 0,
      damage: { offset: start, reason: headerProblem, validFrameAfter: findValidFrameFrom(segment, baseLsn, firstFrameOffset), dataEnd },
    };
  }
  let offset = firstFrameOffset;
  let records = 0;
  // Past dataEnd only zeros remain: preallocated space, the end of the log.
  while (offset < dataEnd) {
    const check = checkFrame(segment.subarray(offset), lsnAt(baseLsn, offset));
    if (!check.ok) {
      // A length that checked out lets the search start past the damaged frame, so a
      // payload that happens to contain frame-like bytes cannot be taken for a frame.
      const searchFrom = offsetPlus(offset, check.trustedEnd ?? 8);
      const validFrameAfter = findValidFrameFrom(segment, baseLsn, searchFrom);
      return { validEnd: offset, records, damage: { offset, reason: check.reason, validFrameAfter, dataEnd } };
    }
    offset = offsetPlus(offset, check.frameBytes);
    records += 1;
  }
  return { validEnd: offset, records, damage: undefined };
}

/** Damage that is a torn tail: nothing valid follows it, so only unacknowledged bytes are lost. */
export function isTornTail(damage: SegmentDamage): boolean {
  return damage.validFrameAfter === undefined;
}
