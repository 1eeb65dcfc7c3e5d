// Where an ingest batch is applied: one KV transaction holding the batch's records, counters
// and checkpoint. In this thread (any KVStore: what tests with a MemoryStore use), or on a
// worker thread with its own handle on the same LMDB environment (worker-applier.ts), so the
// commit, and the fsync it waits for, never blocks the thread that serves reads and writes.
import type { KVStore } from '../storage/index.js';
import type { Counts } from '../layout/index.js';
import { applyRefusing, type IngestEntry } from './apply.js';

export interface BatchApplier {
  /** Applies `batch` in one transaction; resolves what it added once reads here can see it. */
  apply(batch: readonly IngestEntry[]): Promise<Counts>;
  /** Resolves once every applied batch is durable on disk. */
  flushed(): Promise<void>;
  /** Releases what the applier holds (not the store). */
  close(): Promise<void>;
}

/** Applies batches through `store`'s own transactions, on this thread. */
export function inThreadApplier(store: KVStore): BatchApplier {
  return {
    apply: (batch) => applyRefusing(store, batch),
    flushed: () => store.flushed(),
    close: () => Promise.resolve(),
  };
}
