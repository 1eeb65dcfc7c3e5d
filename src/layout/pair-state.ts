// The values of the belief families (B:, K:), JSON so an operator can read them. A B: value
// is the pair's summary, then its inputs: [summary bytes u32 LE][summary JSON][inputs JSON].
// Reads parse the summary alone; the ingestor parses the inputs, what it needs to update the
// summary without reading the pair's records again: the live assertions and, per (assertion,
// voter), the latest vote. A record that is no longer live never becomes live again, so it
// and its votes leave the inputs. One value, not two keys: one put per pair a batch touches.
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

export const encodeJsonValue = (value: ContestedEntry): Uint8Array => encoder.encode(JSON.stringify(value));

/** A B: value: the summary, then the inputs. */
export function encodePairValue(summary: StoredSummary, inputs: PairInputs): Uint8Array {
  const head = encoder.encode(JSON.stringify(summary));
  const tail = encoder.encode(JSON.stringify(inputs));
  const value = new Uint8Array(4 + head.length + tail.length);
  new DataView(value.buffer).setUint32(0, head.length, true);
  value.set(head, 4);
  value.set(tail, 4 + head.length);
  return value;
}

function summaryBytes(value: Uint8Array): number {
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0, true);
}

export const decodeSummary = (value: Uint8Array): StoredSummary => JSON.parse(decoder.decode(value.subarray(4, 4 + summaryBytes(value)))) as StoredSummary;
export const decodeInputs = (value: Uint8Array): PairInputs => JSON.parse(decoder.decode(value.subarray(4 + summaryBytes(value)))) as PairInputs;
export const decodeContested = (bytes: Uint8Array): ContestedEntry => JSON.parse(decoder.decode(bytes)) as ContestedEntry;
