// Reads a pair's unscoped summary from a B: value of either form (pair-state.ts): an inline one
// by decoding it, an indexed one from its head and its P: entries (pair-index.ts): the first
// rank entries (each with its candidate's numbers), each candidate's first live assertions, and
// its object from the first one's stored record. Work: the candidates and assertions asked
// for, not the pair.
import { openView, type AssertionView, type Hash } from '../records/index.js';
import type { KVEntry, ScanOptions } from '../storage/index.js';
import { assertionKey } from './keys.js';
import { candidateAssertionsPrefix, decodeRankValue, rankPrefix } from './pair-index.js';
import { decodePairHead, decodeSummary, pairForm, type StoredCandidate, type StoredSummary } from './pair-state.js';

/** What reading a pair needs of a store or a transaction. */
export interface PairReader {
  get(key: Uint8Array): Uint8Array | undefined;
  scanPrefix(prefix: Uint8Array, options?: ScanOptions): Iterable<KVEntry>;
}

/** The pair's summary with at most `candidatesMax` candidates and `assertionsMax` assertions listed for each. */
export function readPairSummary(reader: PairReader, value: Uint8Array, candidatesMax = Infinity, assertionsMax = Infinity): StoredSummary {
  if (pairForm(value) === 'inline') return decodeSummary(value, candidatesMax, assertionsMax);
  const head = decodePairHead(value);
  const candidates: StoredCandidate[] = [];
  const limit = (max: number): ScanOptions => (max === Infinity ? {} : { limit: max });
  for (const { value } of [...reader.scanPrefix(rankPrefix(head.id), limit(candidatesMax))]) {
    const { digest, support, oppose, score, supporters, live } = decodeRankValue(value);
    const assertions: Hash[] = [];
    let first: Uint8Array | undefined;
    for (const { value: hash } of reader.scanPrefix(candidateAssertionsPrefix(head.id, digest), limit(Math.max(assertionsMax, 1)))) {
      first ??= hash;
      if (assertions.length < assertionsMax) assertions.push(Buffer.from(hash).toString('hex') as Hash);
    }
    const record = first === undefined ? undefined : reader.get(assertionKey(first));
    if (record === undefined) throw new RangeError('a candidate has no stored live assertion');
    candidates.push({ objectJson: (openView(record) as AssertionView).objectJson, support, oppose, score, supporters, assertions, assertionCount: live });
  }
  return {
    subject: head.subject,
    predicate: head.predicate,
    contested: head.contested,
    consensus: head.consensus,
    candidates,
    candidateCount: head.candidates,
    hasBest: head.hasBest,
  };
}
