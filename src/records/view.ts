// Zero-copy views over encoded records (a Buffer from the KV store or the WAL). Construction
// checks the structure cheaply — header, lengths, padding, flags, empty slots — and fields
// are read lazily in place: a vote's voter or an assertion's subject without decoding the
// assertion's `object`. Malformed bytes raise InvalidRecordError, never anything else.
import { InvalidRecordError } from '../errors.js';
import { hashFromBytes } from './hash.js';
import { assertionLayout as A, epochLayout as E, headerBytes, voteLayout as V } from './layout.js';
import { recordTypeNames, type EpochId, type Hash, type RecordType } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;

  constructor(bytes: Uint8Array, fixedBytes: number) {
    if (bytes.length < fixedBytes) throw new InvalidRecordError('', `truncated: ${bytes.length} bytes, the fixed part alone is ${fixedBytes}`);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(offset: number): number {
    return this.view.getUint32(offset, true);
  }

  u64(offset: number, field: string): number {
    const value = this.view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidRecordError(field, 'is larger than 2^53-1');
    return Number(value);
  }

  f64(offset: number): number {
    return this.view.getFloat64(offset, true);
  }

  zero(from: number, to: number, what: string): void {
    for (let i = from; i < to; i++) if (this.bytes[i] !== 0) throw new InvalidRecordError('', `non-zero ${what} at byte ${i}`);
  }

  flags(offset: number, known: number): number {
    const flags = this.u32(offset);
    if ((flags & ~known) !== 0) throw new InvalidRecordError('', `unknown flags 0x${flags.toString(16)}`);
    return flags;
  }

  /** Checks that the fixed part plus `lengths` is exactly the record's length. */
  spans(fixedBytes: number, lengths: number[]): void {
    const total = lengths.reduce((sum, n) => sum + n, fixedBytes);
    if (total > this.bytes.length) throw new InvalidRecordError('', `truncated: fields need ${total} bytes, the record has ${this.bytes.length}`);
    if (total < this.bytes.length) throw new InvalidRecordError('', `${this.bytes.length - total} trailing bytes`);
  }

  text(from: number, length: number, field: string): string {
    try {
      return utf8.decode(this.bytes.subarray(from, from + length));
    } catch {
      throw new InvalidRecordError(field, 'is not valid UTF-8');
    }
  }
}

/** The record type an encoded record declares, after checking its 8-byte header. */
export function recordTypeOf(bytes: Uint8Array): RecordType {
  if (bytes.length < headerBytes) throw new InvalidRecordError('', `truncated: ${bytes.length} bytes is shorter than the header`);
  const type = recordTypeNames[bytes[0]!];
  if (type === undefined) throw new InvalidRecordError('type', `unknown record type ${bytes[0]}`);
  for (let i = 1; i < headerBytes; i++) if (bytes[i] !== 0) throw new InvalidRecordError('', `non-zero header padding at byte ${i}`);
  return type;
}

export class AssertionView {
  readonly type = 'assertion';
  private readonly r: Reader;
  private readonly flagBits: number;
  private readonly lengths: [number, number, number, number];

  constructor(bytes: Uint8Array) {
    this.r = new Reader(bytes, A.fixedBytes);
    this.flagBits = this.r.flags(A.flags, A.flagConfidence | A.flagEpoch);
    if (!(this.flagBits & A.flagConfidence)) this.r.zero(A.confidence, A.confidence + 8, 'absent confidence slot');
    if (!(this.flagBits & A.flagEpoch)) this.r.zero(A.epoch, A.epoch + 8, 'absent epoch slot');
    this.r.zero(A.reserved, A.reserved + 4, 'reserved word');
    this.lengths = [this.r.u32(A.subjectBytes), this.r.u32(A.predicateBytes), this.r.u32(A.sourceBytes), this.r.u32(A.objectBytes)];
    this.r.spans(A.fixedBytes, this.lengths);
  }

