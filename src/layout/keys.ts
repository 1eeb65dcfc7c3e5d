// The KV key families (docs/key-layout.md) as byte-building functions. Hashes are raw 32-byte
// BLAKE3 digests; integers are big-endian so that byte order is numeric order. Text parts
// (subjects, predicates, sources) are escaped (0x00 -> 0x00 0xFF) and terminated (0x00 0x01),
// so one text's prefix never matches another's keys: 'cat' never sees 'catalog', 'cat:x' or
// 'cat\0'. Every key holds at most one text part; key-bounds.ts derives each family's longest
// key from these parts and the record limits.
import { assert } from '../errors.js';
import { blake3, blake3x128 } from '../blake3.js';
import { decodeLowerHexInto } from '../hex.js';
import type { Hash } from '../records/index.js';
import { concatBytes, sameBytes } from '../storage/index.js';
import { readU64 } from './u64.js';

export const hashBytesLength = 32;
/** Bytes of a family tag ('S:'), of an integer in a key (u64 BE), of a T: key's kind. */
export const familyTagBytes = 2;
export const keyIntegerBytes = 8;
export const statusKindBytes = 1;
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
const O = family('O');
const A = family('A');
const L = family('L');
const T = family('T');
const B = family('B');
const K = family('K');
const F = family('F');
const colon = encoder.encode(':');
/** Bytes of the ':' between a V: key's two hashes. */
export const voteKeySeparatorBytes = colon.length;
const textTerminator = Uint8Array.of(0x00, 0x01);

function checkHash(hash: Uint8Array): Uint8Array {
  assert(hash.length === hashBytesLength, 'a hash key part is 32 bytes');
  return hash;
}

/** The u64 big-endian at `at` (no DataView, no BigInt: index scans read one an entry). */
export function readU64be(bytes: Uint8Array, at: number): number {
  const high = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const low = ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0;
  assert(high <= 0x1f_ffff, 'a key integer fits a safe integer');
  return high * 0x1_0000_0000 + low;
}

/** `value` as 8 bytes big-endian: key order is numeric order. */
export function u64be(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, 'a key integer is a non-negative safe integer');
  const bytes = new Uint8Array(8);
  // Byte by byte (no DataView, no BigInt): ingest builds two of these a record.
  let high = Math.floor(value / 0x1_0000_0000);
  let low = value >>> 0;
  for (let i = 7; i >= 4; i--) {
    bytes[i] = low & 0xff;
    low >>>= 8;
    bytes[i - 4] = high & 0xff;
    high >>>= 8;
  }
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
/** assertionKey of the hash that ends an index key, in the shared buffer (pass it straight to get): no allocation. */
export function assertionKeyOfKeyEnd(key: Uint8Array): Uint8Array {
  assert(key.length >= hashBytesLength, 'an index key ends with a hash');
  assertionScratch.set(key.subarray(key.length - hashBytesLength), H.length);
  return assertionScratch;
}

/** V:{assertion hash}:{vote hash} -> vote bytes. */
export const voteKey = (assertion: Uint8Array, vote: Uint8Array): Uint8Array => concatBytes(V, checkHash(assertion), colon, checkHash(vote));
export const votePrefix = (assertion: Uint8Array): Uint8Array => concatBytes(V, checkHash(assertion), colon);
export const votePrefixAll = (): Uint8Array => V;

/** E:{epoch id, u64 big-endian} -> epoch bytes. */
export const epochKey = (id: number): Uint8Array => concatBytes(E, u64be(id));
export const epochPrefix = (): Uint8Array => E;
export function epochIdFromKey(key: Uint8Array): number {
  return readU64be(key, E.length);
}

/**
 * The most bytes a text of at most `utf8BytesMax` bytes of UTF-8 takes as a key's text part:
 * every byte a 0x00 (the one byte escaping widens), each doubled, plus the terminator. No
 * other character widens: a 4-byte UTF-8 character is 4 bytes in the key as in the record.
 */
export function textPartBytesMax(utf8BytesMax: number): number {
  return 2 * utf8BytesMax + textTerminator.length;
}

/** Bytes a text part takes in a key: its UTF-8, one more for each 0x00, and the terminator. */
function textPartBytes(utf8: Uint8Array): number {
  let zeros = 0;
  for (let i = 0; i < utf8.length; i++) if (utf8[i] === 0) zeros++;
  return utf8.length + zeros + textTerminator.length;
}

