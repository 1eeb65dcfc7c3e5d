// Unsigned 64-bit little-endian values for counters, checkpoints and LSNs stored in the KV
// store. Values are JavaScript safe integers; anything larger is a bug or damage.
import { assert } from '../errors.js';

export function writeU64(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, `u64 value ${value} is a non-negative safe integer`);
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

export function readU64(bytes: Uint8Array, offset = 0): number {
  const value = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
  assert(value <= BigInt(Number.MAX_SAFE_INTEGER), 'stored u64 fits a safe integer');
  return Number(value);
}
