// The KV key families (docs/key-layout.md) as byte-building functions. Hashes are raw 32-byte
// BLAKE3 digests; integers are big-endian so that byte order is numeric order. Subjects are
// escaped (0x00 -> 0x00 0xFF) and terminated (0x00 0x01), so a subject's prefix never matches
// another subject's keys: 'cat' never sees 'catalog', 'cat:x' or 'cat\0'.
import { assert } from '../errors.js';
import { decodeLowerHexInto } from '../hex.js';
import { concatBytes } from '../storage/index.js';

export const hashBytesLength = 32;
const encoder = new TextEncoder();
const family = (tag: string): Uint8Array => encoder.encode(`${tag}:`);
const H = family('H');
const V = family('V');
const E = family('E');
const S = family('S');
const R = family('R');
const X = family('X');
const M = family('M');
const C = family('C');
const colon = encoder.encode(':');
const subjectTerminator = Uint8Array.of(0x00, 0x01);

function checkHash(hash: Uint8Array): Uint8Array {
  assert(hash.length === hashBytesLength, 'a hash key part is 32 bytes');
  return hash;
}

function u64be(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, 'a key integer is a non-negative safe integer');
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), false);
  return bytes;
}

/**
 * `family` + 32 hash bytes decoded from 64 hex characters, into one buffer per family that
 * the next call overwrites: for a key passed straight to get or has (the store copies it),
 * so the get-by-hash path allocates no key at all.
 */
function readKeyWithHexHash(scratch: Uint8Array, family: Uint8Array, hex: string): Uint8Array {
  assert(decodeLowerHexInto(hex, hashBytesLength, scratch, family.length), 'a hex hash key part is 64 lowercase hex characters');
  return scratch;
}

function scratchKey(family: Uint8Array): Uint8Array {
  const key = new Uint8Array(family.length + hashBytesLength);
  key.set(family, 0);
  return key;
}

/** H:{hash} -> assertion bytes. */
export const assertionKey = (hash: Uint8Array): Uint8Array => concatBytes(H, checkHash(hash));
const assertionScratch = scratchKey(H);
/** assertionKey from a hash's 64 hex characters, in a shared buffer: pass it straight to get/has. */
export const assertionKeyHex = (hex: string): Uint8Array => readKeyWithHexHash(assertionScratch, H, hex);
/**
 * assertionKeyHex for text not yet checked: undefined unless `text` is 64 lowercase hex
 * characters. Checking and decoding are one pass, where parsing the hash first would be two.
 */
export const assertionKeyFromText = (text: string): Uint8Array | undefined =>
  decodeLowerHexInto(text, hashBytesLength, assertionScratch, H.length) ? assertionScratch : undefined;
export const assertionPrefix = (): Uint8Array => H;

/** V:{assertion hash}:{vote hash} -> vote bytes. */
export const voteKey = (assertion: Uint8Array, vote: Uint8Array): Uint8Array => concatBytes(V, checkHash(assertion), colon, checkHash(vote));
export const votePrefix = (assertion: Uint8Array): Uint8Array => concatBytes(V, checkHash(assertion), colon);
export const votePrefixAll = (): Uint8Array => V;

/** E:{epoch id, u64 big-endian} -> epoch bytes. */
export const epochKey = (id: number): Uint8Array => concatBytes(E, u64be(id));
export const epochPrefix = (): Uint8Array => E;
export function epochIdFromKey(key: Uint8Array): number {
  return Number(new DataView(key.buffer, key.byteOffset + E.length, 8).getBigUint64(0, false));
}

function escapeSubject(subject: string): Uint8Array {
  const raw = encoder.encode(subject);
  let zeros = 0;
  for (const byte of raw) if (byte === 0) zeros++;
  if (zeros === 0) return raw;
  const out = new Uint8Array(raw.length + zeros);
  let j = 0;
  for (const byte of raw) {
    out[j++] = byte;
    if (byte === 0) out[j++] = 0xff;
  }
  return out;
}

/** S:{escaped subject}{0x00 0x01} — every key for one subject starts with this. */
export const subjectPrefix = (subject: string): Uint8Array => concatBytes(S, escapeSubject(subject), subjectTerminator);
/** S:{escaped subject}{0x00 0x01}{hash} -> empty: the subject index. */
export const subjectKey = (subject: string, hash: Uint8Array): Uint8Array => concatBytes(subjectPrefix(subject), checkHash(hash));

/**
 * subjectKey from the subject's UTF-8 bytes (e.g. read in place from a stored record), built
 * in one allocation: no decode to a string and encode back. The bytes must be valid UTF-8.
 */
export function subjectKeyFromUtf8(subject: Uint8Array, hash: Uint8Array): Uint8Array {
  checkHash(hash);
  let zeros = 0;
  for (let i = 0; i < subject.length; i++) if (subject[i] === 0) zeros++;
  const key = new Uint8Array(S.length + subject.length + zeros + subjectTerminator.length + hashBytesLength);
  key.set(S, 0);
  let j = S.length;
  if (zeros === 0) {
    key.set(subject, j);
    j += subject.length;
  } else {
    for (let i = 0; i < subject.length; i++) {
      key[j++] = subject[i]!;
      if (subject[i] === 0) key[j++] = 0xff;
    }
  }
  key.set(subjectTerminator, j);
  key.set(hash, j + subjectTerminator.length);
  return key;
}
export const hashFromSubjectKey = (key: Uint8Array): Uint8Array => key.subarray(key.length - hashBytesLength);

/** R:{hash} -> locator of a vote or epoch (kind, first LSN, primary key). */
export const locatorKey = (hash: Uint8Array): Uint8Array => concatBytes(R, checkHash(hash));
/** locatorKey from a hash's 64 hex characters. */
const locatorScratch = scratchKey(R);
export const locatorKeyHex = (hex: string): Uint8Array => readKeyWithHexHash(locatorScratch, R, hex);
/** X:{lsn, u64 big-endian} -> dead letter (a logged payload that could not be stored). */
export const deadLetterKey = (lsn: number): Uint8Array => concatBytes(X, u64be(lsn));
export const deadLetterPrefix = (): Uint8Array => X;
/** M:{name} -> metadata, e.g. M:checkpoint. */
export const metaKey = (name: string): Uint8Array => concatBytes(M, encoder.encode(name));
/** C:{name} -> a u64 counter. */
export const counterKey = (name: string): Uint8Array => concatBytes(C, encoder.encode(name));
