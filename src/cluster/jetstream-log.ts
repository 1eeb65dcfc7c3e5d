// The replicated log of a StemeDB cluster: one JetStream stream whose subjects are the
// partitions and the epochs subject (subjects.ts). It creates the stream or checks the one that
// exists (the partition count is fixed when the stream is created and is its subject list: a
// node with another P refuses to start), publishes records with Nats-Msg-Id = the record's hash
// (a retried publish is stored once), and reads a subject in stream order from a sequence.
// Invariant: a publish resolves only with JetStream's PubAck, i.e. once a quorum of the
// stream's replicas stored it (see docs/cluster.md for what that does and does not promise).
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { ClusterUnavailableError, PartitionMismatchError } from '../errors.js';
import { clusterApplyBatchRecordsMax, clusterPullExpiresMs, clusterPullHeartbeatMs, clusterDuplicateWindowMs, clusterPublishAckMs, clusterPublishRetryMsMax } from '../limits.js';
import { streamSubjects, type ClusterNames } from './subjects.js';

export interface JetStreamLogOptions extends ClusterNames {
  /** nats://host:port URLs of the NATS servers (any of them; the client finds the others). */
  servers: readonly string[];
  /**
   * Partition count P: used to create the stream, checked against an existing one. Undefined:
   * the existing stream's P, or 1 when this node creates the stream.
   */
  partitions: number | undefined;
  /** Replicas of the stream when it is created (1 or 3 usually; ignored for an existing stream). */
  replicas: number;
  /** The connection's name, as NATS monitoring shows it. */
  connectionName: string;
  log: (message: string) => void;
}

/** One message read back from the stream. */
export interface LogMessage {
  seq: number;
  data: Uint8Array;
  /** The Nats-Msg-Id it was published with (StemeDB's writers use the record's hash). */
  msgId: string | undefined;
}

const nanosPerMs = 1_000_000;

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

function sameSubjects(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((subject, i) => subject === b[i]);
}

export class JetStreamLog {
  private constructor(
    readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly options: JetStreamLogOptions,
    /** When the stream was created (its identity: a stream deleted and made again is another log). */
    readonly streamCreated: string,
    /** The stream's partition count P. */
    readonly partitions: number,
  ) {}

