// The memory graph's key family, G: (docs/key-layout.md, "The memory graph"): the reference MCP
// memory server's entities, observations and relations are StemeDB assertions of three shapes
// (graphRole), and this family indexes the live ones so that reading an entity, its relations or
// a page of the graph costs what it returns, and search reads postings instead of every entity.
// Invariants: e, o, r, f, t entries exist exactly for live assertions (one per entity: its first
// live type; one per relation triple: its first live assertion); y and p list every live one;
// ids and postings only grow (a posting is a hint a search checks, never an answer).
import { blake3x128 } from '../blake3.js';
import { assert } from '../errors.js';
import type { AssertionView } from '../records/index.js';
import { concatBytes, sameBytes } from '../storage/index.js';
import { hashBytesLength, readU64be, u64be } from './keys.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The predicate of an entity's type assertion (its object the type, a string). */
export const entityTypePredicate = 'entityType';
/** The predicate of an observation (its object the observation, a string). */
export const observationPredicate = 'observation';
const entityTypeUtf8 = encoder.encode(entityTypePredicate);
const observationUtf8 = encoder.encode(observationPredicate);

/** What an assertion is in the memory graph: an entity's type, an observation, or a relation. */
export type GraphRole = 'type' | 'observation' | 'relation';

/** The object of a relation assertion: it names the entity the relation points to, and nothing else. */
export function relationObject(to: string): { entity: string } {
  return { entity: to };
}

const relationJsonHead = encoder.encode('{"entity":"');

/** The `to` of a relation object, from its canonical JSON: exactly {"entity": <string>}, else undefined. */
export function relationTargetOfJson(json: Uint8Array): string | undefined {
  if (json.length < relationJsonHead.length + 2 || json[json.length - 1] !== 0x7d) return undefined;
  for (let i = 0; i < relationJsonHead.length; i++) if (json[i] !== relationJsonHead[i]) return undefined;
  const value = JSON.parse(decoder.decode(json)) as Record<string, unknown>;
  return Object.keys(value).length === 1 && typeof value.entity === 'string' ? value.entity : undefined;
}

export function graphRole(view: AssertionView): GraphRole | undefined {
  const json = view.objectJsonBytes;
  if (json[0] === 0x22) {
    if (sameBytes(view.predicateBytes, entityTypeUtf8)) return 'type';
    if (sameBytes(view.predicateBytes, observationUtf8)) return 'observation';
    return undefined;
  }
  return json[0] === 0x7b && relationTargetOfJson(json) !== undefined ? 'relation' : undefined;
}

/** The string an entity type or observation assertion holds. */
export function stringObjectOf(view: AssertionView): string {
  return JSON.parse(decoder.decode(view.objectJsonBytes)) as string;
}

// --- keys ---

const tag = (letter: string): Uint8Array => encoder.encode(`G:${letter}`);
const G = encoder.encode('G:');
const entityTag = tag('e');
const typesTag = tag('y');
const observationTag = tag('o');
const relationTag = tag('r');
const fromTag = tag('f');
const toTag = tag('t');
const tripleTag = tag('p');
const nameTag = tag('n');
const idTag = tag('i');
const postingTag = tag('s');
/** G:# -> the next entity id, u32 LE. */
export const graphNextIdKey = tag('#');
/** G:u -> the Unicode version (process.versions.unicode) the postings were lowercased with. */
export const graphUnicodeKey = tag('u');

export const graphDigestBytes = 16;
/** The letter after `G:` that names a part of the family (e, y, o, r, f, t, p, n, i, s, #, u). */
export const graphSubTagBytes = 1;
/** The 16-byte digest names take in G: keys (BLAKE3-128 of the UTF-8): fixed length, whatever the name. */
export const graphDigest = (utf8: Uint8Array): Uint8Array => blake3x128(utf8);

function checkHash(hash: Uint8Array): Uint8Array {
  assert(hash.length === hashBytesLength, 'a hash key part is 32 bytes');
  return hash;
}

