// A StemeDB node over a NATS JetStream cluster (docs/cluster.md). Writes are checked here, then
// published to the stream (partition of the subject; votes and retractions to their assertion's
// partition; epochs to the epochs subject every node reads) with Nats-Msg-Id = the record hash.
// The node materialises the partitions it owns by reading them in stream order and logging the
// records in its own WAL through the ordinary write path, so ingest, indexes, LSNs and the change
// feed are unchanged: the local WAL is the node's changelog of the stream. Invariants: a
// subject's stream sequence is checkpointed only after its records are durable in the local WAL;
// a record already held is never logged again (content addressing makes replays no-ops); a write
// resolves only after JetStream acknowledged it, and (by default) after this node shows it.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { ClusterUnavailableError, EpochConflictError, UnknownAssertionError } from '../errors.js';
import { assertionKeyHex, locatorKeyHex } from '../layout/index.js';
import { clusterApplyWaitMsMax, clusterCheckpointSaveMs, clusterLookupMs, clusterPublishedClaimsMax } from '../limits.js';
import { decodeRecord, hashFromBytes, hashRecordBytes, isHash, recordDigest, type Hash, type PreparedFields, type PreparedRecord } from '../records/index.js';
import { CheckpointWriter, startingCheckpoint, type CheckpointState } from '../cluster/checkpoint.js';
import { JetStreamLog, type LogMessage } from '../cluster/jetstream-log.js';
import { checkPartitionCount, parsePartitionSpec, partitionOf } from '../cluster/partition.js';
import { Peers, type Announcement } from '../cluster/peers.js';
import { announceSubject, epochsSubject, lookupSubject, partitionSubject, type ClusterNames } from '../cluster/subjects.js';
import { assertionWithLsn } from './claims.js';
import { clusterReplicasDefault, clusterStreamDefault, type ClusterOptions } from './cluster-options.js';
import { getEpochWithLsn, lsnByLocator, type Reads } from './queries.js';
import { checkEpochs, checkTargets, checkVotes, type Claim } from './write-checks.js';
import type { RecordLog } from './record-log.js';
import type { WriteOptions, WritePath, WriteResult } from './write-path.js';
import { sameBytes } from '../storage/index.js';

export type { Announcement } from '../cluster/peers.js';

/** The key of a subject in the checkpoint: its partition number, or "epochs". */
type SubjectKey = string;
const epochsKey: SubjectKey = 'epochs';

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One stream subject this node reads: a partition it owns, or the epochs subject. */
interface Reader {
  key: SubjectKey;
  subject: string;
  appliedSeq: number;
  waiters: Waiter[];
  running: Promise<void> | undefined;
}

/** What a cluster node tells its surfaces (the HTTP server forwards reads with it). */
export interface ClusterInfo {
  node: string;
  stream: string;
  partitionCount: number;
  owned: readonly number[];
}

const noSettle = (): Promise<void> => Promise.resolve();
const utf8 = new TextDecoder();


function claimOf(record: PreparedFields): Claim | undefined {
  return record.type === 'assertion' ? { subject: record.subject, predicate: record.predicate, source: record.source } : undefined;
}

function withoutObject(record: ReturnType<typeof decodeRecord>): PreparedFields {
  if (record.type !== 'assertion') return record;
  const { object: _, ...fields } = record;
  return fields;
}

/** The assertion a vote, retraction or superseding assertion names, if any. */
function targetOf(record: PreparedFields): Hash | undefined {
  if (record.type === 'vote' || record.type === 'retraction') return record.assertion;
  return record.type === 'assertion' ? record.supersedes : undefined;
}

export class ClusterNode implements RecordLog {
  readonly info: ClusterInfo;
  private readonly names: ClusterNames;
  private readonly owned: ReadonlySet<number>;
  private readonly readers = new Map<SubjectKey, Reader>();
  private readonly abort = new AbortController();
  private readonly checkpoint: CheckpointState;
  private readonly checkpointWriter: CheckpointWriter;
  private peers: Peers | undefined;
  private lookups: { unsubscribe(): void } | undefined;
  /** Records this node is publishing, by hash, until its write resolves: the reader reuses them. */
  private readonly inFlight = new Map<Hash, PreparedRecord>();
  /** Assertions this node published lately: a vote on one may come before its owner has read it. */
  private readonly published = new Map<Hash, Claim>();
  private epochLock: Promise<unknown> = Promise.resolve();
  private readonly waitForApply: boolean;
  /**
   * Random per process, announced on NATS: a request that carries it was forwarded by this node.
   * Who can read announcements can publish records too, so it reveals nothing to them.
   */
  private readonly forwardKey = randomBytes(32).toString('hex');

