// The KV store's bookkeeping values: the ingest checkpoint (M:checkpoint), the layout version
// (M:layout) and the record counters (C:{name}), all u64 little-endian. The checkpoint is
// written in the same transaction as the records it covers, so it names a batch boundary.
import type { KVReader, KVTransaction } from '../storage/index.js';
import { counterKey, metaKey } from './keys.js';
import { readU64, writeU64 } from './u64.js';

/** The names under M: (the only ones: key-bounds.ts takes the longest). */
export const metaNames = ['checkpoint', 'layout', 'pairs'] as const;
export const checkpointKey = metaKey('checkpoint');
const layoutVersionKey = metaKey('layout');
/**
 * The version of this layout, stored with every batch. A store written under another version
 * (an older StemeDB) is rebuilt from the WAL at open, or refused when the WAL is incomplete.
 * 2: subject keys carry the predicate digest and the first LSN; the O:, A:, L: and T: indexes.
 * 3: the belief families (B: summary + inputs, K:); F: (first status change); L: values hold primary keys.
 * 4: B: values are binary (pair-state.ts), not JSON.
 * 5: exact sums and log order (a vote's createdAt left the inline B: value); a large pair's
 *    state in P: entries under an indexed B: head (pair-index.ts); M:pairs.
 * 6: the memory graph's family G: (graph.ts).
 */
export const layoutVersion = 6;
export const counterNames = ['assertions', 'votes', 'epochs', 'retractions', 'deadLetters'] as const;
export type CounterName = (typeof counterNames)[number];
export type Counts = Record<CounterName, number>;

export function zeroCounts(): Counts {
  return { assertions: 0, votes: 0, epochs: 0, retractions: 0, deadLetters: 0 };
}

/** The LSN up to which the store holds every logged record (0 for an empty store). */
export function readCheckpoint(reader: KVReader): number {
  const value = reader.get(checkpointKey);
  return value === undefined ? 0 : readU64(value);
}

export function writeCheckpoint(tx: KVTransaction, lsn: number): void {
  tx.put(checkpointKey, writeU64(lsn));
}

/** The layout version the store was written with: undefined for an empty store, 1 for a store from before versions were kept. */
export function readLayoutVersion(reader: KVReader): number | undefined {
  const value = reader.get(layoutVersionKey);
  if (value !== undefined) return readU64(value);
  return reader.get(checkpointKey) === undefined ? undefined : 1;
}

export function writeLayoutVersion(tx: KVTransaction): void {
  tx.put(layoutVersionKey, writeU64(layoutVersion));
}

export function readCounter(reader: KVReader, name: CounterName): number {
  const value = reader.get(counterKey(name));
  return value === undefined ? 0 : readU64(value);
}

/** Adds `added` to the stored counters (a counter that did not move is not rewritten). */
export function addCounts(tx: KVTransaction, added: Counts): void {
  for (const name of counterNames) {
    if (added[name] === 0) continue;
    tx.put(counterKey(name), writeU64(readCounter(tx, name) + added[name]));
  }
}