/** Writes `utf8` escaped (0x00 -> 0x00 0xFF) and terminated (0x00 0x01) at `at`; returns the end. */
function writeTextPart(key: Uint8Array, at: number, utf8: Uint8Array): number {
  let j = at;
  if (utf8.indexOf(0) === -1) {
    key.set(utf8, j);
    j += utf8.length;
  } else {
    for (let i = 0; i < utf8.length; i++) {
      key[j++] = utf8[i]!;
      if (utf8[i] === 0) key[j++] = 0xff;
    }
  }
  key.set(textTerminator, j);
  return j + textTerminator.length;
}

/** `family` + escaped, terminated `utf8` + the fixed-length `tail` parts, in one allocation. */
function textKey(familyTag: Uint8Array, utf8: Uint8Array, ...tail: Uint8Array[]): Uint8Array {
  let length = familyTag.length + textPartBytes(utf8);
  for (const part of tail) length += part.length;
  const key = new Uint8Array(length);
  key.set(familyTag, 0);
  let j = writeTextPart(key, familyTag.length, utf8);
  for (const part of tail) {
    key.set(part, j);
    j += part.length;
  }
  return key;
}

const utf8 = (text: string): Uint8Array => encoder.encode(text);

/**
 * The 16-byte digest of a predicate in subject keys (BLAKE3 of its UTF-8, 128-bit output):
 * fixed-length, so a subject key stays within kvKeyBytesMax whatever the two strings are, and
 * the predicates of one subject are one prefix each. Queries still compare the decoded
 * predicate, so even a digest collision could not return a wrong record.
 */
export function predicateDigest(predicate: Uint8Array): Uint8Array {
  // A store has few distinct predicates and ingest asks for each several times a batch: the
  // recent ones are remembered (compared byte for byte, no string built), saving a BLAKE3 call.
  for (const [bytes, digest] of recentPredicateDigests) if (sameBytes(bytes, predicate)) return digest;
  const digest = blake3x128(predicate);
  if (predicate.length <= predicateDigestMemoTextBytesMax) {
    if (recentPredicateDigests.length >= predicateDigestMemoEntriesMax) recentPredicateDigests.pop();
    recentPredicateDigests.unshift([Uint8Array.from(predicate), digest]);
  }
  return digest;
}
/** Digests remembered (the newest first), and the longest predicate remembered. */
const predicateDigestMemoEntriesMax = 16;
const predicateDigestMemoTextBytesMax = 128;
const recentPredicateDigests: Array<[Uint8Array, Uint8Array]> = [];

export const predicateDigestBytes = 16;

/** S:{escaped subject}{00 01} — every subject-index key of one subject starts with this. */
export const subjectPrefix = (subject: string): Uint8Array => textKey(S, utf8(subject));
/** S:{escaped subject}{00 01}{predicate digest} — the subject's assertions with one predicate. */
export const subjectPredicatePrefix = (subject: string, predicate: string): Uint8Array => textKey(S, utf8(subject), predicateDigest(utf8(predicate)));
/** S:{escaped subject}{00 01}{predicate digest 16}{hash 32} -> first LSN (u64 LE): the subject index. */
export const subjectKey = (subject: string, predicate: string, hash: Uint8Array): Uint8Array =>
  textKey(S, utf8(subject), predicateDigest(utf8(predicate)), checkHash(hash));
/**
 * subjectKey from the subject's and predicate's UTF-8 bytes (read in place from a stored
 * record), with no decode to strings and encode back. The bytes must be valid UTF-8.
 */
export const subjectKeyFromUtf8 = (subject: Uint8Array, predicate: Uint8Array, hash: Uint8Array): Uint8Array =>
  textKey(S, subject, predicateDigest(predicate), checkHash(hash));

/**
 * The belief families, one entry per (subject, predicate), keyed text(subject) + predicate
 * digest: B: the pair's state (pair-state.ts: inline, its summary and inputs; or indexed, a
 * head for its P: entries), K: present while the pair is contested.
 */
export type PairFamily = 'summary' | 'contested';
export const pairKeyFromUtf8 = (family: PairFamily, subject: Uint8Array, predicate: Uint8Array): Uint8Array =>
  textKey(family === 'summary' ? B : K, subject, predicateDigest(predicate));
