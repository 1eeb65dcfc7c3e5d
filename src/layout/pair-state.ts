// The values of the belief families (B:, K:; docs/key-layout.md#belief-state). A B: value is
// one of two forms, told apart by its first byte:
// - inline (format 3): the pair's unscoped summary and its inputs (the live assertions and,
//   per (assertion, voter), the latest vote in log order), all in one value that each batch
//   touching the pair rewrites. For the many small pairs (every pair of the sample: one
//   assertion, no votes): one entry a pair. Bounded by pairInlineInputsMax and pairInlineBytesMax.
// - indexed (format 4): a head (flags, consensus, pair id, entry counts, the exact support of
//   all candidates) for a pair whose state lives in P: entries (pair-index.ts), where one vote
//   costs O(log n) whatever the pair's size. A pair moves there once and stays.
//
// Inline value, integers little-endian, text = u32 byte length + UTF-8:
//   u8 format (3) | u8 flags (1 contested, 2 has a best) | f64 consensus
//   | u32 byte offset of the candidates section | text subject | text predicate
//   | u32 assertion count, each: hash[32] | u64 first LSN | text source | text object's canonical JSON
//   | u32 vote count, each: u32 assertion index | text voter | u8 stance (0 support, 1 oppose)
//                           | f64 weight | u64 LSN
//   | u32 candidate count (ranked, best first), each: f64 support | f64 oppose | f64 score
//                           | u32 supporters | u32 n | n x u32 assertion index (log order)
// Indexed head:
//   u8 format (4) | u8 flags | f64 consensus | u64 pair id | u64 candidates | u64 live assertions
//   | u64 names | u64 votes | u160 support of all candidates | text subject | text predicate
// A candidate's object is its first assertion's. K: is JSON {subject, predicate, consensus}.
import type { BeliefSummary, CandidateSummary } from '../beliefs/index.js';
import { assert } from '../errors.js';
import type { Hash } from '../records/index.js';
import { readUnits, unitsBytesLength, unitsLE, type PairHead } from './pair-index.js';

/** A live assertion of the pair: hash, object's canonical JSON, source, first LSN. */
export type InputAssertion = [hash: Hash, objectJson: string, source: string, lsn: number];
/** A voter's latest vote (in log order) on one live assertion of the pair. */
export type InputVote = [assertion: Hash, voter: string, stance: 'support' | 'oppose', weight: number, lsn: number];

export interface PairInputs {
  subject: string;
  predicate: string;
  assertions: InputAssertion[];
  votes: InputVote[];
  /** Whether the pair's K: entry exists (its summary is contested). */
  contested: boolean;
}

/** A candidate as a B: reader answers it: its `assertions` may be capped, `assertionCount` is all of them. */
export interface StoredCandidate extends CandidateSummary {
  assertionCount: number;
}

/** A pair's unscoped summary, as a reader of B: answers it: `candidates` may be capped, `candidateCount` is all of them. */
export interface StoredSummary extends Omit<BeliefSummary, 'candidates'> {
  subject: string;
  predicate: string;
  candidates: StoredCandidate[];
  candidateCount: number;
}

/** K: while the pair is contested. */
export interface ContestedEntry {
  subject: string;
  predicate: string;
  consensus: number;
}

/** Which form a B: value has. */
export type PairForm = 'inline' | 'indexed';

const inlineFormat = 3;
const indexedFormat = 4;
const flagContested = 1;
const flagHasBest = 2;
const hashBytes = 32;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJsonValue = (value: ContestedEntry): Uint8Array => encoder.encode(JSON.stringify(value));
export const decodeContested = (bytes: Uint8Array): ContestedEntry => JSON.parse(decoder.decode(bytes)) as ContestedEntry;

/** One growing buffer for encoding B: values: ingest encodes one value at a time and the store copies it. */
let scratch = Buffer.allocUnsafe(64 * 1024);

class Writer {
  at = 0;

  private room(bytes: number): void {
    if (this.at + bytes <= scratch.length) return;
    const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, this.at + bytes));
    scratch.copy(grown, 0, 0, this.at);
    scratch = grown;
  }

  u8(value: number): void {
    this.room(1);
    scratch[this.at++] = value;
  }

  u32(value: number): void {
    this.room(4);
    scratch.writeUInt32LE(value, this.at);
    this.at += 4;
  }

  f64(value: number): void {
    this.room(8);
    scratch.writeDoubleLE(value, this.at);
    this.at += 8;
  }

  u64(value: number): void {
    assert(Number.isSafeInteger(value) && value >= 0, 'a stored LSN or count is a non-negative safe integer');
    this.room(8);
    scratch.writeUInt32LE(value % 0x1_0000_0000, this.at);
    scratch.writeUInt32LE(Math.floor(value / 0x1_0000_0000), this.at + 4);
    this.at += 8;
  }

  bytes(value: Uint8Array): void {
    this.room(value.length);
    scratch.set(value, this.at);
    this.at += value.length;
  }

  text(value: string): void {
    const bytes = Buffer.byteLength(value, 'utf8');
    this.room(4 + bytes);
    scratch.writeUInt32LE(bytes, this.at);
    scratch.write(value, this.at + 4, bytes, 'utf8');
    this.at += 4 + bytes;
  }

  hash(hex: Hash): void {
    this.room(hashBytes);
    assert(hex.length === 2 * hashBytes && scratch.write(hex, this.at, hashBytes, 'hex') === hashBytes, 'a hash is 64 hex characters');
    this.at += hashBytes;
  }
}

