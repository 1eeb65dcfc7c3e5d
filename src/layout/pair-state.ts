// The values of the belief families (B:, Q:, K:), JSON so an operator can read them. The
// inputs (Q:) are what the ingestor needs to update a pair's summary without reading its
// records again: its live assertions and, per (assertion, voter), the latest vote. A record
// that is no longer live never becomes live again, so it and its votes leave the inputs.
import type { BeliefSummary } from '../beliefs/index.js';
import type { Hash } from '../records/index.js';

/** A live assertion of the pair: hash, object's canonical JSON, source, first LSN. */
export type InputAssertion = [hash: Hash, objectJson: string, source: string, lsn: number];
/** A voter's latest vote on one live assertion of the pair. */
export type InputVote = [assertion: Hash, voter: string, stance: 'support' | 'oppose', weight: number, createdAt: number, lsn: number];

export interface PairInputs {
  subject: string;
  predicate: string;
  assertions: InputAssertion[];
  votes: InputVote[];
  /** Whether the pair's K: entry exists (its summary is contested). */
  contested: boolean;
}

/** A pair's unscoped summary, as B: holds it. */
export interface StoredSummary extends BeliefSummary {
  subject: string;
  predicate: string;
}

/** K: while the pair is contested. */
export interface ContestedEntry {
  subject: string;
  predicate: string;
  consensus: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJsonValue = (value: PairInputs | StoredSummary | ContestedEntry): Uint8Array => encoder.encode(JSON.stringify(value));
export const decodeInputs = (bytes: Uint8Array): PairInputs => JSON.parse(decoder.decode(bytes)) as PairInputs;
export const decodeSummary = (bytes: Uint8Array): StoredSummary => JSON.parse(decoder.decode(bytes)) as StoredSummary;
export const decodeContested = (bytes: Uint8Array): ContestedEntry => JSON.parse(decoder.decode(bytes)) as ContestedEntry;
