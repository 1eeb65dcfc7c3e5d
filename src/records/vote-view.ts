// A zero-copy view of an encoded vote: what a tally needs (the assertion's hash bytes, stance,
// weight, voter) read in place. Construction checks the structure (header, flags, stance
// code, padding, length); the voter's UTF-8 is checked when read.
import { InvalidRecordError } from '../errors.js';
import { hashFromBytes } from './hash.js';
import { hashBytes, voteLayout as V } from './layout.js';
import { Reader } from './reader.js';
import type { EpochId, Hash } from './types.js';

export class VoteView {
  readonly type = 'vote';
  private readonly r: Reader;
  private readonly flagBits: number;

  constructor(bytes: Uint8Array) {
    this.r = new Reader(bytes, 'vote', V.fixedBytes);
    this.flagBits = this.r.flags(V.flags, V.flagEpoch);
    if (!(this.flagBits & V.flagEpoch)) this.r.zero(V.epoch, V.epoch + 8, 'slot of an absent epoch');
    const stance = this.r.bytes[V.stance]!;
    if (stance > 1) throw new InvalidRecordError('stance', `unknown stance code ${stance}`);
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
  /** The voted assertion's hash as a subarray of the record's bytes (no copy: do not mutate). */
  get assertionHashBytes(): Uint8Array {
    return this.r.bytes.subarray(V.assertion, V.assertion + hashBytes);
  }
  get assertion(): Hash {
    return hashFromBytes(this.assertionHashBytes);
  }
  get voter(): string {
    return this.r.text(V.fixedBytes, this.r.u32(V.voterBytes), 'voter');
  }
}