/**
 * An inline B: value: the summary and the inputs it was computed from. The result is a view of
 * a shared buffer, valid until the next call: pass it straight to a put (the store copies it).
 */
export function encodePairValue(summary: BeliefSummary & { subject: string; predicate: string }, inputs: PairInputs): Uint8Array {
  const w = new Writer();
  w.u8(inlineFormat);
  w.u8((summary.contested ? flagContested : 0) | (summary.hasBest ? flagHasBest : 0));
  w.f64(summary.consensus);
  const candidatesOffsetAt = w.at;
  w.u32(0);
  w.text(summary.subject);
  w.text(summary.predicate);
  const indexOf = new Map<Hash, number>();
  w.u32(inputs.assertions.length);
  inputs.assertions.forEach(([hash, objectJson, source, lsn], i) => {
    indexOf.set(hash, i);
    w.hash(hash);
    w.u64(lsn);
    w.text(source);
    w.text(objectJson);
  });
  w.u32(inputs.votes.length);
  for (const [assertion, voter, stance, weight, lsn] of inputs.votes) {
    const index = indexOf.get(assertion);
    assert(index !== undefined, 'a pair input vote is on one of its live assertions');
    w.u32(index);
    w.text(voter);
    w.u8(stance === 'support' ? 0 : 1);
    w.f64(weight);
    w.u64(lsn);
  }
  scratch.writeUInt32LE(w.at, candidatesOffsetAt);
  w.u32(summary.candidates.length);
  for (const candidate of summary.candidates) {
    w.f64(candidate.support);
    w.f64(candidate.oppose);
    w.f64(candidate.score);
    w.u32(candidate.supporters);
    w.u32(candidate.assertions.length);
    for (const hash of candidate.assertions) {
      const index = indexOf.get(hash);
      assert(index !== undefined, 'a summary candidate is made of the pair input assertions');
      w.u32(index);
    }
  }
  return scratch.subarray(0, w.at);
}

/** An indexed pair's head; like encodePairValue, a view of the shared buffer. */
export function encodePairHead(subject: string, predicate: string, head: PairHead): Uint8Array {
  const w = new Writer();
  w.u8(indexedFormat);
  w.u8((head.contested ? flagContested : 0) | (head.hasBest ? flagHasBest : 0));
  w.f64(head.consensus);
  w.u64(head.id);
  w.u64(head.candidates);
  w.u64(head.assertions);
  w.u64(head.names);
  w.u64(head.votes);
  w.bytes(unitsLE(head.supportAll));
  w.text(subject);
  w.text(predicate);
  return scratch.subarray(0, w.at);
}

/** Reads a B: value; every read is bounds-checked (a damaged value throws, verify reports it). */
class Reader {
  private readonly buffer: Buffer;
  at: number;

  constructor(value: Uint8Array, at = 0) {
    this.buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    this.at = at;
  }

  take(bytes: number): number {
    const at = this.at;
    if (at + bytes > this.buffer.length) throw new RangeError(`a belief summary value ends early (${this.buffer.length} bytes)`);
    this.at = at + bytes;
    return at;
  }

  u8(): number {
    return this.buffer[this.take(1)]!;
  }

  u32(): number {
    return this.buffer.readUInt32LE(this.take(4));
  }

  f64(): number {
    return this.buffer.readDoubleLE(this.take(8));
  }

  u64(): number {
    const at = this.take(8);
    return this.buffer.readUInt32LE(at) + this.buffer.readUInt32LE(at + 4) * 0x1_0000_0000;
  }

  text(): string {
    const bytes = this.u32();
    const at = this.take(bytes);
    return this.buffer.toString('utf8', at, at + bytes);
  }

  skipText(): void {
    this.take(this.u32());
  }

  hash(): Hash {
    const at = this.take(hashBytes);
    return this.buffer.toString('hex', at, at + hashBytes) as Hash;
  }
}

/** The form of a B: value (a value of any other format is refused: verify reports it). */
export function pairForm(value: Uint8Array): PairForm {
  const format = value[0];
  if (format === inlineFormat) return 'inline';
  if (format === indexedFormat) return 'indexed';
  throw new RangeError(`a belief summary value has format ${String(format)}; this build reads ${inlineFormat} and ${indexedFormat}`);
}

interface InlineHead {
  flags: number;
  consensus: number;
  candidatesAt: number;
  subject: string;
  predicate: string;
}

