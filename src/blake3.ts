// BLAKE3 for the whole engine, through hash-wasm (WASM, no native build step).
// The WASM instance is created once at module load (top-level await), so hashing is
// synchronous afterwards. JavaScript is single-threaded, so one shared hasher per digest
// size is safe as long as init/update/digest run without an await in between.
import { createBLAKE3, type IHasher } from 'hash-wasm';

const hasher256: IHasher = await createBLAKE3(256);
const hasher128: IHasher = await createBLAKE3(128);

/** BLAKE3-256 of the concatenation of `parts`: 32 bytes. */
export function blake3(...parts: Uint8Array[]): Uint8Array {
  hasher256.init();
  for (const part of parts) hasher256.update(part);
  return hasher256.digest('binary');
}

/**
 * BLAKE3 with a 128-bit output (the first 16 bytes of BLAKE3-256's output stream) of `first`
 * followed by `second`. Two fixed parameters, not a rest parameter: this runs twice for every
 * WAL frame written and read, and a rest array is an allocation each time.
 */
export function blake3x128(first: Uint8Array, second?: Uint8Array): Uint8Array {
  hasher128.init();
  hasher128.update(first);
  if (second !== undefined) hasher128.update(second);
  return hasher128.digest('binary');
}
