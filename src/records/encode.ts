// Canonical encoding: [type u8][7 zero bytes][fixed part][variable part], laid out per
// layout.ts. The record is checked completely first (the pair assertion before bytes are
// written; decode checks again after they are read), so the same logical record always
// gives the same bytes, and those bytes are what is hashed, logged and stored.
import { assert } from '../errors.js';
import { hashFromBytes, hashRecordBytes, recordDigest } from './hash.js';
import { assertionLayout as A, epochLayout as E, hashBytes, retractionLayout as R, voteLayout as V } from './layout.js';
import { recordTypeCodes, type Assertion, type Epoch, type Hash, type Retraction, type StemeRecord, type Vote } from './types.js';
import { checkNow, checkRecord, type Checked } from './validate.js';

const u32Range = 2 ** 32;
/** Longest ASCII text copied by a JS loop; longer text goes through Buffer#write (measured crossover ~100). */
const asciiLoopCharsMax = 64;

/** A record being written: a zero-filled buffer (padding, absent slots and reserved words stay zero). */
class Out {
  // Buffer, not TextEncoder: Buffer#write encodes UTF-8 and hex in place with no intermediate copy.
  readonly buf: Buffer;
  private readonly view: DataView;

  constructor(type: StemeRecord['type'], bytes: number) {
    this.buf = Buffer.alloc(bytes); // never pooled: the record owns its ArrayBuffer
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, bytes);
    this.buf[0] = recordTypeCodes[type];
  }

  u32(offset: number, value: number): void {
    this.view.setUint32(offset, value, true);
  }

  /** A safe integer as u64 LE, as two u32 halves (no BigInt allocation). */
  u64(offset: number, value: number): void {
    assert(Number.isSafeInteger(value) && value >= 0 && offset % 8 === 0, 'u64 fields hold safe integers at aligned offsets');
    this.view.setUint32(offset, value % u32Range, true);
    this.view.setUint32(offset + 4, Math.floor(value / u32Range), true);
  }

  f64(offset: number, value: number): void {
    this.view.setFloat64(offset, value, true);
  }

  /** A checked hash as its 32 raw bytes. */
  hash(offset: number, hash: Hash): void {
    assert(this.buf.write(hash, offset, hashBytes, 'hex') === hashBytes, 'a parsed hash is 32 bytes of hex');
  }

  /** Writes `texts` as UTF-8 one after another from `offset`; asserts they fill the record exactly. */
  texts(offset: number, texts: readonly string[], lengths: readonly number[]): Uint8Array {
    texts.forEach((text, i) => {
      const length = lengths[i]!;
      if (length === text.length && length <= asciiLoopCharsMax) {
        // All ASCII (one byte per UTF-16 unit): a JS loop beats a native call for short text.
        for (let j = 0; j < length; j++) this.buf[offset + j] = text.charCodeAt(j);
      } else {
        assert(this.buf.write(text, offset, 'utf8') === length, 'a checked string encodes to its counted UTF-8 length');
      }
      offset += length;
    });
    assert(offset === this.buf.length, 'variable fields fill the record exactly');
    // A plain Uint8Array over the same memory: callers get the documented type, not a Buffer.
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }
}

/** UTF-8 byte lengths of `texts`, counted without encoding them. */
function byteLengths(texts: readonly string[]): number[] {
  return texts.map((text) => Buffer.byteLength(text, 'utf8'));
}

function encodeAssertion(record: Assertion, objectJson: string): Uint8Array {
  const texts = [record.subject, record.predicate, record.source, objectJson];
  const lengths = byteLengths(texts);
  // The supersedes hash has no slot when absent (docs/record-format.md): the text starts after it.
  const textStart = record.supersedes === undefined ? A.fixedBytes : A.supersedes + hashBytes;
  const out = new Out('assertion', lengths.reduce((sum, length) => sum + length, textStart));
  out.u64(A.createdAt, record.createdAt);
  let flags = 0;
  if (record.confidence !== undefined) {
    out.f64(A.confidence, record.confidence);
    flags |= A.flagConfidence;
  }
  if (record.epoch !== undefined) {
    out.u64(A.epoch, record.epoch);
    flags |= A.flagEpoch;
  }
  if (record.supersedes !== undefined) {
    out.hash(A.supersedes, record.supersedes);
    flags |= A.flagSupersedes;
  }
  out.u32(A.flags, flags);
  const lengthOffsets = [A.subjectBytes, A.predicateBytes, A.sourceBytes, A.objectBytes];
  lengths.forEach((length, i) => out.u32(lengthOffsets[i]!, length));
  return out.texts(textStart, texts, lengths);
}

