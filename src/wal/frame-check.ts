// Verifies one frame in place, and finds the next valid frame after damage. Shared by the
// reader (which throws on damage) and recovery (which classifies damage as a torn tail or
// corruption). Pure functions over bytes already in memory: no I/O here.
import {
  alignUp,
  frameAlignBytes,
  frameBytes,
  frameHeaderBytes,
  headerIsValid,
  payloadIsValid,
  readFrameHeader,
} from './format.js';
import { lsnAt, offsetPlus, segmentOffset, type Lsn, type SegmentOffset } from './lsn.js';

export type FrameCheck =
  | { ok: true; payload: Uint8Array; frameBytes: number }
  | {
      ok: false;
      reason: string;
      /** The damaged frame's end, when its header (and so its length) checked out. */
      trustedEnd: number | undefined;
    };

function allZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Checks the frame at the start of `window` (which holds every byte available from the
 * frame's first byte on), whose LSN is `lsn`. `trustedEnd` is relative to the window start.
 */
export function checkFrame(window: Uint8Array, lsn: Lsn): FrameCheck {
  if (window.length < frameHeaderBytes) {
    const reason = allZero(window) ? 'zero-filled tail' : 'partial frame header';
    return { ok: false, reason, trustedEnd: undefined };
  }
  if (allZero(window.subarray(0, frameHeaderBytes))) {
    return { ok: false, reason: 'zero-filled frame header', trustedEnd: undefined };
  }
  const header = readFrameHeader(window, 0);
  if (!headerIsValid(header, lsn)) {
    return { ok: false, reason: 'frame header checksum mismatch', trustedEnd: undefined };
  }
  const total = frameBytes(header.payloadBytes);
  if (window.length < total) {
    return { ok: false, reason: 'frame runs past the end of the file', trustedEnd: total };
  }
  const payloadEnd = frameHeaderBytes + header.payloadBytes;
  const payload = window.subarray(frameHeaderBytes, payloadEnd);
  if (!payloadIsValid(header, lsn, payload)) {
    return { ok: false, reason: 'payload checksum mismatch', trustedEnd: total };
  }
  if (!allZero(window.subarray(payloadEnd, total))) {
    return { ok: false, reason: 'non-zero frame padding', trustedEnd: total };
  }
  return { ok: true, payload, frameBytes: total };
}

/**
 * The offset of the first fully valid frame at or after `from` in `segment` (whose first
 * byte has LSN `baseLsn`), or undefined. Because every check mixes in the frame's own LSN,
 * a hit is a frame written at exactly that position, never a coincidence of payload bytes.
 * Runs only on damage, so its cost (one small hash per 8 bytes) is paid only then.
 */
export function findValidFrameFrom(segment: Uint8Array, baseLsn: Lsn, from: SegmentOffset): SegmentOffset | undefined {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  for (let offset = segmentOffset(alignUp(from)); offset + frameHeaderBytes <= segment.length; offset = offsetPlus(offset, frameAlignBytes)) {
    const payloadBytes = view.getUint32(offset, true);
    if (payloadBytes === 0 || offset + frameBytes(payloadBytes) > segment.length) continue;
    if (checkFrame(segment.subarray(offset), lsnAt(baseLsn, offset)).ok) return offset;
  }
  return undefined;
}