  /** Consuming (mode 'serve'): the checkpoint is this node's to save. */
  private serving = false;

  private constructor(
    dir: string,
    readonly log: JetStreamLog,
    private readonly writes: WritePath,
    private readonly reads: () => Reads,
    options: ClusterOptions,
    partitions: number,
    owned: number[],
    private readonly report: (message: string) => void,
  ) {
    this.names = { stream: log.options.stream, prefix: log.options.prefix };
    this.owned = new Set(owned);
    this.waitForApply = options.waitForApply ?? true;
    this.info = { node: log.options.connectionName, stream: this.names.stream, partitionCount: partitions, owned };
    const saved = startingCheckpoint(dir, this.names.stream, log.streamCreated, partitions);
    // 'inspect' (verify) compares what the node consumed: the partitions its checkpoint names.
    this.checkpoint = (options.mode ?? 'serve') === 'serve' ? { ...saved, owned } : saved;
    this.checkpointWriter = new CheckpointWriter(dir, () => ({ ...this.checkpoint, seqs: { ...this.checkpoint.seqs } }));
  }

  /** Connects, creates or checks the stream, and (mode 'serve') catches up with the owned partitions before resolving. */
  static async start(dir: string, writes: WritePath, reads: () => Reads, options: ClusterOptions, report: (message: string) => void): Promise<ClusterNode> {
    if (options.partitionCount !== undefined) checkPartitionCount(options.partitionCount);
    const stream = options.stream ?? clusterStreamDefault;
    const log = await JetStreamLog.open({
      servers: options.servers,
      stream,
      prefix: options.subjectPrefix ?? stream.toLowerCase(),
      partitions: options.partitionCount,
      replicas: options.replicas ?? clusterReplicasDefault,
      connectionName: options.node ?? `${os.hostname()}-${process.pid}`,
      log: report,
    });
    let node: ClusterNode | undefined;
    try {
      const partitions = log.partitions;
      const owned = parsePartitionSpec(options.partitions ?? 'all', partitions);
      node = new ClusterNode(dir, log, writes, reads, options, partitions, owned, report);
      if ((options.mode ?? 'serve') === 'serve') await node.serve();
      return node;
    } catch (error) {
      await node?.close();
      await log.close();
      throw error;
    }
  }

  private async serve(): Promise<void> {
    this.serving = true;
    const subjects: Array<[SubjectKey, string]> = [...this.owned].map((k) => [String(k), partitionSubject(this.names, k)]);
    subjects.push([epochsKey, epochsSubject(this.names)]);
    for (const [key, subject] of subjects) {
      const reader: Reader = { key, subject, appliedSeq: this.checkpoint.seqs[key] ?? 0, waiters: [], running: undefined };
      this.readers.set(key, reader);
      reader.running = this.follow(reader);
    }
    this.lookups = this.log.nc.subscribe(lookupSubject(this.names), {
      callback: (error, message) => {
        if (error === null) message.respond(this.lookupLocal(utf8.decode(message.data)));
      },
    });
    this.peers = new Peers(this.log.nc, announceSubject(this.names), { node: this.info.node, url: '', partitions: this.info.partitionCount, owned: [...this.owned], forwardKey: this.forwardKey });
    // Catch up before serving: everything the stream held when the node started is materialised.
    await Promise.all(
      [...this.readers.values()].map(async (reader) => {
        const last = await this.log.lastSeq(reader.subject);
        if (last > reader.appliedSeq) await this.waitApplied(reader, last, Number.POSITIVE_INFINITY);
      }),
    );
    await this.checkpointWriter.save();
  }

