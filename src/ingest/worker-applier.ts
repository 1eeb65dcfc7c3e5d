// Applies ingest batches on a worker thread (apply-worker.ts) that holds its own handle on the
// database's LMDB environment. The thread serving reads and writes then never waits for an
// LMDB commit and its fsync: it packs a batch (one copy of the bytes), posts it, and goes on.
// After each commit it refreshes its own read snapshot (lmdb-js keeps a read transaction
// per thread and renews it lazily), so that once apply() resolves, its reads see the batch.
// A worker that dies fails the batches it held (the ingestor retries them) and is replaced on
// the next request.
import { Worker } from 'node:worker_threads';
import { StorageError } from '../errors.js';
import type { Counts } from '../layout/index.js';
import { defaultPairLimits, type IngestEntry } from './apply.js';
import type { PairLimits } from './pair-summaries.js';
import type { BatchApplier } from './applier.js';
import { packBatch, type ApplyReply, type ApplyRequest } from './batch-message.js';

type Pending = { resolve: (reply: ApplyReply & { ok: true }) => void; reject: (error: Error) => void };
type Request = ApplyRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class WorkerApplier implements BatchApplier {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /**
   * `path`: the LMDB environment's directory. `refreshReads`: renews this thread's read
   * snapshot (LmdbStore.refreshReads), called after every commit before apply() resolves.
   * `workerUrl`: the worker's script; tests pass one that fails on purpose. `pairLimits`: when a
   * pair's belief state leaves the inline form (pair-summaries.ts).
   */
  constructor(
    private readonly path: string,
    private readonly refreshReads: () => void,
    private readonly workerUrl: URL = new URL('./apply-worker.js', import.meta.url),
    private readonly pairLimits: PairLimits = defaultPairLimits,
  ) {}

  async apply(batch: readonly IngestEntry[]): Promise<Counts> {
    const packed = packBatch(batch);
    const transfer = [packed.meta.buffer, packed.bytes.buffer, packed.hashes.buffer] as ArrayBuffer[];
    const reply = await this.request({ kind: 'apply', batch: packed }, transfer);
    this.refreshReads();
    return reply.added!;
  }

  async flushed(): Promise<void> {
    await this.request({ kind: 'flushed' }, []);
  }

  /** Closes the worker's store and waits for the thread to end. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    try {
      await this.send(worker, { kind: 'close' }, []);
    } finally {
      worker.ref(); // until the thread has ended: settle() unrefs it once nothing is pending
      await exited;
    }
  }

  private request(request: Request, transfer: ArrayBuffer[]): Promise<ApplyReply & { ok: true }> {
    if (this.closed) return Promise.reject(new StorageError('the ingest worker is closed'));
    return this.send(this.worker ?? this.spawn(), request, transfer);
  }

  private send(worker: Worker, request: Request, transfer: ArrayBuffer[]): Promise<ApplyReply & { ok: true }> {
    const id = this.nextId++;
    const reply = new Promise<ApplyReply & { ok: true }>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.ref(); // an unfinished batch keeps the process alive; an idle worker does not
    worker.postMessage({ id, ...request }, transfer);
    return reply;
  }

  private spawn(): Worker {
    const worker = new Worker(this.workerUrl, { workerData: { path: this.path, pairLimits: this.pairLimits } });
    worker.unref();
    worker.on('message', (reply: ApplyReply) => this.settle(worker, reply));
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the ingest worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(worker: Worker, reply: ApplyReply): void {
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) worker.unref();
    if (pending === undefined) return;
    if (reply.ok) pending.resolve(reply);
    else pending.reject(new StorageError(`ingest worker: ${reply.message}${reply.code === undefined ? '' : ` (${reply.code})`}`));
  }

  /** The worker died or exited: what it held fails, and the next request starts a new one. */
  private lost(worker: Worker, cause: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const failure = new StorageError(`ingest worker stopped: ${cause.message}`, { cause });
    for (const pending of this.pending.values()) pending.reject(failure);
    this.pending.clear();
  }
}
