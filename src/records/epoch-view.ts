// A zero-copy view of an encoded epoch. Construction checks the structure (header, flags,
// the absent parent's slot, an absent description's zero length, lengths); text fields are
// checked for UTF-8 when read.
import { InvalidRecordError } from '../errors.js';
import { epochLayout as E } from './layout.js';
import { Reader } from './reader.js';
import type { EpochId } from './types.js';

export class EpochView {
  readonly type = 'epoch';
  private readonly r: Reader;
  private readonly flagBits: number;

  constructor(bytes: Uint8Array) {
    this.r = new Reader(bytes, 'epoch', E.fixedBytes);
    this.flagBits = this.r.flags(E.flags, E.flagDescription | E.flagParent);
    if (!(this.flagBits & E.flagParent)) this.r.zero(E.parent, E.parent + 8, 'slot of an absent parent');
    if (!(this.flagBits & E.flagDescription) && this.r.u32(E.descriptionBytes) !== 0) {
      throw new InvalidRecordError('description', 'has bytes but its flag says it is absent');
    }
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
