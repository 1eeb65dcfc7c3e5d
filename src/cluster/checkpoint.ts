// The node's position in the stream: per owned subject (each partition, and the epochs
// subject), the last stream sequence whose record is durable in this node's local WAL. Kept in
// <data>/cluster-checkpoint.json, replaced atomically (write a temp file, fsync it, rename, fsync
// the directory). Invariant: a sequence is saved only after the records up to it are durable in
// the local WAL, so the file is never ahead of the WAL; it may lag it (a crash between the two),
// and then a restart reads those records again, which apply skips: they are content-addressed.
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, PartitionMismatchError } from '../errors.js';

export const checkpointFileName = 'cluster-checkpoint.json';

/** What the file holds (version 1). */
export interface CheckpointState {
  version: 1;
  stream: string;
  /** The stream's creation time: a stream deleted and created again is another log. */
  streamCreated: string;
  partitions: number;
  /** The partitions this node has consumed, sorted. */
  owned: number[];
  /** Last durable sequence per subject key: the partition number, or "epochs". */
  seqs: Record<string, number>;
}

export function readCheckpointFile(dir: string): CheckpointState | undefined {
  const file = path.join(dir, checkpointFileName);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as CheckpointState;
  if (state.version !== 1 || typeof state.stream !== 'string' || typeof state.seqs !== 'object') {
    throw new InvalidArgumentError(`${file} is not a StemeDB cluster checkpoint (version 1)`);
  }
  return state;
}

/**
 * The checkpoint a node starts from: the file's, checked against the stream (same stream,
 * same creation, same P), or a fresh one for an empty directory or a node that had none.
 */
export function startingCheckpoint(dir: string, stream: string, streamCreated: string, partitions: number): CheckpointState {
  const saved = readCheckpointFile(dir);
  if (saved === undefined) return { version: 1, stream, streamCreated, partitions, owned: [], seqs: {} };
  if (saved.stream !== stream || saved.partitions !== partitions) {
    throw new PartitionMismatchError(`this data directory was materialised from stream ${saved.stream} with ${saved.partitions} partitions, not ${stream} with ${partitions}; start the node with those or with an empty directory`);
  }
  if (saved.streamCreated !== streamCreated) {
    throw new PartitionMismatchError(`stream ${stream} was deleted and created again (created ${streamCreated}, this directory read the one created ${saved.streamCreated}); start the node with an empty directory to rebuild from the new stream`);
  }
  return saved;
}

/** Saves checkpoints one at a time; a save asked for during another runs once after it, with the newest state. */
export class CheckpointWriter {
  private saving: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly dir: string,
    private readonly state: () => CheckpointState,
  ) {}

  /** Resolves once a save that started after this call has finished. */
  save(): Promise<void> {
    if (this.saving !== undefined) {
      this.again = true;
      return this.saving.then(() => this.save());
    }
    this.saving = (async () => {
      try {
        do {
          this.again = false;
          await writeAtomically(this.dir, JSON.stringify(this.state()));
        } while (this.again);
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }

  async flushed(): Promise<void> {
    while (this.saving !== undefined) await this.saving.catch(() => undefined);
  }
}

async function writeAtomically(dir: string, text: string): Promise<void> {
  const file = path.join(dir, checkpointFileName);
  const temp = `${file}.tmp`;
  const handle = await fs.promises.open(temp, 'w');
  try {
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, file);
  const dirHandle = await fs.promises.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