function encodeVote(record: Vote): Uint8Array {
  const lengths = byteLengths([record.voter]);
  const out = new Out('vote', V.fixedBytes + lengths[0]!);
  out.u64(V.createdAt, record.createdAt);
  out.f64(V.weight, record.weight);
  if (record.epoch !== undefined) {
    out.u64(V.epoch, record.epoch);
    out.u32(V.flags, V.flagEpoch);
  }
  out.buf[V.stance] = record.stance === 'support' ? 0 : 1;
  out.hash(V.assertion, record.assertion);
  out.u32(V.voterBytes, lengths[0]!);
  return out.texts(V.fixedBytes, [record.voter], lengths);
}

function encodeEpoch(record: Epoch): Uint8Array {
  const texts = [record.name, record.description ?? ''];
  const [name, description] = byteLengths(texts) as [number, number];
  const out = new Out('epoch', E.fixedBytes + name + description);
  out.u64(E.id, record.id);
  out.u64(E.createdAt, record.createdAt);
  let flags = 0;
  if (record.parent !== undefined) {
    out.u64(E.parent, record.parent);
    flags |= E.flagParent;
  }
  if (record.description !== undefined) flags |= E.flagDescription;
  out.u32(E.flags, flags);
  out.u32(E.nameBytes, name);
  out.u32(E.descriptionBytes, description);
  return out.texts(E.fixedBytes, texts, [name, description]);
}

function encodeRetraction(record: Retraction): Uint8Array {
  const texts = [record.source, record.reason ?? ''];
  const [source, reason] = byteLengths(texts) as [number, number];
  const out = new Out('retraction', R.fixedBytes + source + reason);
  out.u64(R.createdAt, record.createdAt);
  out.hash(R.assertion, record.assertion);
  if (record.reason !== undefined) out.u32(R.flags, R.flagReason);
  out.u32(R.sourceBytes, source);
  out.u32(R.reasonBytes, reason);
  return out.texts(R.fixedBytes, texts, [source, reason]);
}

/**
 * The canonical bytes of `record`. The record is checked like validateRecord's input, except
 * that createdAt is required; an invalid one throws InvalidRecordError and writes nothing.
 */
export function encodeRecord(record: StemeRecord): Uint8Array {
  return encodeChecked(checkRecord(record, undefined));
}

function encodeChecked(checked: Checked): Uint8Array {
  switch (checked.type) {
    case 'assertion':
      return encodeAssertion(checked.record, checked.objectJson);
    case 'vote':
      return encodeVote(checked.record);
    case 'epoch':
      return encodeEpoch(checked.record);
    case 'retraction':
      return encodeRetraction(checked.record);
  }
}

/** The canonical bytes of `record` and their hash, the record's identity. */
export function encodeAndHash(record: StemeRecord): { bytes: Uint8Array; hash: Hash } {
  const bytes = encodeRecord(record);
  return { bytes, hash: hashRecordBytes(bytes) };
}

/**
 * A record's fields as the write path keeps them: an assertion without its `object`, which
 * is in the bytes (decode them to read it). Keeping the caller's object would let a later
 * change to it show through; copying it would cost a JSON.parse per record.
 */
export type PreparedFields = Omit<Assertion, 'object'> | Vote | Epoch | Retraction;

/** An untrusted record, validated and normalised, with its canonical bytes and hash. */
export interface PreparedRecord {
  record: PreparedFields;
  bytes: Uint8Array;
  hash: Hash;
  /** The hash as its 32 bytes, for the store's keys. */
  hashBytes: Uint8Array;
}

/**
 * validateRecord then encodeAndHash, with every check run once: the write path's step. The
 * record is validateRecord's (a fresh object), less an assertion's `object`.
 */
export function prepareRecord(input: unknown, nowMs: number = Date.now()): PreparedRecord {
  const checked = checkRecord(input, checkNow(nowMs));
  const bytes = encodeChecked(checked);
  let record: PreparedFields = checked.record;
  if (checked.type === 'assertion') {
    const { object: _, ...fields } = checked.record;
    record = fields;
  }
  const hashBytes = recordDigest(bytes);
  return { record, bytes, hash: hashFromBytes(hashBytes), hashBytes };
}
