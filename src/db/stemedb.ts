// The public facade: one durable, queryable knowledge store in a directory (WAL in dir/wal,
// LMDB in dir/kv). It owns the lifecycle (open: lock, recovery, ingest catch-up; close) and
// reads like a table of contents: writes go through the write path (write-path.ts), queries
// to queries.ts, verify, export and stats to their own modules. Invariant: a write resolves
// only after its bytes are durable in the WAL, and (unless {visible: false}) after they are
// queryable: from the overlay until the ingestor has put them in LMDB, from LMDB afterwards.
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { ClosedError, InvalidArgumentError, InvalidRecordError, StemeError, WalFailedError } from '../errors.js';
import type { FileSystem } from '../fs/file-system.js';
import { nodeFileSystem } from '../fs/node-file-system.js';
import { ingestPaceMs } from '../limits.js';
import { kvKeyBytesMax } from '../layout/index.js';
import { defaultPairLimits, Ingestor, WorkerApplier, type BatchApplier, type IngestProgress, type PairLimits } from '../ingest/index.js';
import { prepareRecord, type Epoch, type Hash, type PreparedRecord, type RecordView, type Retraction, type StemeRecord, type Vote } from '../records/index.js';
import { LmdbStore, MemoryStore, type KVStore } from '../storage/index.js';
import { Wal, type RecoveryMode, type SyncMode } from '../wal/index.js';
import { backupDatabase, type BackupOptions, type BackupReport } from './backup.js';
import { ChangeCache } from './change-cache.js';
import { ChangeFeed, type ChangesOptions } from './changes.js';
import { exportRecords, type RecordKind } from './export.js';
import { deadLetterInputs, diskHealth, judgeHealth, type Health, type HealthInputs } from './health.js';
import { Observers, type DbObserver, type WriteEvent, type WriteKind } from './observer.js';
import type { AssertionInput, EpochInput, RecordInput, RetractionInput, VoteInput } from './inputs.js';
import { beliefsAt, contestedAt, type Beliefs, type BeliefsOptions, type ContestedItem, type ContestedOptions } from './beliefs.js';
import { assertionJson } from './assertion-json.js';
import { checkKeyRoom, checkStoreWithinLog, rebuildOtherLayout } from './open-checks.js';
import { ClusterNode, type Announcement, type ClusterInfo } from './cluster-node.js';
import type { ClusterOptions } from './cluster-options.js';
import type { RecordLog } from './record-log.js';
import { verifyCluster, type ClusterVerifyReport } from './cluster-verify.js';
import { Overlay } from './overlay.js';
import { assertionsAboutAt, cutAt, findAt, historyAt, recordAt, type AboutOptions, type AssertionResult, type AtPage, type FindQuery, type HistoryItem, type HistoryOptions } from './claims.js';
import { getEpoch, getView, listEpochs, toHash, votesWithLsn, type Reads, type Stored, type StoredRecord } from './queries.js';
import { collectStats, type StemeStats } from './stats.js';
import { tallyVotes, type Tally } from './tally.js';
import { verifyDatabase, type VerifyReport } from './verify.js';
import { VisibleEnd } from './visible-end.js';
import { MemoryGraph } from './memory/memory-graph.js';
import { WritePath, type WriteOptions, type WriteResult } from './write-path.js';
import { checkCreatedAt } from './write-checks.js';

export type { BackupOptions, BackupReport } from './backup.js';
export type { DbObserver, WriteEvent, WriteKind, WriteOutcome } from './observer.js';
export type { StemeStats } from './stats.js';
export type { WriteOptions, WriteResult } from './write-path.js';
export type { Announcement, ClusterInfo } from './cluster-node.js';
export type { ClusterOptions } from './cluster-options.js';
export type { ClusterSubjectReport, ClusterVerifyReport } from './cluster-verify.js';

/**
 * What a node over a NATS JetStream cluster adds (docs/cluster.md): which partition a subject
 * is in, whether this node owns it, who else does; the HTTP server forwards reads with it.
 */
