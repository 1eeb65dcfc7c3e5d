// A zero-copy view of an encoded retraction: the retracted assertion's hash bytes, the source
// and the reason read in place. Construction checks the structure (header, flags, an absent
// reason's zero length, the reserved word, lengths); text fields are checked for UTF-8 when read.
import { InvalidRecordError } from '../errors.js';
import { hashFromBytes } from './hash.js';
import { hashBytes, retractionLayout as R } from './layout.js';
import { Reader } from './reader.js';
import type { Hash } from './types.js';

export class RetractionView {
  readonly type = 'retraction';
  private readonly r: Reader;
  private readonly flagBits: number;

  constructor(bytes: Uint8Array) {
    this.r = new Reader(bytes, 'retraction', R.fixedBytes);
    this.flagBits = this.r.flags(R.flags, R.flagReason);
    if (!(this.flagBits & R.flagReason) && this.r.u32(R.reasonBytes) !== 0) {
      throw new InvalidRecordError('reason', 'has bytes but its flag says it is absent');
    }
    this.r.zero(R.reserved, R.reserved + 4, 'reserved word');
    this.r.spans(R.fixedBytes, [this.r.u32(R.sourceBytes), this.r.u32(R.reasonBytes)]);
  }

  get createdAt(): number {
    return this.r.u64(R.createdAt, 'createdAt');
  }
  /** The retracted assertion's hash as a subarray of the record's bytes (no copy: do not mutate). */
  get assertionHashBytes(): Uint8Array {
    return this.r.bytes.subarray(R.assertion, R.assertion + hashBytes);
  }
  get assertion(): Hash {
    return hashFromBytes(this.assertionHashBytes);
  }
  get source(): string {
    return this.r.text(R.fixedBytes, this.r.u32(R.sourceBytes), 'source');
  }
  get reason(): string | undefined {
    if (!(this.flagBits & R.flagReason)) return undefined;
    return this.r.text(R.fixedBytes + this.r.u32(R.sourceBytes), this.r.u32(R.reasonBytes), 'reason');
  }
}
