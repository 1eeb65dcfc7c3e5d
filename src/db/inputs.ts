// What callers pass to write: plain strings and numbers (validation turns them into branded
// Hash/EpochId values), with createdAt optional (the write time when absent).
import type { JsonValue } from '../records/index.js';

export interface AssertionInput {
  subject: string;
  predicate: string;
  object: JsonValue;
  source: string;
  confidence?: number;
  epoch?: number;
  /** The hash of an earlier assertion by the same source, with the same subject and predicate, that this one replaces. */
  supersedes?: string;
  createdAt?: number;
}

export interface RetractionInput {
  /** The retracted assertion's hash, 64 lowercase hex characters. */
  assertion: string;
  /** Who takes it back: must be the assertion's source. */
  source: string;
  reason?: string;
  createdAt?: number;
}

export interface VoteInput {
  /** The assertion's hash, 64 lowercase hex characters. */
  assertion: string;
  voter: string;
  stance: 'support' | 'oppose';
  weight?: number;
  epoch?: number;
  createdAt?: number;
}

export interface EpochInput {
  id: number;
  name: string;
  description?: string;
  parent?: number;
  createdAt?: number;
}

/** One record of a batch (appendBatch, import): the input with its `type`. */
export type RecordInput =
  | (AssertionInput & { type: 'assertion' })
  | (VoteInput & { type: 'vote' })
  | (EpochInput & { type: 'epoch' })
  | (RetractionInput & { type: 'retraction' });
