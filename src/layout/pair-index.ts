// The indexed form of a pair's belief state (docs/key-layout.md#belief-state): a pair too large
// for one inline B: value keeps a small head under its B: key and its state in many small P:
// entries under a pair id, so one vote reads and writes a few entries whatever the pair's
// size: O(log n) each. The entries, all under P: + pair id (u64 BE) + a tag:
//   c candidate  -> exact sums, supporters, first live LSN, live assertions
//   r rank       -> the candidates ordered as the rules rank them (best first), each with its answer numbers
//   a assertions -> each candidate's live assertions in log order
//   n name       -> per (candidate, source or voter): live assertions by it, its latest vote
//   v votes      -> per (candidate, voter): its latest vote on each live assertion, newest first
//   w voters     -> per (assertion, voter): the LSN of that latest vote
// Candidates and names are BLAKE3-128 digests (of the object's canonical JSON, of the name's
// UTF-8), so every key has a fixed length. Sums are exact units of 2^-72 (src/beliefs).
import { assert } from '../errors.js';
import { blake3x128 } from '../blake3.js';
import { candidateNumbers, type Units } from '../beliefs/index.js';
import type { Hash } from '../records/index.js';
import { concatBytes } from '../storage/index.js';
import { metaKey } from './keys.js';
import { readU64, writeU64 } from './u64.js';

export const pairDigestBytes = 16;
const hashBytes = 32;
const unitBytes = 20;
const encoder = new TextEncoder();
const P = encoder.encode('P:');
const tags = { candidate: 0x63, rank: 0x72, assertion: 0x61, name: 0x6e, vote: 0x76, voter: 0x77 } as const; // c r a n v w

/** The largest magnitude a stored sum may have: 2^159 (the units of every vote a log can hold stay far below). */
const unitsLimit = 1n << 159n;
const safeMax = Number.MAX_SAFE_INTEGER;

/** M:pairs -> the next pair id (u64 LE), taken when a pair moves to the indexed form. */
export const nextPairIdKey = metaKey('pairs');

/** The digest that names a candidate: BLAKE3-128 of its object's canonical JSON. */
export const candidateDigest = (objectJson: Uint8Array): Uint8Array => blake3x128(objectJson);
/** The digest that names a source or a voter (one namespace: a voter's vote replaces the same-named source's support). */
export const nameDigest = (nameUtf8: Uint8Array): Uint8Array => blake3x128(nameUtf8);

function u64be(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, 'a pair key integer is a non-negative safe integer');
  const bytes = new Uint8Array(8);
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

function readU64be(bytes: Uint8Array, at: number): number {
  const high = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const low = ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0;
  assert(high <= 0x1f_ffff, 'a pair key integer fits a safe integer');
  return high * 0x1_0000_0000 + low;
}

/** A 160-bit unsigned integer, big-endian (keys) or little-endian (values). */
function unitsBytes(value: Units, bigEndian: boolean): Uint8Array {
  assert(value >= 0n && value < 1n << 160n, 'a stored sum fits 160 bits');
  const bytes = Buffer.from(value.toString(16).padStart(2 * unitBytes, '0'), 'hex');
  if (!bigEndian) bytes.reverse();
  return bytes;
}

/** A stored sum: 20 bytes, little-endian. */
export const unitsLE = (value: Units): Uint8Array => unitsBytes(value, false);
export const unitsBytesLength = unitBytes;

/** The 20-byte little-endian sum at `at`. */
export function readUnits(bytes: Uint8Array, at: number): Units {
  const slice = Buffer.from(bytes.subarray(at, at + unitBytes));
  if (slice.length !== unitBytes) throw new RangeError('a stored sum ends early');
  return BigInt(`0x${slice.reverse().toString('hex')}`);
}

const pairPrefixOf = (id: number, tag: number): Uint8Array => concatBytes(P, u64be(id), Uint8Array.of(tag));

export type PairEntryKind = keyof typeof tags;
const kindOfTag = new Map<number, PairEntryKind>(Object.entries(tags).map(([kind, tag]) => [tag, kind as PairEntryKind]));
/** Which kind of P: entry a key is (undefined for an unknown tag: damage). */
export const pairEntryKind = (key: Uint8Array): PairEntryKind | undefined => kindOfTag.get(key[P.length + 8]!);

/** Every P: entry of one pair (verify counts them). */
export const pairEntriesPrefix = (id: number): Uint8Array => concatBytes(P, u64be(id));
/** The whole P: family. */
export const pairEntriesPrefixAll = (): Uint8Array => P;
/** The pair id of a P: key. */
export const pairIdOfEntryKey = (key: Uint8Array): number => readU64be(key, P.length);

