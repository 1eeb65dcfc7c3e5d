// The two kinds of byte position the WAL computes with, as branded numbers so that one cannot
// be passed where the other is meant: an LSN is a byte's position in the whole logical log,
// a segment offset its position inside one segment file (lsn = segment base + offset;
// docs/wal-format.md). Both are plain numbers at run time. Conversions between them, and
// branding a number that comes from outside the WAL, happen only through the helpers here.
import { InvalidArgumentError } from '../errors.js';

/** A byte's global position in the log: a segment's base LSN plus the byte's offset in it. */
export type Lsn = number & { readonly __brand: 'Lsn' };

/** A byte's position inside one segment file, counted from the file's first byte (its header's). */
export type SegmentOffset = number & { readonly __brand: 'SegmentOffset' };

/** The LSN of the log's first byte: the base of the first segment ever created. */
export const logStartLsn = 0 as Lsn;

/** Whether `value` can be an LSN: a safe integer >= 0 (LSNs stay below 2^53). */
export function isLsn(value: number): value is Lsn {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Brands a number that comes from a caller (the public API takes plain numbers), or refuses it. */
export function toLsn(value: number, what: string): Lsn {
  if (!isLsn(value)) throw new InvalidArgumentError(`${what} must be an LSN (an integer from 0 to 2^53-1), got ${value}`);
  return value;
}

/** The LSN `bytes` past `lsn`. */
export function lsnPlus(lsn: Lsn, bytes: number): Lsn {
  return (lsn + bytes) as Lsn;
}

/** The LSN of the byte at `offset` in the segment whose base LSN is `base`. */
export function lsnAt(base: Lsn, offset: SegmentOffset): Lsn {
  return (base + offset) as Lsn;
}

/** Where `lsn` falls in the segment whose base LSN is `base` (the segment must hold it). */
export function offsetOf(base: Lsn, lsn: Lsn): SegmentOffset {
  return (lsn - base) as SegmentOffset;
}

/** A count of bytes from a segment file's start (its size, a header's length) as an offset in it. */
export function segmentOffset(bytes: number): SegmentOffset {
  return bytes as SegmentOffset;
}

/** The offset `bytes` past `offset`, in the same segment. */
export function offsetPlus(offset: SegmentOffset, bytes: number): SegmentOffset {
  return (offset + bytes) as SegmentOffset;
}
