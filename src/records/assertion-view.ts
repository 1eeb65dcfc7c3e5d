// A zero-copy view of an encoded assertion: subject, predicate, source and the fixed fields
// are read in place on demand, and the `object` JSON is never parsed unless asked for.
// Construction checks the structure (header, flags, absent slots, lengths); field reads
// check UTF-8. Limits and canonical form are decodeRecord's job, not the view's.
// The text fields start after the supersedes hash when it is present (it has no slot when absent).
import { InvalidRecordError } from '../errors.js';
import { hashFromBytes } from './hash.js';
import { assertionLayout as A, hashBytes } from './layout.js';
import { Reader } from './reader.js';
import type { EpochId, Hash, JsonValue } from './types.js';

export class AssertionView {
  readonly type = 'assertion';
  private readonly r: Reader;
  private readonly flagBits: number;
  /** Start offsets of subject, predicate, source, object, and the end of the record. */
  private readonly starts: readonly [number, number, number, number, number];

  constructor(bytes: Uint8Array) {
    this.r = new Reader(bytes, 'assertion', A.fixedBytes);
    this.flagBits = this.r.flags(A.flags, A.flagConfidence | A.flagEpoch | A.flagSupersedes);
    if (!(this.flagBits & A.flagConfidence)) this.r.zero(A.confidence, A.confidence + 8, 'slot of an absent confidence');
    if (!(this.flagBits & A.flagEpoch)) this.r.zero(A.epoch, A.epoch + 8, 'slot of an absent epoch');
    this.r.zero(A.reserved, A.reserved + 4, 'reserved word');
    const lengths = [this.r.u32(A.subjectBytes), this.r.u32(A.predicateBytes), this.r.u32(A.sourceBytes), this.r.u32(A.objectBytes)] as const;
    const subject = this.flagBits & A.flagSupersedes ? A.supersedes + hashBytes : A.fixedBytes;
    this.r.spans(subject, lengths); // also proves the supersedes hash is there when flagged
    const predicate = subject + lengths[0];
    const source = predicate + lengths[1];
    const object = source + lengths[2];
    this.starts = [subject, predicate, source, object, object + lengths[3]];
  }

  private field(index: 0 | 1 | 2 | 3, path: string): string {
    return this.r.text(this.starts[index], this.starts[index + 1]! - this.starts[index], path);
  }

  get createdAt(): number {
    return this.r.u64(A.createdAt, 'createdAt');
  }
  get confidence(): number | undefined {
    return this.flagBits & A.flagConfidence ? this.r.f64(A.confidence) : undefined;
  }
  get epoch(): EpochId | undefined {
    return this.flagBits & A.flagEpoch ? (this.r.u64(A.epoch, 'epoch') as EpochId) : undefined;
  }
  /** The superseded assertion's hash as a subarray of the record's bytes (no copy: do not mutate), or undefined. */
  get supersedesHashBytes(): Uint8Array | undefined {
    return this.flagBits & A.flagSupersedes ? this.r.bytes.subarray(A.supersedes, A.supersedes + hashBytes) : undefined;
  }
  get supersedes(): Hash | undefined {
    const bytes = this.supersedesHashBytes;
    return bytes === undefined ? undefined : hashFromBytes(bytes);
  }
  get subject(): string {
    return this.field(0, 'subject');
  }
  /** The subject's UTF-8 bytes as a subarray of the record's bytes (no copy, not checked: do not mutate). */
  get subjectBytes(): Uint8Array {
    return this.r.bytes.subarray(this.starts[0], this.starts[1]);
  }
  get predicate(): string {
    return this.field(1, 'predicate');
  }
  /** The predicate's UTF-8 bytes in place (no copy, not checked: do not mutate). */
  get predicateBytes(): Uint8Array {
    return this.r.bytes.subarray(this.starts[1], this.starts[2]);
  }
  get source(): string {
    return this.field(2, 'source');
  }
  /** The source's UTF-8 bytes in place (no copy, not checked: do not mutate). */
  get sourceBytes(): Uint8Array {
    return this.r.bytes.subarray(this.starts[2], this.starts[3]);
  }
  /** The object's canonical JSON as UTF-8 bytes in place (no copy: do not mutate). */
  get objectJsonBytes(): Uint8Array {
    return this.r.bytes.subarray(this.starts[3], this.starts[4]);
  }
  /** Length of the object's JSON text in bytes (known without reading it). */
  get objectBytes(): number {
    return this.starts[4] - this.starts[3];
  }
  /** The object's canonical JSON text, as stored. */
  get objectJson(): string {
    return this.field(3, 'object');
  }
  /** The object parsed (the one expensive read; not checked for canonical form). */
  get object(): JsonValue {
    try {
      return JSON.parse(this.objectJson) as JsonValue;
    } catch (error) {
      throw new InvalidRecordError('object', 'is not valid JSON', { cause: error });
    }
  }
}