  static async open(options: JetStreamLogOptions): Promise<JetStreamLog> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: [...options.servers],
        name: options.connectionName,
        // A node outlives any one server: keep reconnecting (to another server of the cluster).
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: 5_000,
      });
    } catch (error) {
      throw new ClusterUnavailableError(`cannot connect to NATS at ${options.servers.join(',')}: ${(error as Error).message}`, { cause: error });
    }
    try {
      // While a server restarts or the stream elects a leader, JetStream's API times out: retry.
      const { jsm, stream } = await retrying('checking the stream', async () => {
        const manager = await jetstreamManager(nc, { timeout: clusterPublishAckMs });
        return { jsm: manager, stream: await ensureStream(manager, options) };
      });
      return new JetStreamLog(nc, jetstream(nc, { timeout: clusterPublishAckMs }), jsm, options, stream.created, stream.partitions);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /**
   * Publishes `data` to `subject` with Nats-Msg-Id `msgId`; resolves with the stream sequence
   * once JetStream acknowledged it. A publish without an ack in time is retried with the same
   * id (the stream stores it once) until clusterPublishRetryMsMax, then CLUSTER_UNAVAILABLE.
   */
  async publish(subject: string, data: Uint8Array, msgId: string): Promise<{ seq: number; duplicate: boolean }> {
    const deadline = Date.now() + clusterPublishRetryMsMax;
    let delayMs = 50;
    for (;;) {
      try {
        const ack = await this.js.publish(subject, data, { msgID: msgId, expect: { streamName: this.options.stream }, timeout: clusterPublishAckMs });
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (error) {
        if (Date.now() + delayMs > deadline || this.nc.isClosed()) {
          throw new ClusterUnavailableError(`JetStream did not acknowledge the publish to ${subject} within ${clusterPublishRetryMsMax} ms: ${(error as Error).message}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, 1_000);
      }
    }
  }

  /** The sequence of the last message on `subject`, 0 when it holds none. */
  lastSeq(subject: string): Promise<number> {
    return retrying(`reading the last sequence of ${subject}`, () => this.lastSeqOnce(subject));
  }

  private async lastSeqOnce(subject: string): Promise<number> {
    try {
      const message = await this.jsm.streams.getMessage(this.options.stream, { last_by_subj: subject });
      return message?.seq ?? 0;
    } catch (error) {
      if (isApiError(error, JetStreamApiCodes.NoMessageFound)) return 0;
      throw new ClusterUnavailableError(`cannot read the last sequence of ${subject}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Reads `subject` in stream order from just after `afterSeq` with an ordered consumer (no
   * server-side state: the position is ours, a durable local checkpoint), handing `apply` a batch
   * at a time; each batch is applied before the next is read. Runs until `signal` aborts.
   */
  async read(subject: string, afterSeq: number, signal: AbortSignal, apply: (batch: LogMessage[]) => Promise<void>): Promise<void> {
    const consumer = await this.js.consumers.get(this.options.stream, {
      filter_subjects: subject,
      ...(afterSeq === 0 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 }),
    });
    // Short pulls with frequent heartbeats: when the server holding this (R1, ephemeral) consumer
    // dies, two missed heartbeats make the client recreate it on another server from the last
    // sequence it delivered, within seconds instead of the default 30 s pull's minute.
    const messages = await consumer.consume({ max_messages: clusterApplyBatchRecordsMax, expires: clusterPullExpiresMs, idle_heartbeat: clusterPullHeartbeatMs });
    const stop = (): void => void messages.close();
    signal.addEventListener('abort', stop, { once: true });
    // Aborted while the consumer was being created: the listener came too late to hear it.
    if (signal.aborted) stop();
    // Group commit: what has arrived is applied at once, as one batch; messages arriving while
    // it is applied form the next one. Nothing waits for more to come (a count of pending
    // messages can be stale after the ordered consumer was recreated on another server), and a
    // full batch holds the reader until the one being applied is done (backpressure).
    let batch: LogMessage[] = [];
    let applying: Promise<void> | undefined;
    let failure: Error | undefined;
    const kick = (): void => {
      if (applying !== undefined || batch.length === 0 || failure !== undefined) return;
      const taken = batch;
      batch = [];
      applying = apply(taken).then(
        () => {
          applying = undefined;
          kick();
        },
        (error: unknown) => {
          applying = undefined;
          failure = error as Error;
          void messages.close();
        },
      );
    };
    try {
      for await (const message of messages) {
        if (signal.aborted || failure !== undefined) break;
        batch.push({ seq: message.seq, data: message.data, msgId: message.headers?.get('Nats-Msg-Id') });
        kick();
        while (batch.length >= clusterApplyBatchRecordsMax && applying !== undefined) await applying;
      }
      while (applying !== undefined) await applying;
      if (failure === undefined && !signal.aborted) {
        kick();
        while (applying !== undefined) await applying;
      }
      if (failure !== undefined) throw failure;
    } finally {
      signal.removeEventListener('abort', stop);
      await messages.close();
    }
  }

  /** Every message on `subject` with a sequence up to `throughSeq`, in order (verify reads the stream with it). */
  async readThrough(subject: string, throughSeq: number, each: (message: LogMessage) => void): Promise<void> {
    if (throughSeq === 0) return;
    const abort = new AbortController();
    const last = await this.lastSeq(subject);
    if (last === 0) return;
    const end = Math.min(last, throughSeq);
    await this.read(subject, 0, abort.signal, async (batch) => {
      for (const message of batch) {
        if (message.seq > end) break;
        each(message);
      }
      if (batch[batch.length - 1]!.seq >= end) abort.abort();
    });
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }
}

/** Runs `step` again (JetStream timeouts, no leader yet) until clusterPublishRetryMsMax; never retries PARTITION_MISMATCH. */
async function retrying<T>(what: string, step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + clusterPublishRetryMsMax;
  for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 1_000)) {
    try {
      return await step();
    } catch (error) {
      if (error instanceof PartitionMismatchError) throw error;
      if (Date.now() + delayMs > deadline) {
        if (error instanceof ClusterUnavailableError) throw error;
        throw new ClusterUnavailableError(`${what} failed: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The partition count an existing stream's subject list encodes, or undefined when it is not a StemeDB stream. */
function partitionsOf(subjects: readonly string[], names: ClusterNames): number | undefined {
  const p = subjects.filter((s) => s.startsWith(`${names.prefix}.p.`)).length;
  return p > 0 && sameSubjects(subjects, streamSubjects(names, p)) ? p : undefined;
}

/** Checks an existing stream against this node's P (or adopts the stream's when the node gave none). */
function checkExisting(subjects: readonly string[], options: JetStreamLogOptions): number {
  const theirs = partitionsOf(subjects, options);
  if (theirs === undefined) throw new PartitionMismatchError(`stream ${options.stream} is not a StemeDB log with prefix ${options.prefix} (its subjects are ${JSON.stringify(subjects)})`);
  if (options.partitions !== undefined && options.partitions !== theirs) {
    throw new PartitionMismatchError(`stream ${options.stream} was created with ${theirs} partitions, this node was started with ${options.partitions}; P is fixed when the stream is created: start the node with --partition-count ${theirs} (or without it)`);
  }
  return theirs;
}

/** Creates the stream, or checks the existing one; returns its creation time and partition count. */
async function ensureStream(jsm: JetStreamManager, options: JetStreamLogOptions): Promise<{ created: string; partitions: number }> {
  try {
    const info = await jsm.streams.info(options.stream);
    return { created: info.created, partitions: checkExisting(info.config.subjects ?? [], options) };
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) {
      if (error instanceof PartitionMismatchError) throw error;
      throw new ClusterUnavailableError(`cannot read stream ${options.stream}: ${(error as Error).message}`, { cause: error });
    }
  }
  const partitions = options.partitions ?? 1;
  const subjects = streamSubjects(options, partitions);
  // Passed explicitly rather than trusting the server's defaults: the stream is the truth, so it
  // keeps everything (no age, count or size limit) and refuses, rather than drops, when full.
  const config: Partial<StreamConfig> & { name: string } = {
    name: options.stream,
    description: `StemeDB log: ${partitions} partitions (${options.prefix}.p.0-${partitions - 1}) and ${options.prefix}.epochs`,
    subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    max_msgs_per_subject: -1,
    num_replicas: options.replicas,
    duplicate_window: clusterDuplicateWindowMs * nanosPerMs,
    allow_direct: false,
  };
  try {
    const info = await jsm.streams.add(config);
    options.log(`created stream ${options.stream}: ${partitions} partitions, ${options.replicas} replicas`);
    return { created: info.created, partitions };
  } catch (error) {
    // Another node created it meanwhile: check theirs as above.
    try {
      const info = await jsm.streams.info(options.stream);
      return { created: info.created, partitions: checkExisting(info.config.subjects ?? [], options) };
    } catch (again) {
      if (again instanceof PartitionMismatchError) throw again;
      throw new ClusterUnavailableError(`cannot create stream ${options.stream}: ${(error as Error).message}`, { cause: error });
    }
  }
}
