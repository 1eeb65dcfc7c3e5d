// The write path: checks a batch must pass (votes name a known assertion; an epoch id is
// defined once, under a lock), logs it with one durable WAL append, hands the prepared
// records to the ingestor and publishes them in the overlay, where every query sees them.
// Invariant: a write resolves only after its bytes are durable; unless {visible: false}, also
// after they are queryable. When the overlay holds more than overlayRecordsMax records, writers
// wait for ingest instead: that bounds its memory and slows writers to the rate LMDB absorbs.
import { ingestHandOffRecordsMax, overlayRecordsMax } from '../limits.js';
import type { Ingestor } from '../ingest/index.js';
import type { PreparedRecord } from '../records/index.js';
import type { KVStore } from '../storage/index.js';
import type { Wal } from '../wal/index.js';
import type { Overlay, OverlayEntry } from './overlay.js';
import type { RecordLog, WriteOptions, WriteResult } from './record-log.js';
import { storedPairOf, storeHolds, type Reads } from './queries.js';
import type { VisibleEnd } from './visible-end.js';
import { checkEpochs, checkTargets, checkVotes } from './write-checks.js';

export type { WriteOptions, WriteResult } from './record-log.js';

export class WritePath implements RecordLog {
  /** End LSN of the last {visible: false} write: the checks wait for ingest to pass it. */
  private invisibleEndLsn = 0;
  /** Records logged through this path since open. */
  private logged = 0;
  private epochLock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly wal: Wal,
    private readonly store: KVStore,
    private readonly ingestor: Ingestor,
    private readonly overlay: Overlay,
    private readonly visibleEnd: VisibleEnd,
  ) {}

  /** Records logged by this process since open. */
  get recordsLogged(): number {
    return this.logged;
  }

  /** What queries read, with the overlay trimmed to what the KV store does not hold yet. */
  reads(): Reads {
    this.overlay.evictThrough(this.ingestor.checkpoint);
    return { store: this.store, overlay: this.overlay };
  }

  /** Checks, logs and publishes `batch` (validated, encoded and hashed by prepareRecord). */
  async write(batch: PreparedRecord[], options: WriteOptions | undefined): Promise<WriteResult[]> {
    await checkVotes(this.reads(), this.settle, batch);
    await checkTargets(this.reads(), this.settle, batch);
    if (!batch.some(({ record }) => record.type === 'epoch')) return this.log(batch, options);
    // Epoch definitions are checked and logged one batch at a time, so two conflicting
    // definitions cannot both pass the check.
    const run = this.epochLock.then(async () => {
      const known = await checkEpochs(this.reads(), this.settle, batch);
      const logged = await this.log(batch.filter((_, i) => known[i] === undefined), options);
      let next = 0;
      return batch.map((_, i) => known[i] ?? logged[next++]!);
    });
    this.epochLock = run.catch(() => undefined);
    return run;
  }

  /**
   * Logs records read from a cluster's stream (src/db/cluster-node.ts): no checks (the node that
   * published them checked them, and the stream's order is the truth), visible when it resolves.
   */
  append(batch: PreparedRecord[]): Promise<WriteResult[]> {
    return this.log(batch, undefined);
  }

  /**
   * Logs payloads read from a cluster's stream that are not records: ingest files them as dead
   * letters, as it would any bad payload in the WAL. Never in the overlay (nothing to query).
   */
  async appendUnreadable(payloads: Uint8Array[]): Promise<void> {
    const seq = this.visibleEnd.begin();
    try {
      const { lsns, nextLsns } = await this.wal.appendBatch(payloads);
      this.visibleEnd.complete(seq, { lsn: lsns[0]!, endLsn: nextLsns[nextLsns.length - 1]!, visible: false });
      this.invisibleEndLsn = Math.max(this.invisibleEndLsn, nextLsns[nextLsns.length - 1]!);
    } catch (error) {
      this.visibleEnd.complete(seq, { visible: false });
      throw error;
    }
  }

  /** Waits until every {visible: false} write so far is ingested (at once when there is none pending). */
  private readonly settle = (): Promise<void> => this.ingestor.waitFor(this.invisibleEndLsn);

  private async log(batch: PreparedRecord[], options: WriteOptions | undefined): Promise<WriteResult[]> {
    if (batch.length === 0) return [];
    // Sequenced right before the append is queued: the WAL places appends in the order queued.
    const seq = this.visibleEnd.begin();
    let appended: { lsns: readonly number[]; nextLsns: readonly number[] };
    try {
      appended = await this.wal.appendBatch(batch.map((p) => p.bytes));
    } catch (error) {
      this.visibleEnd.complete(seq, { visible: false });
      throw error;
    }
    const { lsns, nextLsns } = appended;
    this.logged += batch.length;
    this.ingestor.handOff(lsns, batch);
    const results = batch.map(({ hash }, i) => ({ hash, lsn: lsns[i]! }));
    const endLsn = nextLsns[nextLsns.length - 1]!;
    if (options?.visible === false) {
      this.invisibleEndLsn = Math.max(this.invisibleEndLsn, endLsn);
      this.visibleEnd.complete(seq, { lsn: lsns[0]!, endLsn, visible: false });
      // Such writes skip the overlay, but their hand-offs wait in memory for the ingestor: past
      // ingestHandOffRecordsMax of them, the writer waits for ingest to reach this batch, so a
      // bulk load runs at the rate ingest absorbs instead of holding the whole load in memory.
      if (this.ingestor.handedOff > ingestHandOffRecordsMax) await this.ingestor.waitFor(lsns[0]!);
      return results;
    }
    const entries: OverlayEntry[] = batch.map(({ record, hash, bytes }, i) => {
      return { record, hash, bytes, lsn: lsns[i]!, endLsn: nextLsns[i]!, stored: false };
    });
    const checkpoint = this.ingestor.checkpoint;
    try {
      for (const entry of entries) entry.stored = storeHolds(this.store, entry);
      this.overlay.evictThrough(checkpoint);
      this.overlay.add(entries, checkpoint, storedPairOf(this.store));
    } catch (error) {
      // Not published: the records become visible when ingested, and the feed waits for that.
      this.visibleEnd.complete(seq, { lsn: lsns[0]!, endLsn, visible: false });
      throw error;
    }
    this.visibleEnd.complete(seq, { lsn: lsns[0]!, endLsn, visible: true });
    if (this.overlay.size > overlayRecordsMax) await this.ingestor.waitFor(endLsn);
    return results;
  }
}
