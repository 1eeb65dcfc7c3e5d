// Content addressing: a record's hash is BLAKE3-256 of its full encoded bytes (header
// included), written as 64 lowercase hex characters. Lowercase only, so one hash has one
// spelling and string comparison of hashes is byte comparison.
import { blake3 } from '../blake3.js';
import { InvalidRecordError } from '../errors.js';
import { isLowerHex } from '../hex.js';
import { hashBytes } from './layout.js';
import type { Hash } from './types.js';

const hashHexLength = 2 * hashBytes;

/** 64 characters, each 0-9 or a-f (src/hex.ts: a table lookup, as this guards every get by hash). */
export function isHash(value: unknown): value is Hash {
  return typeof value === 'string' && isLowerHex(value, hashHexLength);
}

/** Checks a hash given as text; `path` names the field in the error. */
export function parseHash(value: unknown, path = 'hash'): Hash {
  if (!isHash(value)) throw new InvalidRecordError(path, 'must be 64 lowercase hex characters (a BLAKE3-256 hash)');
  return value;
}

/** The 32 bytes a hash spells (a fresh copy). */
export function hashToBytes(hash: Hash): Uint8Array {
  // Buffer.from(…, 'hex') stops silently at the first bad character; a Hash that was cast
  // rather than parsed must not turn into a short key.
  return Buffer.from(parseHash(hash), 'hex');
}

/** The hash whose bytes are `bytes` (exactly 32 of them, e.g. a key suffix or a view's subarray). */
export function hashFromBytes(bytes: Uint8Array): Hash {
  if (bytes.length !== hashBytes) throw new InvalidRecordError('hash', `must be ${hashBytes} bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') as Hash;
}

/** BLAKE3-256 of a record's encoded bytes: the record's identity. */
export function hashRecordBytes(bytes: Uint8Array): Hash {
  return hashFromBytes(blake3(bytes));
}

/** The same hash as its 32 bytes (a fresh array), for keys: no hex spelling in between. */
export function recordDigest(bytes: Uint8Array): Uint8Array {
  return blake3(bytes);
}
