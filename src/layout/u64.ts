// Unsigned 64-bit little-endian values for counters, checkpoints and LSNs stored in the KV
// store. Values are JavaScript safe integers; anything larger is a bug or damage.
import { assert } from '../errors.js';

export function writeU64(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, `u64 value ${value} is a non-negative safe integer`);
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

const twoTo32 = 2 ** 32;
/** Above this, the high word would take the value past Number.MAX_SAFE_INTEGER (2^53 - 1). */
const safeHighWordMax = 2 ** 21 - 1;

/**
 * Byte arithmetic, not getBigUint64 (nor a DataView): every LSN index entry a read returns
 * goes through here, and a BigInt or a DataView costs an allocation each time.
 */
export function readU64(bytes: Uint8Array, offset = 0): number {
  assert(offset >= 0 && offset + 8 <= bytes.length, 'a u64 value is 8 bytes inside its buffer');
  const low = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16)) + bytes[offset + 3]! * 2 ** 24;
  const high = (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16)) + bytes[offset + 7]! * 2 ** 24;
  assert(high <= safeHighWordMax, 'stored u64 fits a safe integer');
  return high * twoTo32 + low;
}