export interface StemeCluster {
  readonly info: ClusterInfo;
  partitionOf(subject: string): number;
  owns(partition: number): boolean;
  /** Other nodes heard lately that own `partition` (announced on NATS every second). */
  ownersOf(partition: number): Announcement[];
  /** Every other node heard lately. */
  nodes(): Announcement[];
  /** Sets the HTTP URL this node announces to the others. */
  announceUrl(url: string): void;
  /**
   * What a request this node forwards carries to show it comes from a node of the cluster: the
   * node's name and a random key it announces on NATS (docs/cluster.md#forwarding-between-nodes).
   */
  forwardingCredentials(): { node: string; key: string };
  /** Whether `node` and `key` are a node's name and the key it announced (a node heard lately, or this one). */
  isPeer(node: string, key: string): boolean;
  /** Last stream sequence this node holds, per partition number (and "epochs"). */
  appliedSeqs(): Record<string, number>;
  /** Compares this node's store with the stream, up to its checkpoint. */
  verify(): Promise<ClusterVerifyReport>;
}

/** What get() returns: an assertion with its LSN and status, or the stored vote, epoch or retraction. */
export type GetResult = AssertionResult | Stored<Vote> | Stored<Epoch> | Stored<Retraction>;

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
  /** Tuning: attempts at one ingest batch the KV store refuses before ingest fails for good (default ingestAttemptsMax). */
  ingestAttemptsMax?: number;
  /** Tuning: backoff before the first ingest retry, doubling up to ingestRetryDelayMsMax (default ingestRetryDelayMsMin). */
  ingestRetryDelayMsMin?: number;
  /**
   * Tuning: inputs (live assertions plus latest votes) a pair's belief state holds inline before
   * it moves to the indexed form (default pairInlineInputsMax; docs/key-layout.md#belief-state).
   * Answers do not depend on it; tests set 0 (every pair indexed) to check that form.
   */
  pairInlineInputsMax?: number;
  /**
   * TEST SEAM, not for production: the file system the WAL (and the data directory's fsyncs)
   * go through. Tests pass one that injects faults (ENOSPC on a write, EIO on an fsync).
   * Default: the real one.
   */
  fileSystem?: FileSystem;
  /**
   * Run as a node of a NATS JetStream cluster (docs/cluster.md): writes go to the stream, the
   * node materialises the partitions it owns. Absent (default): a single node, no NATS.
   */
  cluster?: ClusterOptions;
}

/** Why the database can no longer do its job until it is reopened: what `failed` resolves with. */
export interface DatabaseFailure {
  /** wal: a write or fsync failed (writes are refused); ingest: ingest stopped for good (records stay durable in the WAL). */
  part: 'wal' | 'ingest';
  /** WAL_FAILED for the WAL; STORAGE or WAL_CORRUPT for ingest. `cause` holds the I/O error. */
  error: Error;
}

type Input = Record<string, unknown>;

const writeKinds = new Set<string>(['assertion', 'vote', 'retraction', 'epoch']);

