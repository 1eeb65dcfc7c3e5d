// The public facade: one durable, queryable knowledge store in a directory (WAL in dir/wal,
// LMDB in dir/kv). It owns open (lock, recovery, ingest catch-up), the write path (validate,
// encode, log, publish to the overlay) and close. Invariant: a write resolves only after its
// bytes are durable in the WAL, and (unless {visible: false}) after they are queryable: from
// the overlay until the ingestor has put them in LMDB, from LMDB afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { ClosedError, InvalidArgumentError, InvalidRecordError, WalCorruptError } from '../errors.js';
import { ingestPaceMs, overlayRecordsMax } from '../limits.js';
import { Ingestor, readCheckpoint, readU64, WorkerApplier, type BatchApplier, type CounterName, type IngestProgress } from '../ingest/index.js';
import { prepareRecord, type Hash, type PreparedRecord, type RecordView, type StemeRecord, type Vote } from '../records/index.js';
import { counterKey, LmdbStore, MemoryStore, type KVStore } from '../storage/index.js';
import { Wal, type RecoveryMode, type SyncMode } from '../wal/index.js';
import { Overlay, type OverlayEntry } from './overlay.js';
import { assertionsAbout, getEpoch, getRecord, getView, listEpochs, storeHolds, toHash, votesWithLsn, type Page, type PageOptions, type Reads, type Stored, type StoredRecord } from './queries.js';
import { exportRecords, type RecordKind } from './export.js';
import type { AssertionInput, EpochInput, RecordInput, VoteInput } from './inputs.js';
import { tallyVotes, type Tally } from './tally.js';
import { verifyDatabase, type VerifyReport } from './verify.js';
import { checkEpochs, checkVotes } from './write-checks.js';
import type { Assertion, Epoch } from '../records/index.js';

export interface StemeDBOptions {
  /** 'always' (default): durable before acknowledged. 'none': UNSAFE, for tests and redoable bulk loads. */
  sync?: SyncMode;
  /** WAL recovery mode at open (default 'tolerate-tail'); see docs/wal-format.md. */
  recovery?: RecoveryMode;
  segmentBytesMax?: number;
  recordBytesMax?: number;
  /** Keep every WAL segment for audit, verify and rebuild (default true). */
  retainWal?: boolean;
  /** Where recovery and background ingest problems are reported (default: stderr). */
  log?: (message: string) => void;
  /** Called after each batch while open catches the KV store up with the WAL. */
  onProgress?: (progress: IngestProgress) => void;
  /** 'lmdb' (default) or 'memory' (unit tests only: nothing survives close). */
  store?: 'lmdb' | 'memory';
}

export interface WriteOptions {
  /**
   * true (default): resolve once durable and queryable (read-your-writes). false: once durable;
   * the records become queryable when the ingestor has applied them (`sync()` waits for that).
   * For bulk loads: such records skip the in-memory overlay, and so its memory and its limit.
   */
  visible?: boolean;
}

export interface WriteResult {
  hash: Hash;
  lsn: number;
}

export interface StemeStats {
  records: Record<Exclude<CounterName, 'deadLetters'>, number>;
  deadLetters: number;
  wal: { segments: number; bytes: number; firstLsn: number; endLsn: number };
  ingest: { checkpointLsn: number; lagBytes: number; lagRecords: number; lastError: string | undefined };
}

type Input = Record<string, unknown>;

function typed(input: unknown, type: StemeRecord['type']): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  return { ...(input as Input), type };
}

