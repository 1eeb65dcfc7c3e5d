// The background worker that tails the WAL from the KV store's checkpoint and applies records
// in batches, one transaction each. Invariants: the checkpoint only grows, never passes the
// WAL's durable end, and is written with the records it covers; a KV failure is retried with
// backoff on the same batch (never skipping a record); WAL segments are deleted only below a
// checkpoint the store has confirmed durable. A batch the store keeps refusing is retried at
// most ingestAttemptsMax times; then ingest stops with a fatal error: it never skips it.
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { assert, StorageError } from '../errors.js';
import { ingestAttemptsMax, ingestBatchBytesMax, ingestBatchRecordsMax, ingestRetryDelayMsMax, ingestRetryDelayMsMin } from '../limits.js';
import { readCheckpoint, type Counts } from '../layout/index.js';
import type { KVStore } from '../storage/index.js';
import type { Wal } from '../wal/index.js';
import type { IngestEntry, Prepared } from './apply.js';
import { inThreadApplier, type BatchApplier } from './applier.js';
import type { PairLimits } from './pair-summaries.js';

export interface IngestorOptions {
  wal: Wal;
  store: KVStore;
  /** Where batches are applied (default: `store`'s transactions on this thread, with `pairLimits`). */
  applier?: BatchApplier;
  /** When a pair's belief state leaves the inline form, for the default applier (default: src/limits.ts). */
  pairLimits?: PairLimits;
  /** Keep every WAL segment (default true); false deletes segments below the durable checkpoint. */
  retainWal?: boolean;
  batchRecordsMax?: number;
  /**
   * After a batch that caught up with the WAL, wait this long for more records before the
   * next commit, unless someone is waiting for ingest (waitFor). Default 0: apply at once.
   * The database sets it when queries read unapplied records from memory: fewer, larger LMDB
   * commits, each of which blocks the thread for its fsync.
   */
  paceMs?: number;
  /** Attempts at one batch before ingest stops with a fatal error (default ingestAttemptsMax). */
  attemptsMax?: number;
  /** Backoff before the first retry, doubling up to ingestRetryDelayMsMax (default ingestRetryDelayMsMin). */
  retryDelayMsMin?: number;
}

/**
 * How ingest is doing: `ok` (applying, or idle and caught up), `retrying` (the store refused
 * the current batch `retries` times so far; it is retried with backoff), `failed` (stopped for
 * good: a damaged WAL, or the store refused one batch attemptsMax times; reopen to recover),
 * `stopped` (not running: before start, after stop, or paused).
 */
export interface IngestState {
  status: 'ok' | 'retrying' | 'failed' | 'stopped';
  /** Failed attempts at the current batch. */
  retries: number;
  lastError: Error | undefined;
}

export interface IngestProgress {
  /** LSN up to which records are applied and queryable. */
  checkpointLsn: number;
  /** The WAL's durable end LSN. */
  endLsn: number;
  /** Records applied since this ingestor started. */
  recordsApplied: number;
}

/** One applied batch: how many records, and how long its commit took (the apply round trip). */
export interface IngestBatch {
  records: number;
  commitMs: number;
}

interface IngestEvents {
  batch: [progress: IngestProgress, added: Counts, batch: IngestBatch];
  /** Every failure: each refused attempt at a batch (it is retried), and the fatal one. */
  failure: [error: Error];
  /** Ingest stopped for good (status `failed`): a damaged WAL, or a batch refused attemptsMax times. */
  fatal: [error: Error];
}

