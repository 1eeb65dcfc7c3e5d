// Content addressing: a record's hash is BLAKE3-256 of its full encoded bytes (header
// included), written as 64 lowercase hex characters.
import { blake3 } from '../blake3.js';
import { InvalidRecordError } from '../errors.js';
import type { Hash } from './types.js';

const hashPattern = /^[0-9a-f]{64}$/;

export function isHash(value: unknown): value is Hash {
  return typeof value === 'string' && hashPattern.test(value);
}

/** Checks a caller's hash string; `path` names the field in the error. */
export function parseHash(value: unknown, path = 'hash'): Hash {
  if (!isHash(value)) throw new InvalidRecordError(path, 'must be 64 lowercase hex characters (a BLAKE3-256 hash)');
  return value;
}

export function hashToBytes(hash: Hash): Uint8Array {
  return Buffer.from(hash, 'hex');
}

export function hashFromBytes(bytes: Uint8Array): Hash {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') as Hash;
}

export function hashRecordBytes(bytes: Uint8Array): Hash {
  return hashFromBytes(blake3(bytes));
}