/** The kinds of a batch's inputs, counted; an input without a known `type` is `unknown`. */
function kindsOf(inputs: readonly unknown[]): Partial<Record<WriteKind, number>> {
  const kinds: Partial<Record<WriteKind, number>> = {};
  for (const input of inputs) {
    const type = typeof input === 'object' && input !== null ? (input as Input).type : undefined;
    const kind = (typeof type === 'string' && writeKinds.has(type) ? type : 'unknown') as WriteKind;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

function pairLimitsOf(inlineInputsMax: number | undefined): PairLimits {
  if (inlineInputsMax === undefined) return defaultPairLimits;
  if (!Number.isSafeInteger(inlineInputsMax) || inlineInputsMax < 0) throw new InvalidArgumentError(`pairInlineInputsMax must be an integer from 0, got ${String(inlineInputsMax)}`);
  return { ...defaultPairLimits, inlineInputsMax };
}

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
  private readonly writes: WritePath;
  private readonly appliedAtOpen: number;
  private closing: Promise<void> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  /**
   * Resolves (never rejects) the first time the WAL fails or ingest fails for good: from then on
   * the database refuses writes until it is reopened, which recovers everything acknowledged.
   * A server watches it to exit for its supervisor to restart it (docs/operations.md). It
   * stays pending while the database works, and after close().
   */
  readonly failed: Promise<DatabaseFailure>;
  private readonly observers: Observers;
  /** Where every record below is queryable: how far change feeds read. */
  private readonly visibleEnd: VisibleEnd;
  /** Changes recently built for a subscriber, shared by all of them. */
  private readonly changeCache = new ChangeCache();
  /** Aborted when close() begins: every change feed ends. */
  private readonly closed = new AbortController();
  /** Set in cluster mode: writes go to the stream; the owned partitions are read into this store. */
  private clusterNode: ClusterNode | undefined;
  /** The dead letters health last read (read again when their count moves). */
  private deadLettersSeen: HealthInputs['deadLetters'] = { count: 0, first: [] };

  private constructor(dir: string, wal: Wal, store: KVStore, ingestor: Ingestor, applier: BatchApplier | undefined, failed: Promise<DatabaseFailure>, observers: Observers) {
    this.dir = dir;
    this.failed = failed;
    this.observers = observers;
    this.wal = wal;
    this.store = store;
    this.ingestor = ingestor;
    this.applier = applier;
    // Every following change feed listens for close: any number of them is expected.
    setMaxListeners(0, this.closed.signal);
    this.visibleEnd = new VisibleEnd(wal.recordsEndLsn);
    ingestor.on('batch', (progress) => this.visibleEnd.ingested(progress.checkpointLsn));
    this.writes = new WritePath(wal, store, ingestor, this.overlay, this.visibleEnd);
    this.appliedAtOpen = ingestor.recordsApplied;
  }

  /** Opens (creating if needed) the store in `dir`; resolves once every logged record is queryable. */
  static async open(dir: string, options: StemeDBOptions = {}): Promise<StemeDB> {
    const root = path.resolve(dir);
    fs.mkdirSync(root, { recursive: true });
    const log = options.log ?? ((message: string) => process.stderr.write(`stemedb: ${message}\n`));
    const fileSystem = options.fileSystem ?? nodeFileSystem;
    const pairLimits = pairLimitsOf(options.pairInlineInputsMax);
    let reportFailure: (failure: DatabaseFailure) => void = () => undefined;
    const failed = new Promise<DatabaseFailure>((resolve) => (reportFailure = resolve));
    // Created before the WAL, whose group commits it hears of; observe() adds to it once open.
    const observers = new Observers(log);
    const wal = await Wal.open({
      dir: path.join(root, 'wal'),
      log,
      fileSystem,
      onFailure: (cause) => {
        log(`wal failed: ${cause.message}; writes are refused until the database is reopened`);
        reportFailure({ part: 'wal', error: new WalFailedError(`WAL write or fsync failed: ${cause.message}`, { cause }) });
      },
      observer: { groupCommitted: (records, bytes, syncMs) => observers.emit('walGroupCommitted', { records, bytes, syncMs }) },
      ...(options.sync && { sync: options.sync }),
      ...(options.recovery && { recovery: options.recovery }),
      ...(options.segmentBytesMax && { segmentBytesMax: options.segmentBytesMax }),
      ...(options.recordBytesMax && { recordBytesMax: options.recordBytesMax }),
    });
    let store: KVStore | undefined;
    let db: StemeDB;
    let ingestor: Ingestor | undefined;
    let applier: BatchApplier | undefined;
    try {
      const kvDir = path.join(root, 'kv');
      // LMDB keeps its data in data.mdb; without one, the environment is created here, with our page size.
      const created = options.store === 'memory' || !fs.existsSync(path.join(kvDir, 'data.mdb'));
      const lmdb = options.store === 'memory' ? undefined : await LmdbStore.open({ path: kvDir });
      // The data directory and kv/ may be new: make their entries durable, or a power cut
      // could lose the directory that holds acknowledged records (wal/ syncs its own entry).
      if (options.sync !== 'none') {
        await fileSystem.syncDirectory(root);
        await fileSystem.syncDirectory(path.dirname(root));
      }
      store = lmdb ?? new MemoryStore();
      // LMDB commits run on a worker thread; a MemoryStore lives in this thread's memory only.
      applier = lmdb === undefined ? undefined : new WorkerApplier(lmdb.path, () => lmdb.refreshReads(), undefined, pairLimits);
      await rebuildOtherLayout(wal, store, log);
      checkStoreWithinLog(wal, store);
      checkKeyRoom(store, created, log);
      ingestor = new Ingestor({
        wal,
        store,
        applier,
        retainWal: options.retainWal ?? true,
        paceMs: ingestPaceMs,
        pairLimits,
        ...(options.ingestAttemptsMax !== undefined && { attemptsMax: options.ingestAttemptsMax }),
        ...(options.ingestRetryDelayMsMin !== undefined && { retryDelayMsMin: options.ingestRetryDelayMsMin }),
      });
      ingestor.on('failure', (error) => log(`ingest: ${error.message}`));
      ingestor.on('fatal', (error) => reportFailure({ part: 'ingest', error }));
      ingestor.on('batch', (_progress, _added, batch) => observers.emit('ingestBatchApplied', batch));
      if (options.onProgress) ingestor.on('batch', options.onProgress);
      ingestor.start();
      await ingestor.waitFor(wal.recordsEndLsn);
      if (options.onProgress) ingestor.off('batch', options.onProgress);
      db = new StemeDB(root, wal, store, ingestor, applier, failed, observers);
    } catch (error) {
      await ingestor?.stop();
      await applier?.close();
      await store?.close();
      await wal.close();
      throw error;
    }
    if (options.cluster === undefined) return db;
    try {
      db.clusterNode = await ClusterNode.start(root, db.writes, () => db.reads(), options.cluster, log);
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
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

  /**
   * Takes back an assertion (UNKNOWN_ASSERTION if the store lacks it). Only its author may:
   * the retraction's source must be the assertion's (NOT_AUTHOR). Retracting twice is allowed;
   * the first retraction or supersession in log order decides the assertion's status.
   */
  retract(input: RetractionInput, options?: WriteOptions): Promise<WriteResult> {
    return this.writeOne(typed(input, 'retraction'), options);
  }

  /** Defines an epoch; the same id with other content is EPOCH_CONFLICT, the same content is idempotent. */
  defineEpoch(input: EpochInput, options?: WriteOptions): Promise<WriteResult> {
    return this.writeOne(typed(input, 'epoch'), options);
  }

  /** Validates every record (each with its `type`; untrusted input is fine), then logs them all with one fsync. */
  appendBatch(inputs: readonly (RecordInput | Record<string, unknown>)[], options?: WriteOptions): Promise<WriteResult[]> {
    if (!Array.isArray(inputs)) return Promise.reject(new InvalidArgumentError('appendBatch takes an array of records'));
    return this.track('batch', kindsOf(inputs), async () => {
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
      checkCreatedAt(batch, nowMs, true);
      return this.write(batch, options);
    });
  }

  private async writeOne(input: unknown, options: WriteOptions | undefined): Promise<WriteResult> {
    return this.track('single', kindsOf([input]), async () => {
      const nowMs = Date.now();
      const batch = [prepareRecord(input, nowMs)];
      checkCreatedAt(batch, nowMs, false);
      const [result] = await this.write(batch, options);
      return result!;
    });
  }

  private write(batch: PreparedRecord[], options: WriteOptions | undefined): Promise<WriteResult[]> {
    return this.recordLog().write(batch, options);
  }

  /** The log seam (record-log.ts): the stream in cluster mode, else the local WAL. */
  private recordLog(): RecordLog {
    return this.clusterNode ?? this.writes;
  }

  /**
   * The reference MCP memory server's knowledge graph (entities, observations, relations) over
   * this store's records: docs/mcp.md, "The memory graph".
   */
  get memory(): MemoryGraph {
    this.memoryGraph ??= new MemoryGraph({
      reads: () => {
        this.assertOpen();
        return this.reads();
      },
      append: (prepared, inputs) => this.track('batch', kindsOf(inputs), () => this.write(prepared, undefined)),
    });
    return this.memoryGraph;
  }

  private memoryGraph: MemoryGraph | undefined;

  /** Cluster mode's view (docs/cluster.md), or undefined for a single node. */
  get cluster(): StemeCluster | undefined {
    const node = this.clusterNode;
    if (node === undefined) return undefined;
    return {
      info: node.info,
      partitionOf: (subject) => node.partitionOf(subject),
      owns: (partition) => node.owns(partition),
      ownersOf: (partition) => node.ownersOf(partition),
      nodes: () => node.nodes(),
      announceUrl: (url) => node.announceUrl(url),
      forwardingCredentials: () => node.forwardingCredentials(),
      isPeer: (name, key) => node.isPeer(name, key),
      appliedSeqs: () => node.appliedSeqs(),
      verify: () => {
        this.assertOpen();
        return this.tracked(() => verifyCluster(node, () => this.reads()));
      },
    };
  }

  private reads(): Reads {
    return this.writes.reads();
  }

  /** Runs a write call, counted in flight (close waits for it) and reported to observers. */
  private track<T>(call: WriteEvent['call'], kinds: WriteEvent['kinds'], run: () => Promise<T>): Promise<T> {
    const startedMs = performance.now();
    const observed = this.observers.empty ? this.tracked(run) : this.tracked(run).then(
      (result) => {
        this.observers.emit('written', { call, kinds, outcome: 'ok', durationMs: performance.now() - startedMs });
        return result;
      },
      (error: unknown) => {
        const outcome = error instanceof StemeError ? error.code : 'INTERNAL';
        this.observers.emit('written', { call, kinds, outcome, durationMs: performance.now() - startedMs });
        throw error;
      },
    );
    return observed;
  }

  private tracked<T>(run: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(new ClosedError('database'));
    const promise = run();
    this.inflight.add(promise);
    const forget = (): void => void this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  // --- queries ---

  /**
   * The record with this hash, or undefined; an assertion comes with its LSN and status
   * (live, retracted, superseded). With `asOf`, as the store stood then: a record logged at or
   * after it is undefined, and the status counts only what was logged before it.
   */
  get(hash: string, options: { asOf?: number } = {}): GetResult | undefined {
    this.assertOpen();
    return recordAt(this.reads(), hash, cutAt(options.asOf, this.wal.recordsEndLsn).asOf);
  }

  /**
   * get() as JSON text (JSON.parse of it deep-equals get(hash, options)), or undefined. An
   * assertion's text is written from its stored bytes, its object copied in as the canonical
   * JSON the record holds instead of parsed and serialised again, with its keys in the HTTP
   * API's order (the fields every assertion has, then the optional ones): what a server sends.
   * Any other record is JSON.stringify of get()'s.
   */
  getJson(hash: string, options: { asOf?: number } = {}): string | undefined {
    this.assertOpen();
    const found = recordAt(this.reads(), hash, cutAt(options.asOf, this.wal.recordsEndLsn).asOf, assertionJson);
    return found === undefined || typeof found === 'string' ? found : JSON.stringify(found);
  }

  /**
   * A zero-copy view of the record with this hash, or undefined: fields are read in place
   * when accessed (an assertion's subject without parsing its object). Cheaper than get().
   */
  getView(hash: string): RecordView | undefined {
    this.assertOpen();
    return getView(this.reads(), hash);
  }

  /**
   * Assertions about `subject` (optionally with one predicate), a page at a time: live ones
   * unless `includeRetracted`, as of `asOf` when given. Ordered by predicate digest, then hash.
   */
  assertionsAbout(subject: string, options: AboutOptions = {}): AtPage<AssertionResult> {
    this.assertOpen();
    return assertionsAboutAt(this.reads(), subject, options, this.wal.recordsEndLsn);
  }

  /**
   * assertionsAbout() as JSON text (JSON.parse of it deep-equals the page): `items` (each
   * written from its stored bytes, as getJson does), `atLsn`, then `cursor` when there is one.
   */
  assertionsAboutJson(subject: string, options: AboutOptions = {}): string {
    this.assertOpen();
    const page = assertionsAboutAt(this.reads(), subject, options, this.wal.recordsEndLsn, assertionJson);
    const cursor = page.cursor === undefined ? '' : `,"cursor":${JSON.stringify(page.cursor)}`;
    return `{"items":[${page.items.join(',')}],"atLsn":${page.atLsn}${cursor}}`;
  }

  /**
   * Assertions by what they say: predicate (and object value), source, subject. Needs a
   * predicate or a source (INVALID_QUERY); `object` needs a predicate. See docs/claims.md.
   */
  find(query: FindQuery): AtPage<AssertionResult> {
    this.assertOpen();
    return findAt(this.reads(), query, this.wal.recordsEndLsn);
  }

  /** The audit trail of a subject: every assertion, vote and retraction touching it, in LSN order. */
  history(subject: string, options: HistoryOptions = {}): AtPage<HistoryItem> {
    this.assertOpen();
    return historyAt(this.reads(), subject, options, this.wal.recordsEndLsn);
  }

  /**
   * What is believed about `subject`, per predicate (docs/beliefs.md): the candidate values
   * ranked with support, opposition and score, the best one, the consensus, and whether the
   * claim is contested. Scoped to an epoch and its ancestors, and cut at `asOf`, when given.
   */
  beliefs(subject: string, options: BeliefsOptions = {}): Beliefs {
    this.assertOpen();
    return beliefsAt(this.reads(), subject, options, this.wal.recordsEndLsn);
  }

  /** The contested (subject, predicate) pairs, a page at a time; within an epoch's scope when given. */
  contested(options: ContestedOptions = {}): { items: ContestedItem[]; cursor?: string } {
    this.assertOpen();
    return contestedAt(this.reads(), options);
  }

  /** Every vote on an assertion, in log order (the order that decides a voter's latest vote); as of `asOf` when given. */
  votesFor(hash: string, options: { asOf?: number } = {}): Array<Stored<Vote>> {
    this.assertOpen();
    const cut = cutAt(options.asOf, this.wal.recordsEndLsn);
    return votesWithLsn(this.reads(), toHash(hash), cut.asOf).map((entry) => entry.vote);
  }

  /** Weighted tally where each voter's latest vote counts once; optionally within one epoch, as of `asOf`. */
  tally(hash: string, options: { epoch?: number; asOf?: number } = {}): Tally & { atLsn: number } {
    this.assertOpen();
    const cut = cutAt(options.asOf, this.wal.recordsEndLsn);
    const votes = votesWithLsn(this.reads(), toHash(hash), cut.asOf).map((entry) => entry.vote);
    // atLsn added in place (tallyVotes returns a fresh object): a spread would copy it.
    const tally = tallyVotes(votes, options.epoch) as Tally & { atLsn: number };
    tally.atLsn = cut.atLsn;
    return tally;
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
    return collectStats(this.reads(), this.wal, this.ingestor, this.writes.recordsLogged, this.appliedAtOpen);
  }

  /**
   * Whether this node can take writes, and why not: the WAL (ok or failed, with its error),
   * ingest (ok, lagging, failing, failed, stopped, with its lag and last error), the free
   * space under the data directory, the dead letters (records logged and not stored: how many,
   * the first few and why) and whether the KV store takes every key the layout builds. The
   * rule is in health.ts and docs/operations.md. Names no absolute path (it is served to
   * remote clients). Never throws for a failed WAL or ingest (only CLOSED once closing).
   */
  health(): Health {
    this.assertOpen();
    const progress = this.ingestor.progress();
    this.deadLettersSeen = deadLetterInputs(this.store, this.deadLettersSeen);
    return judgeHealth({
      walFailure: this.wal.failure,
      ingest: this.ingestor.state(),
      lagRecords: Math.max(0, this.writes.recordsLogged - (this.ingestor.recordsApplied - this.appliedAtOpen)),
      lagBytes: progress.endLsn - progress.checkpointLsn,
      disk: diskHealth(this.dir),
      deadLetters: this.deadLettersSeen,
      storage: { keyBytesMax: this.store.keyBytesMax, keyBytesNeeded: kvKeyBytesMax },
    });
  }

  /** Records held in memory until ingest puts them in the KV store (the overlay). */
  get overlayRecords(): number {
    this.assertOpen();
    this.reads(); // evicts what the KV store holds now
    return this.overlay.size;
  }

  /**
   * Subscribes `observer` to writes, WAL group commits and ingest batches (for metrics);
   * returns the unsubscribe. An observer must be cheap and must not throw.
   */
  observe(observer: DbObserver): () => void {
    this.assertOpen();
    return this.observers.add(observer);
  }

  /**
   * Copies this live database into `target` (a missing or empty directory) while writers go on:
   * the KV store as of one snapshot plus the WAL from before its checkpoint to the durable end
   * read after it, all fsynced. Holds every write acknowledged before the call. Open the copy
   * to restore it. See docs/operations.md ("Backup and restore").
   */
  backup(target: string, options: BackupOptions = {}): Promise<BackupReport> {
    if (this.closing !== undefined) return Promise.reject(new ClosedError('database'));
    return this.tracked(() => backupDatabase(this.wal, this.store, target, options));
  }

  // --- the change feed ---

  /**
   * Every record in LSN order, after `since` (docs/http-api.md#the-change-feed): records that
   * are durable and queryable, filtered by subject and types; with `follow`, waiting for new
   * ones until `signal` aborts, the loop breaks or the database closes. `since` beyond the log's
   * end is INVALID_CURSOR; inside WAL segments already deleted (retainWal: false), CURSOR_EXPIRED.
   */
  changes(options: ChangesOptions = {}): ChangeFeed {
    this.assertOpen();
    const reads = (): Reads => this.reads();
    return new ChangeFeed({ wal: this.wal, visibleEnd: this.visibleEnd, reads, closed: this.closed.signal, cache: this.changeCache }, options);
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
      this.closed.abort();
      // First: it stops reading the stream and fails writes waiting to see their records here.
      await this.clusterNode?.close();
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
    // With retainWal: false, ingest may delete the oldest segment while verify reads it.
    const release = await this.wal.holdTruncation();
    try {
      return await verifyDatabase(this.wal, this.store);
    } finally {
      release();
    }
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