  /** Reads a subject for as long as the node runs; a failed read (a server gone) is resumed from the applied sequence. */
  private async follow(reader: Reader): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.log.read(reader.subject, reader.appliedSeq, signal, (batch) => this.applyBatch(reader, batch));
      } catch (error) {
        if (signal.aborted) return;
        this.report(`cluster: reading ${reader.subject} from ${reader.appliedSeq + 1} failed (${(error as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Logs a batch read from the stream in the local WAL (skipping what the store holds), then advances the subject's checkpoint. */
  private async applyBatch(reader: Reader, batch: LogMessage[]): Promise<void> {
    const fresh = batch.filter((message) => message.seq > reader.appliedSeq);
    if (fresh.length === 0) return;
    const reads = this.reads();
    const records: PreparedRecord[] = [];
    const unreadable: Uint8Array[] = [];
    const seen = new Set<Hash>();
    for (const { data, msgId } of fresh) {
      // A record this node published moments ago: its prepared form is reused (no second decode
      // and hash) when the stream's bytes are exactly the ones it published under that hash.
      const mine = msgId === undefined ? undefined : this.inFlight.get(msgId as Hash);
      if (mine !== undefined && sameBytes(mine.bytes, data)) {
        if (seen.has(mine.hash) || this.holds(reads, mine.hash, mine.record.type)) continue;
        seen.add(mine.hash);
        records.push(mine);
        continue;
      }
      let record: PreparedFields;
      try {
        record = withoutObject(decodeRecord(data));
      } catch {
        unreadable.push(data);
        continue;
      }
      const hashBytes = recordDigest(data);
      const hash = hashFromBytes(hashBytes);
      if (seen.has(hash) || this.holds(reads, hash, record.type)) continue;
      seen.add(hash);
      records.push({ record, bytes: data, hash, hashBytes });
    }
    if (records.length > 0) await this.writes.append(records);
    if (unreadable.length > 0) await this.writes.appendUnreadable(unreadable);
    reader.appliedSeq = fresh[fresh.length - 1]!.seq;
    this.checkpoint.seqs[reader.key] = reader.appliedSeq;
    const still: Waiter[] = [];
    for (const waiter of reader.waiters) {
      if (waiter.seq <= reader.appliedSeq) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else still.push(waiter);
    }
    reader.waiters = still;
    this.scheduleSave();
  }

  private saveTimer: NodeJS.Timeout | undefined;

  /**
   * Saves the checkpoint within clusterCheckpointSaveMs, not after every batch: each save is two
   * fsyncs competing with the WAL's, and a checkpoint that lags only makes a restart re-read
   * records it then skips. Its sequences are always ones already durable in the WAL.
   */
  private scheduleSave(): void {
    if (this.saveTimer !== undefined || !this.serving) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.checkpointWriter.save().catch((error: unknown) => this.report(`cluster: saving the checkpoint failed: ${(error as Error).message}`));
    }, clusterCheckpointSaveMs);
  }

  /** Whether the store (or the overlay) already holds the record with this hash. */
  private holds(reads: Reads, hash: Hash, type: PreparedFields['type']): boolean {
    if (reads.overlay.get(hash) !== undefined) return true;
    return reads.store.has(type === 'assertion' ? assertionKeyHex(hash) : locatorKeyHex(hash));
  }

  private waitApplied(reader: Reader, seq: number, timeoutMs = clusterApplyWaitMsMax): Promise<void> {
    if (reader.appliedSeq >= seq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reader.waiters = reader.waiters.filter((w) => w !== waiter);
        reject(new ClusterUnavailableError(`${reader.subject} sequence ${seq} is stored in the stream but this node has not read it within ${timeoutMs} ms`));
      }, Math.min(timeoutMs, 2 ** 31 - 1));
      if (!Number.isFinite(timeoutMs)) clearTimeout(timer);
      const waiter: Waiter = { seq, resolve, reject, timer };
      reader.waiters.push(waiter);
    });
  }

  /** Answers a peer's lookup: the assertion's bytes when this node holds it, else nothing. */
  private lookupLocal(hash: string): Uint8Array {
    if (!isHash(hash)) return new Uint8Array(0);
    const reads = this.reads();
    return reads.overlay.get(hash)?.bytes ?? reads.store.get(assertionKeyHex(hash)) ?? new Uint8Array(0);
  }

  /** Asks the other nodes for an assertion (this node answers too: count it); resolves with its claim when one holds it. */
  private async lookupRemote(hash: Hash): Promise<Claim | undefined> {
    const peers = this.peers?.alive().length ?? 0;
    if (peers === 0) return undefined;
    let replies: AsyncIterable<{ data: Uint8Array }>;
    try {
      replies = await this.log.nc.requestMany(lookupSubject(this.names), hash, { strategy: 'count', maxMessages: peers + 1, maxWait: clusterLookupMs });
    } catch (error) {
      throw new ClusterUnavailableError(`looking up assertion ${hash} at the other nodes failed: ${(error as Error).message}`, { cause: error });
    }
    let found: Claim | undefined;
    try {
      for await (const reply of replies) {
        if (reply.data.length === 0 || found !== undefined) continue;
        // A reply that holds it ends the wait: the others would only say the same or nothing.
        // Checked, not trusted: the bytes must be an assertion with this very hash.
        if (hashRecordBytes(reply.data) !== hash) continue;
        found = claimOf(withoutObject(decodeRecord(reply.data)));
        if (found !== undefined) break;
      }
    } catch {
      // No responders or a timeout: what arrived is all there is.
    }
    return found;
  }

  /** The claims of every assertion the batch's votes, retractions and supersessions name that the batch does not hold. */
  private async targetsOf(batch: readonly PreparedRecord[]): Promise<Map<Hash, Claim>> {
    const reads = this.reads();
    const inBatch = new Map<Hash, Claim>();
    for (const { record, hash } of batch) {
      const claim = claimOf(record);
      if (claim !== undefined) inBatch.set(hash, claim);
    }
    const claims = new Map<Hash, Claim>(inBatch);
    const missing = new Set<Hash>();
    for (const { record } of batch) {
      const target = targetOf(record);
      if (target === undefined || claims.has(target)) continue;
      const local = assertionWithLsn(reads, target)?.assertion ?? this.published.get(target);
      if (local !== undefined) claims.set(target, local);
      else missing.add(target);
    }
    await Promise.all(
      [...missing].map(async (target) => {
        const claim = await this.lookupRemote(target);
        if (claim !== undefined) claims.set(target, claim);
      }),
    );
    return claims;
  }

  /** The stream subject and reader key of a checked record. */
  private route(record: PreparedFields, claims: ReadonlyMap<Hash, Claim>): { subject: string; key: SubjectKey; owned: boolean } {
    if (record.type === 'epoch') return { subject: epochsSubject(this.names), key: epochsKey, owned: true };
    const subject = record.type === 'assertion' ? record.subject : claims.get(record.assertion)?.subject;
    if (subject === undefined) throw new UnknownAssertionError(record.type === 'assertion' ? record.supersedes! : record.assertion);
    const k = partitionOf(subject, this.info.partitionCount);
    return { subject: partitionSubject(this.names, k), key: String(k), owned: this.owned.has(k) };
  }

  /** The cluster write path: check, publish (each acknowledged by a quorum), then wait to show it here. */
  async write(batch: PreparedRecord[], options: WriteOptions | undefined): Promise<WriteResult[]> {
    const claims = await this.targetsOf(batch);
    await checkVotes(this.reads(), noSettle, batch, claims);
    await checkTargets(this.reads(), noSettle, batch, claims);
    if (!batch.some(({ record }) => record.type === 'epoch')) return this.publish(batch, claims, options);
    const run = this.epochLock.then(async () => {
      const known = await checkEpochs(this.reads(), noSettle, batch);
      const fresh = batch.filter((_, i) => known[i] === undefined);
      const published = await this.publish(fresh, claims, options);
      // Two nodes may define one id differently at once: the stream's order decides (apply keeps
      // the first); the loser learns it here, after reading the epochs subject up to its write.
      for (const { record, hash } of fresh) {
        if (record.type !== 'epoch') continue;
        const stored = getEpochWithLsn(this.reads(), record.id);
        if (stored !== undefined && stored.epoch.hash !== hash) throw new EpochConflictError(record.id);
      }
      let next = 0;
      return batch.map((_, i) => known[i] ?? published[next++]!);
    });
    this.epochLock = run.catch(() => undefined);
    return run;
  }

  private async publish(batch: PreparedRecord[], claims: ReadonlyMap<Hash, Claim>, options: WriteOptions | undefined): Promise<WriteResult[]> {
    const routes = batch.map(({ record }) => this.route(record, claims));
    // A record that names another in the same batch must be stored after it: such a batch is
    // published one record at a time (a retried publish could otherwise land after its dependant).
    const hashes = new Set(batch.map((p) => p.hash));
    const ordered = batch.some(({ record }) => {
      const target = targetOf(record);
      return target !== undefined && hashes.has(target);
    });
    const publishOne = (i: number): Promise<{ seq: number }> => this.log.publish(routes[i]!.subject, batch[i]!.bytes, batch[i]!.hash);
    for (let i = 0; i < batch.length; i++) if (routes[i]!.owned) this.inFlight.set(batch[i]!.hash, batch[i]!);
    try {
      return await this.publishAndWait(batch, routes, publishOne, ordered, options);
    } finally {
      for (const { hash } of batch) this.inFlight.delete(hash);
    }
  }

  private async publishAndWait(
    batch: PreparedRecord[],
    routes: Array<{ subject: string; key: SubjectKey; owned: boolean }>,
    publishOne: (i: number) => Promise<{ seq: number }>,
    ordered: boolean,
    options: WriteOptions | undefined,
  ): Promise<WriteResult[]> {
    let acks: Array<{ seq: number }>;
    if (ordered) {
      acks = [];
      for (let i = 0; i < batch.length; i++) acks.push(await publishOne(i));
    } else {
      acks = await Promise.all(batch.map((_, i) => publishOne(i)));
    }
    for (const { record, hash } of batch) {
      const claim = claimOf(record);
      if (claim === undefined) continue;
      this.published.set(hash, claim);
      if (this.published.size > clusterPublishedClaimsMax) this.published.delete(this.published.keys().next().value!);
    }
    const wait = this.waitForApply && options?.visible !== false;
    const results: WriteResult[] = [];
    for (let i = 0; i < batch.length; i++) {
      const route = routes[i]!;
      const reader = this.readers.get(route.key);
      if (!route.owned || reader === undefined) {
        results.push({ hash: batch[i]!.hash, lsn: -1 });
        continue;
      }
      if (wait || batch[i]!.record.type === 'epoch') await this.waitApplied(reader, acks[i]!.seq);
      results.push({ hash: batch[i]!.hash, lsn: this.localLsn(batch[i]!) });
    }
    return results;
  }

  /** The record's LSN in this node's WAL, or -1 while it is not materialised here. */
  private localLsn({ record, hash }: PreparedRecord): number {
    const reads = this.reads();
    const lsn = record.type === 'assertion' ? assertionWithLsn(reads, hash)?.lsn : lsnByLocator(reads, hash);
    return lsn ?? -1;
  }

  /** The partition that holds `subject`. */
  partitionOf(subject: string): number {
    return partitionOf(subject, this.info.partitionCount);
  }

  owns(partition: number): boolean {
    return this.owned.has(partition);
  }

  /** The other nodes heard lately that own `partition`. */
  ownersOf(partition: number): Announcement[] {
    return this.peers?.ownersOf(partition) ?? [];
  }

  /** Every other node heard lately. */
  nodes(): Announcement[] {
    return this.peers?.alive() ?? [];
  }

  /** Sets the HTTP URL this node announces (once its server listens). */
  announceUrl(url: string): void {
    this.peers?.update({ url });
  }

  /** What this node's forwarded requests carry: its name and the key it announces. */
  forwardingCredentials(): { node: string; key: string } {
    return { node: this.info.node, key: this.forwardKey };
  }

  /** Whether a request carrying `node` and `key` was forwarded by a node of this cluster (this one included). */
  isPeer(node: string, key: string): boolean {
    return this.peers?.isPeer(node, key) ?? false;
  }

  /** The last stream sequence this node has in its local WAL, per subject key (a partition number, or "epochs"). */
  appliedSeqs(): Record<string, number> {
    return { ...this.checkpoint.seqs };
  }

  /** The checkpoint as saved (verify compares the store with the stream up to it). */
  savedCheckpoint(): CheckpointState {
    return { ...this.checkpoint, seqs: { ...this.checkpoint.seqs } };
  }

  async close(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.peers?.close();
    this.lookups?.unsubscribe();
    for (const reader of this.readers.values()) {
      for (const waiter of reader.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new ClusterUnavailableError('the node is closing'));
      }
      reader.waiters = [];
    }
    await Promise.allSettled([...this.readers.values()].map((reader) => reader.running));
    await this.checkpointWriter.flushed();
    if (this.serving) await this.checkpointWriter.save().catch((error: unknown) => this.report(`cluster: saving the checkpoint failed: ${(error as Error).message}`));
    await this.log.close();
  }
}
