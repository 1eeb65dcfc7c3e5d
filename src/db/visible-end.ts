// Where the log is visible to queries: the LSN below which every logged record is queryable.
// The change feed reads no further, so a change never arrives before its record can be read.
// A record is queryable once the ingestor's checkpoint passes it, or, for a visible write, once
// the write path has put it in the overlay. Appends are numbered in the order they are queued
// (their LSN order), and the end advances over completed appends in that order only, so a
// batch that resumes early never makes an earlier, unpublished one look visible.
// Invariants: end() only grows; end() <= the WAL's durable end.
import { assert } from '../errors.js';

interface Done {
  /** The batch's first record's LSN and the LSN just past its last; undefined if the append failed. */
  lsn?: number;
  endLsn?: number;
  /** Put in the overlay (queryable now) rather than left to ingest ({visible: false}). */
  visible: boolean;
}

export class VisibleEnd {
  /** Appends queued so far, and the next one whose completion has not been taken in. */
  private queued = 0;
  private nextSeq = 0;
  /** Completions that arrived ahead of an earlier append, by sequence number. */
  private readonly early = new Map<number, Done>();
  /** End of the last batch taken in, in order: every record below it is published or hidden. */
  private publishedEnd: number;
  /** {visible: false} batches taken in whose records ingest has not passed yet, in LSN order. */
  private hidden: Array<{ lsn: number; endLsn: number }> = [];
  private checkpointLsn: number;
  private lastEnd: number;
  private waiters: Array<() => void> = [];

  /** `startLsn`: where the log ends and ingest has caught up (open waits for that). */
  constructor(startLsn: number) {
    this.publishedEnd = startLsn;
    this.checkpointLsn = startLsn;
    this.lastEnd = startLsn;
  }

  /** Called right before an append is queued in the WAL: its place in LSN order. */
  begin(): number {
    return this.queued++;
  }

  /** Called once append `seq` has been published in the overlay (visible) or left to ingest, or has failed. */
  complete(seq: number, done: Done): void {
    this.early.set(seq, done);
    for (let next = this.early.get(this.nextSeq); next !== undefined; next = this.early.get(this.nextSeq)) {
      this.early.delete(this.nextSeq++);
      if (next.lsn === undefined || next.endLsn === undefined) continue;
      assert(next.lsn >= this.publishedEnd, 'appends complete in LSN order once sequenced');
      if (!next.visible) this.hidden.push({ lsn: next.lsn, endLsn: next.endLsn });
      this.publishedEnd = next.endLsn;
    }
    this.changed();
  }

  /** Called after each ingest batch: records below `checkpointLsn` are in the KV store. */
  ingested(checkpointLsn: number): void {
    this.checkpointLsn = Math.max(this.checkpointLsn, checkpointLsn);
    this.changed();
  }

  /** The LSN below which every logged record is queryable. */
  end(): number {
    let drop = 0;
    while (drop < this.hidden.length && this.hidden[drop]!.endLsn <= this.checkpointLsn) drop++;
    if (drop > 0) this.hidden = this.hidden.slice(drop);
    const published = this.hidden.length > 0 ? Math.min(this.publishedEnd, this.hidden[0]!.lsn) : this.publishedEnd;
    const end = Math.max(this.checkpointLsn, published);
    assert(end >= this.lastEnd, 'the visible end only grows');
    this.lastEnd = end;
    return end;
  }

  /**
   * Resolves true once end() passes `lsn`; false if `signal` aborts first. Each waiter is one
   * closure until the next change: nothing piles up for a subscriber that waits long.
   */
  async waitBeyond(lsn: number, signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted && this.end() <= lsn) {
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    return !signal.aborted;
  }

  private changed(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
