// What a record is: the four kinds as a discriminated union on `type`, and the branded
// types that must not be mixed up (a Hash is not any string, an EpochId not any number).

/** 64 lowercase hex characters: the BLAKE3-256 of a record's encoded bytes. */
export type Hash = string & { readonly __brand: 'Hash' };

/**
 * An epoch id: a safe integer 0..2^53-1. A number rather than a bigint because ids travel
 * through JSON in the CLI and the HTTP API, where a bigint does not survive.
 */
export type EpochId = number & { readonly __brand: 'EpochId' };

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A knowledge claim about a subject. */
export interface Assertion {
  type: 'assertion';
  subject: string;
  predicate: string;
  object: JsonValue;
  /** Who or what makes the claim. */
  source: string;
  /** 0..1 when given. */
  confidence?: number;
  epoch?: EpochId;
  /** The hash of an earlier assertion this one replaces. */
  supersedes?: Hash;
  /** Milliseconds since the Unix epoch; part of the identity, like a git commit's date. */
  createdAt: number;
}

/** A consensus vote on an assertion. */
export interface Vote {
  type: 'vote';
  assertion: Hash;
  voter: string;
  stance: 'support' | 'oppose';
  /** Finite and > 0; 1 when not given (a decoded vote always has it). */
  weight: number;
  epoch?: EpochId;
  createdAt: number;
}

/** A paradigm definition that frames when claims hold. */
export interface Epoch {
  type: 'epoch';
  id: EpochId;
  name: string;
  description?: string;
  parent?: EpochId;
  createdAt: number;
}

/**
 * Takes back an assertion. Only the assertion's author may (its `source` must be the
 * assertion's); the database checks that, as it needs the assertion, not this module.
 */
export interface Retraction {
  type: 'retraction';
  /** The retracted assertion's hash. */
  assertion: Hash;
  /** Who takes it back. */
  source: string;
  /** Why, in words; non-empty when given. */
  reason?: string;
  createdAt: number;
}

export type StemeRecord = Assertion | Vote | Epoch | Retraction;
export type RecordType = StemeRecord['type'];

/** The type byte at offset 0 of every encoded record. */
export const recordTypeCodes: Record<RecordType, number> = { assertion: 0, vote: 1, epoch: 2, retraction: 3 };
/** Indexed by type byte: recordTypeNames[recordTypeCodes[t]] === t. */
export const recordTypeNames: readonly RecordType[] = ['assertion', 'vote', 'epoch', 'retraction'];

/** The kind with its article, for messages: "an assertion", "a vote", "an epoch", "a retraction". */
export function withArticle(type: RecordType): string {
  return `${type === 'assertion' || type === 'epoch' ? 'an' : 'a'} ${type}`;
}
