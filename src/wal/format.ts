// The WAL's on-disk format, shared by the writer, the reader and recovery (docs/wal-format.md).
// Invariants: every frame starts 8-byte aligned within its segment; a frame's LSN is the log's
// global byte offset of its first byte; both checksums mix in the LSN, so an all-zero region,
// or a valid frame copied to another position, never validates.
import { blake3x128 } from '../blake3.js';
import { isLsn, segmentOffset, type Lsn, type SegmentOffset } from './lsn.js';

export const segmentMagic = 'STEMEWAL';
export const segmentFormatVersion = 1;
/** magic[8] version u32 flags u32 baseLsn u64 check[8]. */
export const segmentHeaderBytes = 32;
/** Where a segment's first frame starts: right after its header. */
export const firstFrameOffset: SegmentOffset = segmentOffset(segmentHeaderBytes);
/** length u32, headerCheck u32, payloadCheck[16]. */
export const frameHeaderBytes = 24;
export const frameAlignBytes = 8;
export const payloadCheckBytes = 16;
const segmentNameDigits = 20;
const segmentNamePattern = /^(\d{20})\.wal$/;

const tagSegmentHeader = 0x00;
const tagFrameHeader = 0x01;
const tagFramePayload = 0x02;

/** The bytes a frame with an `payloadBytes`-long payload takes on disk, padding included. */
export function frameBytes(payloadBytes: number): number {
  return alignUp(frameHeaderBytes + payloadBytes);
}

export function alignUp(bytes: number): number {
  return Math.ceil(bytes / frameAlignBytes) * frameAlignBytes;
}

export function segmentFileName(baseLsn: Lsn): string {
  return `${String(baseLsn).padStart(segmentNameDigits, '0')}.wal`;
}

/** The base LSN a segment file name encodes, or undefined if the name is not a segment's. */
export function parseSegmentFileName(name: string): Lsn | undefined {
  const match = segmentNamePattern.exec(name);
  if (!match) return undefined;
  const lsn = Number(match[1]);
  return isLsn(lsn) ? lsn : undefined;
}

function u64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

/** 2^32: LSNs (< 2^53) are written as two u32 halves, without a BigInt per frame. */
const u32Span = 0x1_0000_0000;

/** Scratch for the 13-byte check input (tag, lsn, length): hashing copies it, so one suffices. */
const checkInput = new Uint8Array(13);

/** Writes `value` (< 2^32) little-endian at `offset`: byte stores, cheaper per frame than a DataView. */
function putU32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
  target[offset + 2] = (value >>> 16) & 0xff;
  target[offset + 3] = (value >>> 24) & 0xff;
}

function headerCheckInput(tag: number, lsn: Lsn, payloadBytes: number): Uint8Array {
  checkInput[0] = tag;
  putU32(checkInput, 1, lsn % u32Span);
  putU32(checkInput, 5, Math.floor(lsn / u32Span));
  putU32(checkInput, 9, payloadBytes);
  return checkInput;
}

/** The 4-byte check over (lsn, length): lets recovery trust or distrust a length on its own. */
export function frameHeaderCheck(lsn: Lsn, payloadBytes: number): number {
  const digest = blake3x128(headerCheckInput(tagFrameHeader, lsn, payloadBytes));
  return (digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24)) >>> 0;
}

/** The 16-byte check over (lsn, length, payload). */
export function framePayloadCheck(lsn: Lsn, payload: Uint8Array): Uint8Array {
  return blake3x128(headerCheckInput(tagFramePayload, lsn, payload.length), payload);
}

/** Writes the frame for `payload` at `lsn` into `target` at `offset`; returns the bytes written. */
export function writeFrame(target: Buffer, offset: number, lsn: Lsn, payload: Uint8Array): number {
  target.writeUInt32LE(payload.length, offset);
  target.writeUInt32LE(frameHeaderCheck(lsn, payload.length), offset + 4);
  target.set(framePayloadCheck(lsn, payload), offset + 8);
  target.set(payload, offset + frameHeaderBytes);
  const total = frameBytes(payload.length);
  target.fill(0, offset + frameHeaderBytes + payload.length, offset + total);
  return total;
}

/** The payload length a frame's header states (its first field), not yet checked. */
export function framePayloadBytes(source: Uint8Array, offset: number): number {
  return (source[offset]! | (source[offset + 1]! << 8) | (source[offset + 2]! << 16) | (source[offset + 3]! << 24)) >>> 0;
}

export interface FrameHeader {
  payloadBytes: number;
  headerCheck: number;
  payloadCheck: Uint8Array;
}

export function readFrameHeader(source: Uint8Array, offset: number): FrameHeader {
  const view = new DataView(source.buffer, source.byteOffset + offset, frameHeaderBytes);
  return {
    payloadBytes: view.getUint32(0, true),
    headerCheck: view.getUint32(4, true),
    payloadCheck: source.subarray(offset + 8, offset + frameHeaderBytes),
  };
}

export function headerIsValid(header: FrameHeader, lsn: Lsn): boolean {
  return header.payloadBytes > 0 && header.headerCheck === frameHeaderCheck(lsn, header.payloadBytes);
}

export function payloadIsValid(header: FrameHeader, lsn: Lsn, payload: Uint8Array): boolean {
  const expected = framePayloadCheck(lsn, payload);
  for (let i = 0; i < payloadCheckBytes; i++) {
    if (expected[i] !== header.payloadCheck[i]) return false;
  }
  return true;
}

function segmentHeaderCheck(body: Uint8Array): Uint8Array {
  return blake3x128(Uint8Array.of(tagSegmentHeader), body).subarray(0, 8);
}

export function encodeSegmentHeader(baseLsn: Lsn): Uint8Array {
  const header = new Uint8Array(segmentHeaderBytes);
  const view = new DataView(header.buffer);
  header.set(new TextEncoder().encode(segmentMagic), 0);
  view.setUint32(8, segmentFormatVersion, true);
  view.setUint32(12, 0, true);
  header.set(u64(baseLsn), 16);
  header.set(segmentHeaderCheck(header.subarray(0, 24)), 24);
  return header;
}

/** Why a segment header is not valid for `baseLsn`, or undefined when it is. */
export function segmentHeaderProblem(header: Uint8Array, baseLsn: Lsn): string | undefined {
  if (header.length < segmentHeaderBytes) return 'segment header is incomplete';
  const expected = encodeSegmentHeader(baseLsn);
  const magic = new TextDecoder().decode(header.subarray(0, 8));
  if (magic !== segmentMagic) return 'not a StemeDB WAL segment (bad magic)';
  const version = new DataView(header.buffer, header.byteOffset).getUint32(8, true);
  if (version !== segmentFormatVersion) return `unsupported segment format version ${version}`;
  for (let i = 0; i < segmentHeaderBytes; i++) {
    if (header[i] !== expected[i]) return 'segment header checksum or base LSN mismatch';
  }
  return undefined;
}