function u32be(value: number): Uint8Array {
  assert(Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff, 'a u32 key part');
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

/** The whole family (verify). */
export const graphFamilyPrefix = (): Uint8Array => G;
/** G:e lsn hash -> the entity's name (UTF-8): each entity's first live type assertion, in log order. */
export const graphEntityKey = (lsn: number, hash: Uint8Array): Uint8Array => concatBytes(entityTag, u64be(lsn), checkHash(hash));
export const graphEntityPrefix = (): Uint8Array => entityTag;
/** G:y digest(name) -> the name's live type assertions (assertion list). */
export const graphTypesKey = (name: Uint8Array): Uint8Array => concatBytes(typesTag, graphDigest(name));
/** G:o digest(name) lsn hash -> the observation (encodeObservationValue): the name's live observations, in log order. */
export const graphObservationKey = (name: Uint8Array, lsn: number, hash: Uint8Array): Uint8Array => concatBytes(observationTag, graphDigest(name), u64be(lsn), checkHash(hash));
export const graphObservationPrefix = (name: Uint8Array): Uint8Array => concatBytes(observationTag, graphDigest(name));
/** G:r lsn hash -> the relation (encodeRelationValue): each relation triple's first live assertion, in log order. */
export const graphRelationKey = (lsn: number, hash: Uint8Array): Uint8Array => concatBytes(relationTag, u64be(lsn), checkHash(hash));
export const graphRelationPrefix = (): Uint8Array => relationTag;
/** G:f digest(from) lsn hash -> the relation: the same relations, by the entity they start at. */
export const graphFromKey = (from: Uint8Array, lsn: number, hash: Uint8Array): Uint8Array => concatBytes(fromTag, graphDigest(from), u64be(lsn), checkHash(hash));
export const graphFromPrefix = (from: Uint8Array): Uint8Array => concatBytes(fromTag, graphDigest(from));
/** G:t digest(to) lsn hash -> the relation: the same relations, by the entity they point to. */
export const graphToKey = (to: Uint8Array, lsn: number, hash: Uint8Array): Uint8Array => concatBytes(toTag, graphDigest(to), u64be(lsn), checkHash(hash));
export const graphToPrefix = (to: Uint8Array): Uint8Array => concatBytes(toTag, graphDigest(to));
/** G:p digest(from) digest(relationType) digest(to) -> the triple's live assertions (assertion list). */
export const graphTripleKey = (from: Uint8Array, relationType: Uint8Array, to: Uint8Array): Uint8Array =>
  concatBytes(tripleTag, graphDigest(from), graphDigest(relationType), graphDigest(to));
/** G:n digest(name) -> the name's entity id, u32 LE. */
export const graphNameKey = (name: Uint8Array): Uint8Array => concatBytes(nameTag, graphDigest(name));
/** G:i id u32 BE -> the name (UTF-8). */
export const graphIdKey = (id: number): Uint8Array => concatBytes(idTag, u32be(id));
/** G:s trigram[3] block u32 BE -> a container of the ids (within the block) whose texts ever held the trigram. */
export const graphPostingKey = (trigram: number, block: number): Uint8Array =>
  concatBytes(postingTag, Uint8Array.of(trigram >>> 16, (trigram >>> 8) & 0xff, trigram & 0xff), u32be(block));

/** The LSN of an e, o, r, f or t key (the 8 bytes before its hash). */
export const graphLsnOfKey = (key: Uint8Array): number => readU64be(key, key.length - hashBytesLength - 8);

// --- values ---

export function encodeGraphId(id: number): Uint8Array {
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, id, true);
  return value;
}

export function decodeGraphId(value: Uint8Array): number {
  assert(value.length === 4, 'an entity id is a u32');
  return new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
}

/** One assertion of a G:y or G:p list. */
export interface ListedAssertion {
  lsn: number;
  hash: Uint8Array;
}

const listEntryBytes = 8 + hashBytesLength;

/** A list value: n x (lsn u64 BE, hash[32]), in log order. */
export function encodeAssertionList(items: readonly ListedAssertion[]): Uint8Array {
  const value = new Uint8Array(items.length * listEntryBytes);
  items.forEach((item, i) => {
    value.set(u64be(item.lsn), i * listEntryBytes);
    value.set(checkHash(item.hash), i * listEntryBytes + 8);
  });
  return value;
}

export function decodeAssertionList(value: Uint8Array): ListedAssertion[] {
  assert(value.length % listEntryBytes === 0, 'an assertion list holds whole entries');
  const items: ListedAssertion[] = [];
  for (let at = 0; at < value.length; at += listEntryBytes) {
    items.push({ lsn: readU64be(value, at), hash: value.slice(at + 8, at + listEntryBytes) });
  }
  return items;
}

/**
 * A G:o value: the observation with its entity's name, u16 LE name length | name | the
 * observation's canonical JSON (the record's object bytes, a JSON string),
 * so an entity's observations are one scan, each checked against the name, with no record read.
 */
export function encodeObservationValue(name: Uint8Array, objectJson: Uint8Array): Uint8Array {
  assert(name.length <= 0xffff, 'a name fits a u16 length');
  return concatBytes(Uint8Array.of(name.length & 0xff, name.length >>> 8), name, objectJson);
}