export class StemeDB {
  readonly dir: string;
  private readonly wal: Wal;
  private readonly store: KVStore;
  private readonly ingestor: Ingestor;
  /** The LMDB commits' worker thread (undefined with the memory store). */
  private readonly applier: BatchApplier | undefined;
  /** Records logged but not yet ingested: queries see them at once (read-your-writes). */
  private readonly overlay = new Overlay();
  /** End LSN of the last {visible: false} write: the checks wait for ingest to pass it. */
  private invisibleEndLsn = 0;
  private readonly appliedAtOpen: number;
  private appended = 0;
  private closing: Promise<void> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private epochLock: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, wal: Wal, store: KVStore, ingestor: Ingestor, applier: BatchApplier | undefined) {
    this.dir = dir;
    this.wal = wal;
    this.store = store;
    this.ingestor = ingestor;
    this.applier = applier;
    this.appliedAtOpen = ingestor.recordsApplied;
  }

  /** Opens (creating if needed) the store in `dir`; resolves once every logged record is queryable. */
  static async open(dir: string, options: StemeDBOptions = {}): Promise<StemeDB> {
    const root = path.resolve(dir);
    fs.mkdirSync(root, { recursive: true });
    const log = options.log ?? ((message: string) => process.stderr.write(`stemedb: ${message}\n`));
    const wal = await Wal.open({
      dir: path.join(root, 'wal'),
      log,
      ...(options.sync && { sync: options.sync }),
      ...(options.recovery && { recovery: options.recovery }),
      ...(options.segmentBytesMax && { segmentBytesMax: options.segmentBytesMax }),
      ...(options.recordBytesMax && { recordBytesMax: options.recordBytesMax }),
    });
    let store: KVStore | undefined;
    let ingestor: Ingestor | undefined;
    let applier: BatchApplier | undefined;
    try {
      const lmdb = options.store === 'memory' ? undefined : await LmdbStore.open({ path: path.join(root, 'kv') });
      store = lmdb ?? new MemoryStore();
      // LMDB commits run on a worker thread; a MemoryStore lives in this thread's memory only.
      applier = lmdb === undefined ? undefined : new WorkerApplier(lmdb.path, () => lmdb.refreshReads());
      const kv = store;
      const checkpoint = readCheckpoint((key) => kv.get(key));
      if (checkpoint > wal.recordsEndLsn) {
        throw new WalCorruptError(wal.dir, wal.recordsEndLsn, `the KV store has ingested up to LSN ${checkpoint}, past the end of the WAL: acknowledged records are missing from the log (written with sync 'none' before a machine crash, or the WAL directory was replaced)`);
      }
      if (checkpoint < wal.firstLsn && !(checkpoint === 0 && wal.firstLsn === 0)) {
        throw new WalCorruptError(wal.dir, wal.firstLsn, `the WAL starts at LSN ${wal.firstLsn} but the KV store has only ingested up to LSN ${checkpoint}: records in between are gone`);
      }
      ingestor = new Ingestor({ wal, store, applier, retainWal: options.retainWal ?? true, paceMs: ingestPaceMs });
      ingestor.on('failure', (error) => log(`ingest: ${error.message}`));
      if (options.onProgress) ingestor.on('batch', options.onProgress);
      ingestor.start();
      await ingestor.waitFor(wal.recordsEndLsn);
      if (options.onProgress) ingestor.off('batch', options.onProgress);
      return new StemeDB(root, wal, store, ingestor, applier);
    } catch (error) {
      await ingestor?.stop();
      await applier?.close();
      await store?.close();
      await wal.close();
      throw error;
    }
  }

  // --- writes ---

  /** Records a knowledge claim. */
  assert(input: AssertionInput, options?: WriteOptions): Promise<WriteResult> {
    return this.writeOne(typed(input, 'assertion'), options);
  }

  /** Records a vote on an assertion the store holds (else UNKNOWN_ASSERTION). */
  vote(input: VoteInput, options?: WriteOptions): Promise<WriteResult> {
    return this.writeOne(typed(input, 'vote'), options);
  }

  /** Defines an epoch; the same id with other content is EPOCH_CONFLICT, the same content is idempotent. */
  defineEpoch(input: EpochInput, options?: WriteOptions): Promise<WriteResult> {
    return this.writeOne(typed(input, 'epoch'), options);
  }

  /** Validates every record (each with its `type`; untrusted input is fine), then logs them all with one fsync. */
  appendBatch(inputs: readonly (RecordInput | Record<string, unknown>)[], options?: WriteOptions): Promise<WriteResult[]> {
    if (!Array.isArray(inputs)) return Promise.reject(new InvalidArgumentError('appendBatch takes an array of records'));
    return this.track(async () => {
      const nowMs = Date.now();
      const batch = inputs.map((input, i) => {
        try {
          return prepareRecord(input, nowMs);
        } catch (error) {
          // Name the record's place in the batch in the error's path: [3].subject.
          if (!(error instanceof InvalidRecordError)) throw error;
          throw new InvalidRecordError(error.path === '' ? `[${i}]` : `[${i}].${error.path}`, error.reason);
        }
      });
      return this.write(batch, options);
    });
  }

  private async writeOne(input: unknown, options: WriteOptions | undefined): Promise<WriteResult> {
    return this.track(async () => {
      const [result] = await this.write([prepareRecord(input)], options);
      return result!;
    });
  }

  private async write(batch: PreparedRecord[], options: WriteOptions | undefined): Promise<WriteResult[]> {
    await checkVotes(this.reads(), this.settle, batch);
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
   * Logs records durably and makes them visible: they enter the overlay, which every query
   * reads, so a write need not wait for the ingestor's LMDB commit. When the overlay holds
   * more than overlayRecordsMax records, writes wait for ingest to catch up instead, which
   * bounds memory and slows writers to the rate LMDB absorbs. {visible: false} skips both.
   */
  private async log(batch: PreparedRecord[], options: WriteOptions | undefined): Promise<WriteResult[]> {
    if (batch.length === 0) return [];
    const lsns = await this.wal.appendBatch(batch.map((p) => p.bytes));
    this.appended += batch.length;
    this.ingestor.handOff(lsns, batch);
    const results = batch.map(({ hash }, i) => ({ hash, lsn: lsns[i]! }));
    const endLsn = lsns[lsns.length - 1]! + Wal.frameBytes(batch[batch.length - 1]!.bytes.length);
    if (options?.visible === false) {
      this.invisibleEndLsn = Math.max(this.invisibleEndLsn, endLsn);
      return results;
    }
    const entries: OverlayEntry[] = batch.map(({ record, hash, bytes }, i) => {
      return { record, hash, bytes, lsn: lsns[i]!, endLsn: lsns[i]! + Wal.frameBytes(bytes.length), stored: false };
    });
    const checkpoint = this.ingestor.checkpoint;
    for (const entry of entries) entry.stored = storeHolds(this.store, entry);
    this.overlay.evictThrough(checkpoint);
    this.overlay.add(entries, checkpoint);
    if (this.overlay.size > overlayRecordsMax) await this.ingestor.waitFor(endLsn);
    return results;
  }

  /** Waits until every {visible: false} write so far is ingested (at once when there is none pending). */
  private readonly settle = (): Promise<void> => this.ingestor.waitFor(this.invisibleEndLsn);

  /** What queries read, with the overlay trimmed to what the KV store does not hold yet. */
  private reads(): Reads {
    this.overlay.evictThrough(this.ingestor.checkpoint);
    return { store: this.store, overlay: this.overlay };
  }

  private track<T>(run: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(new ClosedError('database'));
    const promise = run();
    this.inflight.add(promise);
    const forget = (): void => void this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  // --- queries ---

  /** The record with this hash (assertion, vote or epoch), or undefined. */
  get(hash: string): StoredRecord | undefined {
    this.assertOpen();
    return getRecord(this.reads(), hash);
  }

  /**
   * A zero-copy view of the record with this hash, or undefined: fields are read in place
   * when accessed (an assertion's subject without parsing its object). Cheaper than get().
   */
  getView(hash: string): RecordView | undefined {
    this.assertOpen();
    return getView(this.reads(), hash);
  }

  /** Assertions about `subject`, ordered by hash, a page at a time. */
  assertionsAbout(subject: string, options: PageOptions = {}): Page<Stored<Assertion>> {
    this.assertOpen();
    return assertionsAbout(this.reads(), subject, options);
  }

  /** Every vote on an assertion, oldest first (by createdAt, then log order). */
  votesFor(hash: string): Array<Stored<Vote>> {
    this.assertOpen();
    return votesWithLsn(this.reads(), toHash(hash)).map((entry) => entry.vote);
  }

  /** Weighted tally where each voter's latest vote counts once; optionally within one epoch. */
  tally(hash: string, options: { epoch?: number } = {}): Tally {
    this.assertOpen();
    return tallyVotes(votesWithLsn(this.reads(), toHash(hash)).map((entry) => entry.vote), options.epoch);
  }

  epochs(): Array<Stored<Epoch>> {
    this.assertOpen();
    return listEpochs(this.reads());
  }

  epoch(id: number): Stored<Epoch> | undefined {
    this.assertOpen();
    if (!Number.isSafeInteger(id) || id < 0) throw new InvalidArgumentError(`epoch id must be a non-negative safe integer, got ${String(id)}`);
    return getEpoch(this.reads(), id);
  }

  stats(): StemeStats {
    this.assertOpen();
    const { store, overlay } = this.reads();
    // The counters below and this checkpoint come from one read snapshot. The apply worker
    // may have committed a batch that this snapshot already shows while its reply (which
    // advances the ingestor's checkpoint) is still on its way: evict through the snapshot's
    // own checkpoint too, or that batch would be counted twice. A snapshot never moves back.
    overlay.evictThrough(readCheckpoint((key) => store.get(key)));
    const count = (name: CounterName): number => {
      const value = store.get(counterKey(name));
      return value === undefined ? 0 : readU64(value);
    };
    // Queryable but not yet counted by the ingestor: pending records the store does not hold.
    const pending = overlay.unstoredCounts();
    const records = {
      assertions: count('assertions') + pending.assertion,
      votes: count('votes') + pending.vote,
      epochs: count('epochs') + pending.epoch,
    };
    const progress = this.ingestor.progress();
    const applied = this.ingestor.recordsApplied - this.appliedAtOpen;
    return {
      records,
      deadLetters: count('deadLetters'),
      wal: this.wal.stats(),
      ingest: {
        checkpointLsn: progress.checkpointLsn,
        lagBytes: progress.endLsn - progress.checkpointLsn,
        lagRecords: Math.max(0, this.appended - applied),
        lastError: this.ingestor.lastError?.message,
      },
    };
  }

  /** Resolves once every record logged so far is queryable. */
  async sync(): Promise<void> {
    this.assertOpen();
    await this.ingestor.waitFor(this.wal.recordsEndLsn);
  }

  // --- pausing ingest ---

  /**
   * Stops background ingest at a batch boundary; resolves once it has stopped (and any WAL
   * truncation it started has finished). Writes still succeed meanwhile and are queryable from
   * the in-memory overlay, until it holds overlayRecordsMax records: then writers wait for
   * ingest (see `log`), as do sync() and verify(). {visible: false} writes are not held back,
   * and their hand-offs to the ingestor stay in memory: keep a pause short in a bulk load.
   * For tests, and for holding the KV store still. Pausing twice is pausing once; rebuild()
   * and close() resume ingest, which they need.
   */
  async pauseIngest(): Promise<void> {
    this.assertOpen();
    return this.takeIngestTurn(async () => {
      this.ingestPaused = true;
      await this.ingestor.stop();
    });
  }

  /** Restarts ingest after pauseIngest(), from the checkpoint; does nothing unless paused. */
  resumeIngest(): void {
    this.assertOpen();
    void this.takeIngestTurn(this.resumeIfPaused);
  }

  /** Set by pauseIngest(): the ingestor is stopped until resumed. */
  private ingestPaused = false;
  /** Pause, resume, rebuild and close start and stop the ingestor in turn, never at once. */
  private ingestTurn: Promise<unknown> = Promise.resolve();

  private takeIngestTurn<T>(step: () => Promise<T>): Promise<T> {
    const turn = this.ingestTurn.then(step);
    this.ingestTurn = turn.catch(() => undefined);
    return turn;
  }

  private readonly resumeIfPaused = async (): Promise<void> => {
    if (!this.ingestPaused) return;
    this.ingestPaused = false;
    this.ingestor.start();
  };

  // --- maintenance ---

  /**
   * Drops the KV store and re-ingests it from the retained WAL: proof that the WAL is the truth.
   * Resumes a paused ingest (rebuilding is ingesting); a pauseIngest() meanwhile waits for it.
   */
  async rebuild(): Promise<void> {
    this.assertOpen();
    if (this.wal.firstLsn !== 0) {
      throw new InvalidArgumentError(`rebuild needs the whole WAL, but segments before LSN ${this.wal.firstLsn} were deleted (retainWal: false)`);
    }
    await this.takeIngestTurn(async () => {
      this.ingestPaused = false;
      await this.ingestor.stop();
      await this.store.clear();
      this.ingestor.start();
      await this.ingestor.waitFor(this.wal.recordsEndLsn);
    });
  }

  /**
   * Waits for in-flight writes, makes the KV store current, and releases files and the lock.
   * Resumes a paused ingest first: writes may be waiting for it, and the store must catch up.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.takeIngestTurn(this.resumeIfPaused);
      await Promise.allSettled([...this.inflight]);
      if (this.ingestor.lastError === undefined) await this.ingestor.waitFor(this.wal.recordsEndLsn).catch(() => undefined);
      await this.ingestor.stop();
      try {
        await this.applier?.close();
        await this.store.close();
      } finally {
        await this.wal.close();
      }
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError('database');
  }

  /** Checks every WAL frame, and that the KV store holds exactly the logged bytes. */
  async verify(): Promise<VerifyReport> {
    this.assertOpen();
    await this.ingestor.waitFor(this.wal.recordsEndLsn);
    return verifyDatabase(this.wal, this.store);
  }

  /** Every stored record (epochs, then assertions, then votes), each with its hash. */
  export(options: { kind?: RecordKind } = {}): Generator<StoredRecord> {
    this.assertOpen();
    return exportRecords(this.store, this.overlay, options.kind);
  }

  /** The hash a record would be stored under (validates it; `createdAt` must be given to be stable). */
  static hashOf(input: unknown): Hash {
    return prepareRecord(input).hash;
  }
}
