// What the database reports as it works, for metrics: each write call, each WAL group commit,
// each ingest batch. The library takes no metrics dependency: a surface (the HTTP server turns
// these into prom-client metrics) subscribes with observe(); with no observer, nothing is
// measured beyond two clock reads per write. Observers must be cheap and must not throw: a
// throwing observer is reported to the log and does not fail the write it observed.
import type { ErrorCode } from '../errors.js';

/** A record's kind as a write call saw it: `unknown` for an input whose `type` names no kind. */
export type WriteKind = 'assertion' | 'vote' | 'retraction' | 'epoch' | 'unknown';

/** How a write call ended: `ok`, the StemeError code it failed with, or INTERNAL for anything else. */
export type WriteOutcome = 'ok' | ErrorCode | 'INTERNAL';

export interface WriteEvent {
  /** `single`: assert, vote, retract, defineEpoch; `batch`: appendBatch. */
  call: 'single' | 'batch';
  /** Records in the call, by kind. */
  kinds: Partial<Record<WriteKind, number>>;
  outcome: WriteOutcome;
  /** From the call to its result: validation, WAL append (durable), visibility. */
  durationMs: number;
}

export interface DbObserver {
  /** A write call ended (successfully or not). */
  written?(event: WriteEvent): void;
  /** A WAL group commit became durable: records and bytes in one write, and its time. */
  walGroupCommitted?(event: { records: number; bytes: number; syncMs: number }): void;
  /** The ingestor applied a batch to the KV store: its records and its commit time. */
  ingestBatchApplied?(event: { records: number; commitMs: number }): void;
}

/** The observers of one database; calls each one, and keeps a throwing one from spreading. */
export class Observers {
  private readonly observers = new Set<DbObserver>();

  constructor(private readonly log: (message: string) => void) {}

  add(observer: DbObserver): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  get empty(): boolean {
    return this.observers.size === 0;
  }

  emit<K extends keyof DbObserver>(name: K, event: Parameters<NonNullable<DbObserver[K]>>[0]): void {
    for (const observer of this.observers) {
      try {
        (observer[name] as ((e: typeof event) => void) | undefined)?.call(observer, event);
      } catch (error) {
        this.log(`a database observer's ${name} threw: ${(error as Error).message}`);
      }
    }
  }
}