export const pairKey = (family: PairFamily, subject: string, predicate: string): Uint8Array => pairKeyFromUtf8(family, utf8(subject), utf8(predicate));
/** The K: key of the pair whose B: key is `summaryKey` (the same key under the other family tag, without hashing again). */
export function contestedKeyOf(summaryKey: Uint8Array): Uint8Array {
  assert(summaryKey[0] === B[0] && summaryKey[1] === B[1], 'a summary key starts with B:');
  const key = Uint8Array.from(summaryKey);
  key[0] = K[0]!;
  return key;
}
/** Every pair of one subject in a family (B:, K:). */
export const pairPrefix = (family: PairFamily, subject: string): Uint8Array => textKey(family === 'summary' ? B : K, utf8(subject));
/** A whole belief family. */
export const pairPrefixAll = (family: PairFamily): Uint8Array => (family === 'summary' ? B : K);

/** The whole of each index family, for verify. */
export const subjectPrefixAll = (): Uint8Array => S;
export const predicatePrefixAll = (): Uint8Array => O;
export const sourcePrefixAll = (): Uint8Array => A;
export const historyPrefixAll = (): Uint8Array => L;
export const statusPrefixAll = (): Uint8Array => T;

/** The hash at the end of an index key (S:, O:, A:, L:, T: keys all end with one). */
export const hashFromKeyEnd = (key: Uint8Array): Uint8Array => key.subarray(key.length - hashBytesLength);
export const hashFromSubjectKey = hashFromKeyEnd;
/** The hash at the end of an index key, as hex: without the two Buffer views a subarray and a conversion would make. */
export function hashHexFromKeyEnd(key: Uint8Array): Hash {
  const buffer = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return buffer.toString('hex', key.length - hashBytesLength, key.length) as Hash;
}

/**
 * Objects whose canonical JSON is at most this many bytes are keyed by the JSON itself in the
 * O: index (readable, and equal objects are equal bytes); longer ones by its BLAKE3-256, so
 * keys stay short. Canonical JSON never holds a 0x00 byte (control characters are escaped).
 */
export const objectKeyJsonBytesMax = 64;
const objectJsonTag = Uint8Array.of(0x6a); // 'j'
const objectHashTag = Uint8Array.of(0x68); // 'h'
/** The longest object part: its tag, the longer of the inline JSON and a hash, the terminator. */
export const objectPartBytesMax = 1 + Math.max(objectKeyJsonBytesMax, hashBytesLength) + textTerminator.length;

/** The object part of an O: key: 'j' + the canonical JSON, or 'h' + its BLAKE3-256; then 00 01. */
function objectPart(json: Uint8Array): Uint8Array {
  const inline = json.length <= objectKeyJsonBytesMax;
  const body = inline ? json : blake3(json);
  const part = new Uint8Array(1 + body.length + textTerminator.length);
  part.set(inline ? objectJsonTag : objectHashTag, 0);
  part.set(body, 1);
  part.set(textTerminator, 1 + body.length);
  return part;
}

/** O:{escaped predicate}{00 01} — every assertion with this predicate, by object then hash. */
export const predicatePrefix = (predicate: string): Uint8Array => textKey(O, utf8(predicate));
/** O:{escaped predicate}{00 01}{object part} — the assertions with this predicate and object. */
export const predicateObjectPrefix = (predicate: string, objectJson: Uint8Array): Uint8Array => textKey(O, utf8(predicate), objectPart(objectJson));
/** O:{escaped predicate}{00 01}{object part}{hash} -> first LSN (u64 LE): lookup by value. */
export const predicateObjectKeyFromUtf8 = (predicate: Uint8Array, objectJson: Uint8Array, hash: Uint8Array): Uint8Array =>
  textKey(O, predicate, objectPart(objectJson), checkHash(hash));

/** A:{escaped source}{00 01} — every assertion by this source, in LSN order. */
export const sourcePrefix = (source: string): Uint8Array => textKey(A, utf8(source));
/** A:{escaped source}{00 01}{lsn u64 BE}{hash} -> empty. */
export const sourceKeyFromUtf8 = (source: Uint8Array, lsn: number, hash: Uint8Array): Uint8Array => textKey(A, source, u64be(lsn), checkHash(hash));

