// Unsigned 64-bit little-endian values for counters, checkpoints and LSNs stored in the KV
// store. Values are JavaScript safe integers; anything larger is a bug or damage.
import { assert } from '../errors.js';

export function writeU64(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, 'a u64 value is a non-negative safe integer');
  const bytes = new Uint8Array(8);
  // Byte by byte (no DataView, no BigInt): ingest writes one of these a record.
  let low = value >>> 0;
  let high = Math.floor(value / 0x1_0000_0000);
  for (let i = 0; i < 4; i++) {
    bytes[i] = low & 0xff;
    low >>>= 8;
    bytes[i + 4] = high & 0xff;
    high >>>= 8;
  }
  return bytes;
}

export function readU64(bytes: Uint8Array, offset = 0): number {
  // Byte by byte (no DataView per call): index scans read one an entry.
  const at = offset;
  assert(at + 8 <= bytes.length, 'a stored u64 has 8 bytes');
  const low = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  const high = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0;
  assert(high <= 0x1f_ffff, 'stored u64 fits a safe integer');
  return high * 0x1_0000_0000 + low;
}
