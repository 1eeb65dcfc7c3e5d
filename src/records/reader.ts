// Bounds-checked reads over one encoded record, shared by the views. The constructor checks
// the 8-byte header and that the fixed part is present; every later read stays inside it or
// inside spans the caller proved with `spans`. Malformed bytes raise InvalidRecordError only.
import { isUtf8 } from 'node:buffer';
import { InvalidRecordError } from '../errors.js';
import { headerBytes } from './layout.js';
import { recordTypeNames, withArticle, type RecordType } from './types.js';

const u32Range = 2 ** 32;
/** The high u32 of 2^53-1: a u64 whose high half is larger is not a safe integer. */
const safeHighMax = 0x1f_ffff;

/** The record type an encoded record declares, after checking its 8-byte header. */
export function recordTypeOf(bytes: Uint8Array): RecordType {
  if (bytes.length < headerBytes) throw new InvalidRecordError('', `truncated: ${bytes.length} bytes is shorter than the ${headerBytes}-byte header`);
  const type = recordTypeNames[bytes[0]!];
  if (type === undefined) throw new InvalidRecordError('type', `unknown record type ${bytes[0]}`);
  for (let i = 1; i < headerBytes; i++) if (bytes[i] !== 0) throw new InvalidRecordError('', `non-zero header padding at byte ${i}`);
  return type;
}

export class Reader {
  readonly bytes: Uint8Array;
  // A Buffer over the same memory (the very object when the KV store returned a Buffer, as
  // lmdb-js does): its number reads need no DataView, and its UTF-8 decoding is several times
  // faster than TextDecoder's for short fields; isUtf8 supplies the strictness `fatal` gave.
  private readonly buf: Buffer;

  /** Checks the header declares `type` and that the `fixedBytes`-byte fixed part is there. */
  constructor(bytes: Uint8Array, type: RecordType, fixedBytes: number) {
    const declared = recordTypeOf(bytes);
    if (declared !== type) throw new InvalidRecordError('type', `is ${declared}, not ${type}`);
    if (bytes.length < fixedBytes) throw new InvalidRecordError('', `truncated: ${bytes.length} bytes, the fixed part of ${withArticle(type)} is ${fixedBytes}`);
    this.bytes = bytes;
    // Bytes from a KV store may be a slice of a larger buffer: honour byteOffset.
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(offset: number): number {
    return this.buf.readUInt32LE(offset);
  }

  /** A u64 LE that must be a safe integer, read as two u32 halves (no BigInt allocation). */
  u64(offset: number, path: string): number {
    const high = this.buf.readUInt32LE(offset + 4);
    if (high > safeHighMax) throw new InvalidRecordError(path, 'is larger than 2^53-1');
    return high * u32Range + this.buf.readUInt32LE(offset);
  }

  f64(offset: number): number {
    return this.buf.readDoubleLE(offset);
  }

  /** Requires bytes [from, to) to be zero: padding, reserved words, slots of absent fields. */
  zero(from: number, to: number, what: string): void {
    for (let i = from; i < to; i++) if (this.bytes[i] !== 0) throw new InvalidRecordError('', `non-zero ${what} at byte ${i}`);
  }

  /** The u32 flag word at `offset`; a bit outside `known` is refused (no silent extensions). */
  flags(offset: number, known: number): number {
    const flags = this.u32(offset);
    if ((flags & ~known) !== 0) throw new InvalidRecordError('', `unknown flags 0x${flags.toString(16)}`);
    return flags;
  }

  /** Requires the fixed part plus the variable `lengths` to be exactly the record's length. */
  spans(fixedBytes: number, lengths: readonly number[]): void {
    const total = lengths.reduce<number>((sum, n) => sum + n, fixedBytes);
    if (total > this.bytes.length) throw new InvalidRecordError('', `truncated: the fields need ${total} bytes, the record has ${this.bytes.length}`);
    if (total < this.bytes.length) throw new InvalidRecordError('', `${this.bytes.length - total} trailing bytes`);
  }

  /** UTF-8 text of bytes [from, from+length); invalid UTF-8 (overlong, surrogates, cut) is refused, a BOM is kept. */
  text(from: number, length: number, path: string): string {
    const end = from + length;
    // ASCII (most subjects, predicates and sources) is valid UTF-8 and decodes byte for byte:
    // checking it here costs less than isUtf8 on a fresh subarray.
    const bytes = this.bytes;
    let ascii = true;
    for (let i = from; i < end; i++) {
      if (bytes[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return this.buf.toString('latin1', from, end);
    if (!isUtf8(this.buf.subarray(from, end))) throw new InvalidRecordError(path, 'is not valid UTF-8');
    return this.buf.toString('utf8', from, end);
  }
}