export function decodeObservationValue(value: Uint8Array): { name: Uint8Array; text: string } {
  const length = value[0]! | (value[1]! << 8);
  assert(value.length >= 2 + length, 'an observation value holds its name');
  return { name: value.subarray(2, 2 + length), text: JSON.parse(decoder.decode(value.subarray(2 + length))) as string };
}

/** A G:r, G:f or G:t value: the relation, u16 LE from length | from | u16 LE type length | type | to (UTF-8). */
export function encodeRelationValue(from: Uint8Array, relationType: Uint8Array, to: Uint8Array): Uint8Array {
  assert(from.length <= 0xffff && relationType.length <= 0xffff, 'a name and a relation type fit a u16 length');
  return concatBytes(Uint8Array.of(from.length & 0xff, from.length >>> 8), from, Uint8Array.of(relationType.length & 0xff, relationType.length >>> 8), relationType, to);
}

/** The relation in a G:r, G:f or G:t value, its fields in the reference server's order (from, to, relationType). */
export function decodeRelationValue(value: Uint8Array): { from: string; to: string; relationType: string } {
  const fromLength = value[0]! | (value[1]! << 8);
  const typeAt = 2 + fromLength;
  assert(value.length >= typeAt + 2, 'a relation value holds its from');
  const typeLength = value[typeAt]! | (value[typeAt + 1]! << 8);
  assert(value.length >= typeAt + 2 + typeLength, 'a relation value holds its type');
  return {
    from: decoder.decode(value.subarray(2, typeAt)),
    to: decoder.decode(value.subarray(typeAt + 2 + typeLength)),
    relationType: decoder.decode(value.subarray(typeAt + 2, typeAt + 2 + typeLength)),
  };
}

// --- search postings ---

/** Entity ids per posting value: an id's block is id >> 12, its place in the block id & 4095. */
export const graphIdBlockBits = 12;
export const graphIdsPerBlock = 1 << graphIdBlockBits;
/** A block's ids as a bitmap. */
export const graphBlockBitmapBytes = graphIdsPerBlock / 8;
const arrayTag = 0;
const bitmapTag = 1;
/** Past this many ids a container is a bitmap (512 bytes), below it a sorted u16 array (at most 510 bytes). */
const arrayIdsMax = graphBlockBitmapBytes / 2 - 1;

/**
 * The trigrams of `text` as search keys them: each 3-byte window of the UTF-8 of
 * text.toLowerCase(), as a 24-bit number (repeats included). A query that is a substring of the
 * lowercased text has all its trigrams among the text's, so the postings never miss a match.
 */
export function forEachTrigram(text: string, each: (trigram: number) => void): void {
  const bytes = encoder.encode(text.toLowerCase());
  for (let i = 0; i + 3 <= bytes.length; i++) each((bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!);
}

/** ORs the ids of a posting value into `bitmap` (graphBlockBitmapBytes bytes). */
export function readPostings(value: Uint8Array, bitmap: Uint8Array): void {
  if (value[0] === bitmapTag) {
    assert(value.length === 1 + graphBlockBitmapBytes, 'a bitmap container holds 512 bytes');
    for (let i = 0; i < graphBlockBitmapBytes; i++) bitmap[i]! |= value[1 + i]!;
    return;
  }
  assert(value[0] === arrayTag && value.length % 2 === 1, 'an array container holds u16 entries');
  for (let at = 1; at < value.length; at += 2) {
    const low = value[at]! | (value[at + 1]! << 8);
    bitmap[low >>> 3]! |= 1 << (low & 7);
  }
}

/** A posting value holding the ids set in `bitmap`. */
export function encodePostings(bitmap: Uint8Array): Uint8Array {
  let count = 0;
  for (let i = 0; i < graphBlockBitmapBytes; i++) for (let b = bitmap[i]!; b !== 0; b &= b - 1) count++;
  if (count > arrayIdsMax) return concatBytes(Uint8Array.of(bitmapTag), bitmap);
  const value = new Uint8Array(1 + 2 * count);
  value[0] = arrayTag;
  let at = 1;
  for (let low = 0; low < graphIdsPerBlock; low++) {
    if ((bitmap[low >>> 3]! & (1 << (low & 7))) === 0) continue;
    value[at++] = low & 0xff;
    value[at++] = low >>> 8;
  }
  return value;
}

/** The Unicode version this process lowercases with: postings written under another may miss matches. */
export const graphUnicodeVersion = (): string => process.versions.unicode ?? 'unknown';
