// A locator (key family R:{hash}) finds a vote or an epoch by its hash alone and remembers
// the LSN it was first ingested at: log order, which decides a voter's latest vote.
// Layout: [kind u8][7 zero bytes][lsn u64 LE][primary key bytes].
import { readU64, writeU64 } from './u64.js';

/** The kind byte of a locator (the same numbers as the record type codes). */
export const recordKindCode = { assertion: 0, vote: 1, epoch: 2, retraction: 3 } as const;
export type RecordKindCode = (typeof recordKindCode)[keyof typeof recordKindCode];

export interface Locator {
  kind: number;
  lsn: number;
  primaryKey: Uint8Array;
}

export function encodeLocator(kind: RecordKindCode, lsn: number, primaryKey: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16 + primaryKey.length);
  bytes[0] = kind;
  bytes.set(writeU64(lsn), 8);
  bytes.set(primaryKey, 16);
  return bytes;
}

export function decodeLocator(bytes: Uint8Array): Locator {
  return { kind: bytes[0]!, lsn: readU64(bytes, 8), primaryKey: bytes.subarray(16) };
}