  private field(index: number, name: string): string {
    let from = A.fixedBytes;
    for (let i = 0; i < index; i++) from += this.lengths[i]!;
    return this.r.text(from, this.lengths[index]!, name);
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
  get subject(): string {
    return this.field(0, 'subject');
  }
  get predicate(): string {
    return this.field(1, 'predicate');
  }
  get source(): string {
    return this.field(2, 'source');
  }
  /** The object's canonical JSON text (parse it only when you need the value). */
  get objectJson(): string {
    return this.field(3, 'object');
  }
}

export class VoteView {
  readonly type = 'vote';
  private readonly r: Reader;
  private readonly flagBits: number;

  constructor(bytes: Uint8Array) {
    this.r = new Reader(bytes, V.fixedBytes);
    this.flagBits = this.r.flags(V.flags, V.flagEpoch);
    if (!(this.flagBits & V.flagEpoch)) this.r.zero(V.epoch, V.epoch + 8, 'absent epoch slot');
    if (this.r.bytes[V.stance]! > 1) throw new InvalidRecordError('stance', `unknown stance code ${this.r.bytes[V.stance]}`);
    this.r.zero(V.stance + 1, V.assertion, 'stance padding');
    this.r.zero(V.reserved, V.reserved + 4, 'reserved word');
    this.r.spans(V.fixedBytes, [this.r.u32(V.voterBytes)]);
  }

  get createdAt(): number {
    return this.r.u64(V.createdAt, 'createdAt');
  }
  get weight(): number {
    return this.r.f64(V.weight);
  }
  get epoch(): EpochId | undefined {
    return this.flagBits & V.flagEpoch ? (this.r.u64(V.epoch, 'epoch') as EpochId) : undefined;
  }
  get stance(): 'support' | 'oppose' {
    return this.r.bytes[V.stance] === 0 ? 'support' : 'oppose';
  }
  /** The assertion's hash as a view into the record's bytes (no copy). */
  get assertionHashBytes(): Uint8Array {
    return this.r.bytes.subarray(V.assertion, V.assertion + 32);
  }
  get assertion(): Hash {
    return hashFromBytes(this.assertionHashBytes);
  }
  get voter(): string {
    return this.r.text(V.fixedBytes, this.r.u32(V.voterBytes), 'voter');
  }
}

export class EpochView {
  readonly type = 'epoch';
  private readonly r: Reader;
  private readonly flagBits: number;

  constructor(bytes: Uint8Array) {
    this.r = new Reader(bytes, E.fixedBytes);
    this.flagBits = this.r.flags(E.flags, E.flagDescription | E.flagParent);
    if (!(this.flagBits & E.flagParent)) this.r.zero(E.parent, E.parent + 8, 'absent parent slot');
    if (!(this.flagBits & E.flagDescription) && this.r.u32(E.descriptionBytes) !== 0) throw new InvalidRecordError('description', 'has bytes but is flagged absent');
    this.r.zero(E.reserved, E.reserved + 4, 'reserved word');
    this.r.spans(E.fixedBytes, [this.r.u32(E.nameBytes), this.r.u32(E.descriptionBytes)]);
  }

  get id(): EpochId {
    return this.r.u64(E.id, 'id') as EpochId;
  }
  get createdAt(): number {
    return this.r.u64(E.createdAt, 'createdAt');
  }
  get parent(): EpochId | undefined {
    return this.flagBits & E.flagParent ? (this.r.u64(E.parent, 'parent') as EpochId) : undefined;
  }
  get name(): string {
    return this.r.text(E.fixedBytes, this.r.u32(E.nameBytes), 'name');
  }
  get description(): string | undefined {
    if (!(this.flagBits & E.flagDescription)) return undefined;
    return this.r.text(E.fixedBytes + this.r.u32(E.nameBytes), this.r.u32(E.descriptionBytes), 'description');
  }
}

export type RecordView = AssertionView | VoteView | EpochView;

/** A view of the right kind over encoded bytes. */
export function openView(bytes: Uint8Array): RecordView {
  const type = recordTypeOf(bytes);
  if (type === 'assertion') return new AssertionView(bytes);
  return type === 'vote' ? new VoteView(bytes) : new EpochView(bytes);
}