/** L:{escaped subject}{00 01} — the subject's history: every record touching it, in LSN order. */
export const historyPrefix = (subject: string): Uint8Array => textKey(L, utf8(subject));
/** L:{escaped subject}{00 01}{lsn u64 BE}{hash} -> the record's kind (u8, its type code). */
export const historyKeyFromUtf8 = (subject: Uint8Array, lsn: number, hash: Uint8Array): Uint8Array => textKey(L, subject, u64be(lsn), checkHash(hash));

/**
 * The value of an L: entry: the record's kind as its type code (assertion 0, vote 1,
 * retraction 3), then, for a vote or a retraction, its primary key: so a history entry is
 * one get away from its record (an assertion's primary key is H: + the hash in the L: key).
 */
export const historyKind = { assertion: 0, vote: 1, retraction: 3 } as const;
export function historyValue(kind: (typeof historyKind)[keyof typeof historyKind], primaryKey?: Uint8Array): Uint8Array {
  const value = new Uint8Array(1 + (primaryKey?.length ?? 0));
  value[0] = kind;
  if (primaryKey !== undefined) value.set(primaryKey, 1);
  return value;
}

/** The LSN in an A: or L: key (the 8 bytes before the trailing hash). */
export function lsnBeforeKeyHash(key: Uint8Array): number {
  return readU64be(key, key.length - hashBytesLength - 8);
}

/** What a T: entry records about its target: taken back, or replaced. */
export const statusKind = { retraction: 0x72, supersession: 0x73 } as const; // 'r', 's'
export type StatusKind = (typeof statusKind)[keyof typeof statusKind];

/** T:{target hash} — what happened to an assertion, in LSN order. */
export const statusPrefix = (target: Uint8Array): Uint8Array => concatBytes(T, checkHash(target));
/**
 * T:{target hash}{lsn u64 BE}{kind u8}{hash} -> a retraction's bytes (kind 'r': the
 * retraction's primary key), or empty (kind 's': `hash` is the superseding assertion).
 */
export const statusKey = (target: Uint8Array, lsn: number, kind: StatusKind, hash: Uint8Array): Uint8Array =>
  concatBytes(T, checkHash(target), u64be(lsn), Uint8Array.of(kind), checkHash(hash));
/**
 * F:{target hash} -> the first status change of an assertion: kind u8 ('r' or 's'), LSN u64
 * LE, hash[32]. Written once (the first T: entry in log order), so an assertion's status as of
 * any cut is one get: a change below the cut exists exactly when the first one is below it.
 */
export const firstChangeKey = (target: Uint8Array): Uint8Array => concatBytes(F, checkHash(target));
const firstChangeScratch = scratchKey(F);
/**
 * firstChangeKey of the hash that ends `key` (an index key, or an H: key), in a shared buffer
 * that the next call overwrites: pass it straight to get (the store copies it). A query that
 * checks the status of every assertion it lists allocates no key for it.
 */
export function firstChangeKeyOfKeyEnd(key: Uint8Array): Uint8Array {
  assert(key.length >= hashBytesLength, 'the key ends with a hash');
  firstChangeScratch.set(key.subarray(key.length - hashBytesLength), F.length);
  return firstChangeScratch;
}
export const firstChangePrefixAll = (): Uint8Array => F;
export function encodeFirstChange(kind: StatusKind, lsn: number, hash: Uint8Array): Uint8Array {
  const value = new Uint8Array(1 + 8 + hashBytesLength);
  value[0] = kind;
  new DataView(value.buffer).setBigUint64(1, BigInt(lsn), true);
  value.set(checkHash(hash), 9);
  return value;
}
export function decodeFirstChange(value: Uint8Array): { kind: number; lsn: number; hash: Uint8Array } {
  return { kind: value[0]!, lsn: readU64(value, 1), hash: value.subarray(9, 9 + hashBytesLength) };
}

/** The LSN and kind of a T: key. */
export function readStatusKey(key: Uint8Array): { lsn: number; kind: number } {
  const at = T.length + hashBytesLength;
  return { lsn: readU64be(key, at), kind: key[at + 8]! };
}

/** R:{hash} -> locator of a vote, epoch or retraction (kind, first LSN, primary key). */
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