// --- the head (the B: value of an indexed pair) ---

/** What an indexed pair's B: value holds besides its subject and predicate. */
export interface PairHead {
  id: number;
  contested: boolean;
  hasBest: boolean;
  consensus: number;
  /** Entries of each kind, kept so verify can count and a reader can answer totals without a scan. */
  candidates: number;
  assertions: number;
  names: number;
  votes: number;
  /** The exact support of every candidate, summed: the consensus's denominator less the best's opposition. */
  supportAll: Units;
}

// --- c: a candidate ---

/** A candidate's state: what the rules rank and judge it by, and its live assertions. */
export interface CandidateState {
  support: Units;
  oppose: Units;
  supporters: number;
  firstLsn: number;
  live: number;
}

/** P: id c candidate[16] */
export const candidateKey = (id: number, candidate: Uint8Array): Uint8Array => concatBytes(pairPrefixOf(id, tags.candidate), candidate);

export function encodeCandidate(state: CandidateState): Uint8Array {
  return concatBytes(unitsBytes(state.support, false), unitsBytes(state.oppose, false), writeU64(state.supporters), writeU64(state.firstLsn), writeU64(state.live));
}

export function decodeCandidate(value: Uint8Array): CandidateState {
  if (value.length !== 2 * unitBytes + 24) throw new RangeError(`a candidate entry is ${2 * unitBytes + 24} bytes, not ${value.length}`);
  return { support: readUnits(value, 0), oppose: readUnits(value, unitBytes), supporters: readU64(value, 2 * unitBytes), firstLsn: readU64(value, 2 * unitBytes + 8), live: readU64(value, 2 * unitBytes + 16) };
}

// --- r: the ranking ---

/** Every rank entry of a pair, best first. */
export const rankPrefix = (id: number): Uint8Array => pairPrefixOf(id, tags.rank);

/**
 * P: id r (2^159 - score)[20 BE] (2^53-1 - supporters)[8 BE] firstLsn[8 BE] -> encodeRankValue:
 * byte order is the rules' order (higher score, more supporters, earlier first assertion
 * first), and firstLsn alone is unique among a pair's candidates (an assertion is in one).
 */
export function rankKey(id: number, state: CandidateState): Uint8Array {
  const score = state.support - state.oppose;
  assert(score < unitsLimit && score > -unitsLimit, 'a score fits the rank key');
  return concatBytes(rankPrefix(id), unitsBytes(unitsLimit - score, true), u64be(safeMax - state.supporters), u64be(state.firstLsn));
}

/** A candidate as a rank entry holds it: what a reader answers, rounded once from the exact sums, so a read needs no other entry. */
export interface RankedCandidate {
  digest: Uint8Array;
  support: number;
  oppose: number;
  score: number;
  supporters: number;
  live: number;
}

/** cand[16] | f64 support | f64 oppose | f64 score (each rounded once from the exact sums) | u64 supporters | u64 live assertions */
export function encodeRankValue(digest: Uint8Array, state: CandidateState): Uint8Array {
  assert(digest.length === pairDigestBytes, 'a rank entry names a 16-byte candidate');
  const value = Buffer.alloc(pairDigestBytes + 24 + 16);
  value.set(digest, 0);
  const { support, oppose, score } = candidateNumbers(state);
  value.writeDoubleLE(support, 16);
  value.writeDoubleLE(oppose, 24);
  value.writeDoubleLE(score, 32);
  value.set(writeU64(state.supporters), 40);
  value.set(writeU64(state.live), 48);
  return value;
}

export function decodeRankValue(value: Uint8Array): RankedCandidate {
  if (value.length !== pairDigestBytes + 40) throw new RangeError(`a rank entry is ${pairDigestBytes + 40} bytes, not ${value.length}`);
  const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return {
    digest: value.subarray(0, pairDigestBytes),
    support: buffer.readDoubleLE(16),
    oppose: buffer.readDoubleLE(24),
    score: buffer.readDoubleLE(32),
    supporters: readU64(value, 40),
    live: readU64(value, 48),
  };
}

// --- a: a candidate's live assertions ---

/** Every live assertion of one candidate, in log order. */
export const candidateAssertionsPrefix = (id: number, candidate: Uint8Array): Uint8Array => concatBytes(pairPrefixOf(id, tags.assertion), candidate);
/** P: id a candidate[16] lsn[8 BE] -> the assertion's hash[32]. */
export const candidateAssertionKey = (id: number, candidate: Uint8Array, lsn: number): Uint8Array => concatBytes(candidateAssertionsPrefix(id, candidate), u64be(lsn));
/** The LSN in a candidate-assertion key. */
export const lsnOfCandidateAssertionKey = (key: Uint8Array): number => readU64be(key, key.length - 8);