function readInlineHead(r: Reader): InlineHead {
  const format = r.u8();
  if (format !== inlineFormat) throw new RangeError(`an inline belief value has format ${inlineFormat}, not ${format}`);
  const flags = r.u8();
  const consensus = r.f64();
  const candidatesAt = r.u32();
  return { flags, consensus, candidatesAt, subject: r.text(), predicate: r.text() };
}

/** An indexed pair's head, with its subject and predicate. */
export function decodePairHead(value: Uint8Array): PairHead & { subject: string; predicate: string } {
  const r = new Reader(value);
  const format = r.u8();
  if (format !== indexedFormat) throw new RangeError(`an indexed belief head has format ${indexedFormat}, not ${format}`);
  const flags = r.u8();
  const consensus = r.f64();
  const id = r.u64();
  const candidates = r.u64();
  const assertions = r.u64();
  const names = r.u64();
  const votes = r.u64();
  const supportAll = readUnits(value, r.take(unitsBytesLength));
  return {
    id, contested: (flags & flagContested) !== 0, hasBest: (flags & flagHasBest) !== 0, consensus,
    candidates, assertions, names, votes, supportAll, subject: r.text(), predicate: r.text(),
  };
}

/** The subject and predicate a B: value of either form names. */
export function pairNames(value: Uint8Array): { subject: string; predicate: string } {
  if (pairForm(value) === 'indexed') {
    const { subject, predicate } = decodePairHead(value);
    return { subject, predicate };
  }
  const { subject, predicate } = readInlineHead(new Reader(value));
  return { subject, predicate };
}

/**
 * An inline value's summary, with at most `candidatesMax` candidates and `assertionsMax`
 * assertions listed for each: the inputs' votes are skipped, their assertions read only as far
 * as the candidates need.
 */
export function decodeSummary(value: Uint8Array, candidatesMax = Infinity, assertionsMax = Infinity): StoredSummary {
  const r = new Reader(value);
  const head = readInlineHead(r);
  const count = r.u32();
  const hashes: Hash[] = [];
  const objectAt: number[] = [];
  for (let i = 0; i < count; i++) {
    hashes.push(r.hash());
    r.u64();
    r.skipText();
    objectAt.push(r.at);
    r.skipText();
  }
  r.at = head.candidatesAt;
  const candidates: StoredCandidate[] = [];
  const n = r.u32();
  for (let c = 0; c < n && c < candidatesMax; c++) {
    const support = r.f64();
    const oppose = r.f64();
    const score = r.f64();
    const supporters = r.u32();
    const size = r.u32();
    if (size === 0) throw new RangeError('a belief summary candidate has no assertion');
    const assertions: Hash[] = [];
    for (let j = 0; j < size; j++) {
      const index = r.u32();
      if (index >= count) throw new RangeError('a belief summary candidate names an assertion it does not hold');
      if (j < assertionsMax) assertions.push(hashes[index]!);
      if (j === 0) candidates.push({ objectJson: new Reader(value, objectAt[index]!).text(), support, oppose, score, supporters, assertions, assertionCount: size });
    }
  }
  return {
    subject: head.subject,
    predicate: head.predicate,
    contested: (head.flags & flagContested) !== 0,
    consensus: head.consensus,
    candidates,
    candidateCount: n,
    hasBest: (head.flags & flagHasBest) !== 0,
  };
}

/**
 * Whether the pair can be contested in some epoch scope: not when its live assertions all
 * hold one value and nobody voted on them (most pairs). A scope only removes assertions and
 * votes (an assertion's status does not depend on the scope: docs/beliefs.md), so such a pair
 * has at most one candidate and no opposition in every scope.
 */
export function mayBeContestedInAScope(value: Uint8Array): boolean {
  if (pairForm(value) === 'indexed') {
    const head = decodePairHead(value);
    return head.candidates > 1 || head.votes > 0;
  }
  const r = new Reader(value);
  const head = readInlineHead(r);
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    r.hash();
    r.u64();
    r.skipText();
    r.skipText();
  }
  if (r.u32() > 0) return true;
  r.at = head.candidatesAt;
  return r.u32() > 1;
}

/** An inline value's inputs, what the ingestor updates. */
export function decodeInputs(value: Uint8Array): PairInputs {
  const r = new Reader(value);
  const head = readInlineHead(r);
  const assertions: InputAssertion[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const hash = r.hash();
    const lsn = r.u64();
    const source = r.text();
    assertions.push([hash, r.text(), source, lsn]);
  }
  const votes: InputVote[] = [];
  const voteCount = r.u32();
  for (let i = 0; i < voteCount; i++) {
    const index = r.u32();
    if (index >= count) throw new RangeError('a belief summary vote names an assertion it does not hold');
    const voter = r.text();
    const stance = r.u8() === 0 ? 'support' : 'oppose';
    const weight = r.f64();
    votes.push([assertions[index]![0], voter, stance, weight, r.u64()]);
  }
  return { subject: head.subject, predicate: head.predicate, assertions, votes, contested: (head.flags & flagContested) !== 0 };
}