interface Waiter {
  lsn: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class Ingestor extends EventEmitter<IngestEvents> {
  private readonly wal: Wal;
  private readonly store: KVStore;
  private readonly applier: BatchApplier;
  private readonly retainWal: boolean;
  private readonly batchRecordsMax: number;
  private checkpointLsn: number;
  private applied = 0;
  private waiters: Waiter[] = [];
  /** Hand-offs by LSN, consumed as the tail reaches them. */
  private readonly prepared = new Map<number, Prepared>();
  /** LSN just past the last entry the tail yielded. */
  private readThroughLsn = 0;
  private abort: AbortController | undefined;
  private readonly paceMs: number;
  /** Ends the pause between paced batches early (a waiter arrived). */
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private truncating: Promise<void> | undefined;
  /** The last KV failure, until a batch succeeds again. */
  private retryingAfter: Error | undefined;
  /** Failed attempts at the current batch. */
  private retries = 0;
  private readonly attemptsMax: number;
  private readonly retryDelayMsMin: number;
  /** A failure the worker cannot get past (damaged WAL): it has stopped. */
  private fatal: Error | undefined;

  constructor(options: IngestorOptions) {
    super();
    this.wal = options.wal;
    this.store = options.store;
    this.applier = options.applier ?? inThreadApplier(options.store, options.pairLimits);
    this.retainWal = options.retainWal ?? true;
    this.batchRecordsMax = options.batchRecordsMax ?? ingestBatchRecordsMax;
    this.paceMs = options.paceMs ?? 0;
    this.attemptsMax = options.attemptsMax ?? ingestAttemptsMax;
    this.retryDelayMsMin = options.retryDelayMsMin ?? ingestRetryDelayMsMin;
    assert(Number.isSafeInteger(this.attemptsMax) && this.attemptsMax >= 1, 'attemptsMax is a positive integer');
    this.checkpointLsn = readCheckpoint(this.store);
  }

  get checkpoint(): number {
    return this.checkpointLsn;
  }

  get recordsApplied(): number {
    return this.applied;
  }

  /** The error that stopped or is delaying ingestion, if any. */
  get lastError(): Error | undefined {
    return this.fatal ?? this.retryingAfter;
  }

  state(): IngestState {
    const status = this.fatal !== undefined ? 'failed' : this.running === undefined ? 'stopped' : this.retryingAfter !== undefined ? 'retrying' : 'ok';
    return { status, retries: this.retries, lastError: this.lastError };
  }

  progress(): IngestProgress {
    return { checkpointLsn: this.checkpointLsn, endLsn: this.wal.recordsEndLsn, recordsApplied: this.applied };
  }

  start(): void {
    assert(this.running === undefined, 'the ingestor is started once');
    this.fatal = undefined;
    this.checkpointLsn = readCheckpoint(this.store);
    this.retries = 0;
    this.retryingAfter = undefined;
    const abort = new AbortController();
    this.abort = abort;
    this.running = this.run(abort.signal).catch((error: unknown) => {
      this.fatal = error as Error;
      this.rejectWaiters(this.fatal);
      this.emit('failure', this.fatal);
      this.emit('fatal', this.fatal);
    });
  }

  /** Stops at a batch boundary (an applied batch is never cut short). */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    await this.truncating;
    this.running = undefined;
    this.abort = undefined;
  }

  /**
   * Hands over records the caller has just logged at `lsns`, already validated and hashed,
   * so applying them needs no decode. Optional: a record without a hand-off is decoded.
   */
  handOff(lsns: readonly number[], prepared: readonly Prepared[]): void {
    for (let i = 0; i < lsns.length; i++) {
      // Too late once the tail has passed it: it was (or is being) decoded instead.
      if (lsns[i]! >= this.readThroughLsn) this.prepared.set(lsns[i]!, prepared[i]!);
    }
  }

  /** Records handed off and not yet read by the tail: what they hold in memory until ingest reaches them. */
  get handedOff(): number {
    return this.prepared.size;
  }

