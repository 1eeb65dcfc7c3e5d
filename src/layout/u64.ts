// Unsigned 64-bit little-endian values for counters, checkpoints and LSNs stored in the KV
// store. Values are JavaScript safe integers; anything larger is a bug or damage.
import { assert } from '../errors.js';

export function writeU64(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, `u64 value ${value} is a non-negative safe integer`);
  const bytes = new Uint8Array(8);
  // Two 32-bit halves, not setBigUint64: no BigInt per value on the ingest path.
  const view = new DataView(bytes.buffer);
  view.setUint32(0, value % 0x1_0000_0000, true);
  view.setUint32(4, Math.floor(value / 0x1_0000_0000), true);
  return bytes;
}

export function readU64(bytes: Uint8Array, offset = 0): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(offset + 4, true);
  assert(high <= 0x1f_ffff, 'stored u64 fits a safe integer');
  return high * 0x1_0000_0000 + view.getUint32(offset, true);
}