// --- n: a name on a candidate ---

/** A source or voter on one candidate: how many live assertions it made, and its latest vote there. */
export interface NameState {
  sources: number;
  vote: LatestVote | undefined;
}

export interface LatestVote {
  stance: 'support' | 'oppose';
  weight: number;
  lsn: number;
}

/** P: id n candidate[16] name[16] */
export const nameKey = (id: number, candidate: Uint8Array, name: Uint8Array): Uint8Array => concatBytes(pairPrefixOf(id, tags.name), candidate, name);

/** u64 sources | u8 has a vote | u8 stance (0 support, 1 oppose) | f64 weight | u64 LSN */
export function encodeName(state: NameState): Uint8Array {
  const value = Buffer.alloc(8 + 2 + 8 + 8);
  value.set(writeU64(state.sources), 0);
  if (state.vote !== undefined) {
    value[8] = 1;
    value[9] = state.vote.stance === 'support' ? 0 : 1;
    value.writeDoubleLE(state.vote.weight, 10);
    value.set(writeU64(state.vote.lsn), 18);
  }
  return value;
}

export function decodeName(value: Uint8Array): NameState {
  if (value.length !== 26) throw new RangeError(`a name entry is 26 bytes, not ${value.length}`);
  const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const vote = value[8] === 1 ? { stance: value[9] === 0 ? ('support' as const) : ('oppose' as const), weight: buffer.readDoubleLE(10), lsn: readU64(value, 18) } : undefined;
  return { sources: readU64(value, 0), vote };
}

// --- v: a voter's latest vote on each live assertion of a candidate, newest first ---

/** Every latest vote of one voter on one candidate's live assertions, newest first. */
export const voteEntriesPrefix = (id: number, candidate: Uint8Array, name: Uint8Array): Uint8Array => concatBytes(pairPrefixOf(id, tags.vote), candidate, name);
/** P: id v candidate[16] name[16] (2^53-1 - lsn)[8 BE] -> stance u8 | f64 weight | assertion hash[32] */
export const voteEntryKey = (id: number, candidate: Uint8Array, name: Uint8Array, lsn: number): Uint8Array => concatBytes(voteEntriesPrefix(id, candidate, name), u64be(safeMax - lsn));

export interface VoteEntry extends LatestVote {
  assertion: Hash;
}

export function encodeVoteEntry(stance: 'support' | 'oppose', weight: number, assertion: Uint8Array): Uint8Array {
  assert(assertion.length === hashBytes, 'a vote entry names a 32-byte hash');
  const value = Buffer.alloc(1 + 8 + hashBytes);
  value[0] = stance === 'support' ? 0 : 1;
  value.writeDoubleLE(weight, 1);
  value.set(assertion, 9);
  return value;
}

/** A vote entry from its key (the LSN) and value. */
export function decodeVoteEntry(key: Uint8Array, value: Uint8Array): VoteEntry {
  if (value.length !== 1 + 8 + hashBytes) throw new RangeError(`a vote entry is ${1 + 8 + hashBytes} bytes, not ${value.length}`);
  const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return { stance: value[0] === 0 ? 'support' : 'oppose', weight: buffer.readDoubleLE(1), lsn: safeMax - readU64be(key, key.length - 8), assertion: buffer.toString('hex', 9, 9 + hashBytes) as Hash };
}

// --- w: who voted on an assertion ---

/** Every voter with a latest vote on one live assertion. */
export const votersPrefix = (id: number, assertion: Uint8Array): Uint8Array => concatBytes(pairPrefixOf(id, tags.voter), assertion);
/** P: id w assertion[32] name[16] -> the LSN of that voter's latest vote on it (u64 LE). */
export const voterKey = (id: number, assertion: Uint8Array, name: Uint8Array): Uint8Array => concatBytes(votersPrefix(id, assertion), name);
/** The longest P: key: a voter entry (tag 2, pair id 8, kind 1, assertion hash 32, name digest 16); key-bounds.ts counts it. */
export const pairEntryKeyBytesMax = P.length + 8 + 1 + hashBytes + pairDigestBytes;
/** The name digest at the end of a voter key. */
export const nameOfVoterKey = (key: Uint8Array): Uint8Array => key.subarray(key.length - pairDigestBytes);
