// The KV store's bookkeeping values: the ingest checkpoint (M:checkpoint) and the record
// counters (C:{name}), both u64 little-endian. The checkpoint is written in the same
// transaction as the records it covers, so it names exactly a batch boundary.
import type { KVReader, KVTransaction } from '../storage/index.js';
import { counterKey, metaKey } from './keys.js';
import { readU64, writeU64 } from './u64.js';

export const checkpointKey = metaKey('checkpoint');
export const counterNames = ['assertions', 'votes', 'epochs', 'deadLetters'] as const;
export type CounterName = (typeof counterNames)[number];
export type Counts = Record<CounterName, number>;

export function zeroCounts(): Counts {
  return { assertions: 0, votes: 0, epochs: 0, deadLetters: 0 };
}

/** The LSN up to which the store holds every logged record (0 for an empty store). */
export function readCheckpoint(reader: KVReader): number {
  const value = reader.get(checkpointKey);
  return value === undefined ? 0 : readU64(value);
}

export function writeCheckpoint(tx: KVTransaction, lsn: number): void {
  tx.put(checkpointKey, writeU64(lsn));
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