  /** Resolves once every record before `lsn` is applied (queryable). */
  waitFor(lsn: number): Promise<void> {
    if (this.checkpointLsn >= lsn) return Promise.resolve();
    const failure = this.lastError;
    if (failure !== undefined) return Promise.reject(this.notVisible(failure));
    const waiting = new Promise<void>((resolve, reject) => this.waiters.push({ lsn, resolve, reject }));
    this.wake?.();
    return waiting;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let batch: IngestEntry[] = [];
    let batchBytes = 0;
    for await (const entries of this.wal.tailChunks(this.checkpointLsn, signal)) {
      for (const { lsn, nextLsn, payload } of entries) {
        this.readThroughLsn = nextLsn;
        const prepared = this.prepared.get(lsn);
        if (prepared !== undefined) this.prepared.delete(lsn);
        batch.push({ lsn, nextLsn, payload, prepared });
        batchBytes += payload.length;
        // Apply when the batch is full or the tail has caught up with what is durable. Compare with
        // recordsEndLsn, not endLsn: after a crash during a roll the newest segment holds only its
        // header, endLsn is past that header, and no record ends there, so the last records of the
        // previous segment would wait (and open's waitFor hang) until someone appended again.
        const full = batch.length >= this.batchRecordsMax || batchBytes >= ingestBatchBytesMax;
        if (full || nextLsn >= this.wal.recordsEndLsn || signal.aborted) {
          const caughtUp = !full;
          await this.applyWithRetry(batch, signal);
          batch = [];
          batchBytes = 0;
          if (signal.aborted) return;
          if (caughtUp) await this.pace(signal);
        }
      }
    }
  }

  /** Pauses up to paceMs so that records arriving meanwhile share the next commit. */
  private async pace(signal: AbortSignal): Promise<void> {
    if (this.paceMs <= 0 || this.waiters.length > 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.paceMs);
      signal.addEventListener('abort', done);
      this.wake = done;
    });
  }

  private async applyWithRetry(batch: IngestEntry[], signal: AbortSignal): Promise<void> {
    let delayMs = this.retryDelayMsMin;
    for (;;) {
      try {
        const startedMs = performance.now();
        const added = await this.applier.apply(batch);
        const commitMs = performance.now() - startedMs;
        this.retryingAfter = undefined;
        this.retries = 0;
        this.advance(batch, added, commitMs);
        return;
      } catch (error) {
        this.retries += 1;
        if (this.retries >= this.attemptsMax) {
          // Thrown out of run(): start()'s handler records it as fatal and tells the waiters.
          throw new StorageError(`ingest stopped after ${this.retries} failed attempts at the batch from LSN ${batch[0]!.lsn} (${(error as Error).message}); nothing was skipped: reopen the database once the cause is fixed`, { cause: error });
        }
        this.retryingAfter = error as Error;
        this.rejectWaiters(this.notVisible(error as Error));
        this.emit('failure', error as Error);
        try {
          await sleep(delayMs, undefined, { signal });
        } catch {
          return; // stopped while backing off: the batch stays unapplied and is replayed later
        }
        delayMs = Math.min(delayMs * 2, ingestRetryDelayMsMax);
      }
    }
  }

  private advance(batch: IngestEntry[], added: Counts, commitMs: number): void {
    const next = batch[batch.length - 1]!.nextLsn;
    assert(next > this.checkpointLsn && next <= this.wal.endLsn, 'the checkpoint grows and stays within the durable WAL');
    this.checkpointLsn = next;
    this.applied += batch.length;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) (waiter.lsn <= next ? waiter.resolve() : still.push(waiter));
    this.waiters = still;
    this.emit('batch', this.progress(), added, { records: batch.length, commitMs });
    this.maybeTruncate();
  }

  /** Deletes sealed segments below the checkpoint, once the store has made it durable. */
  private maybeTruncate(): void {
    const sealedEnd = this.wal.oldestSealedEndLsn;
    if (this.retainWal || this.truncating !== undefined || sealedEnd === undefined || sealedEnd > this.checkpointLsn) return;
    const checkpoint = this.checkpointLsn;
    this.truncating = this.applier
      .flushed()
      .then(() => this.wal.truncateBefore(checkpoint))
      .then(
        () => undefined,
        (error: unknown) => void this.emit('failure', error as Error),
      )
      .finally(() => {
        this.truncating = undefined;
      });
  }

  private notVisible(cause: Error): StorageError {
    return new StorageError(`ingest failed (${cause.message}); the record is durable in the WAL and becomes visible when ingestion recovers`, { cause });
  }

  private rejectWaiters(error: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}
