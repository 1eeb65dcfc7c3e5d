// Online backup: a consistent copy of a live database that opens as a normal data directory,
// while writers go on. The store's invariant is that the KV checkpoint (written in the same
// LMDB transaction as the records it covers) plus the WAL from that checkpoint on is the whole
// database. So: (1) hold WAL truncation; (2) copy the KV store as of one LMDB read snapshot,
// whose checkpoint C is whatever ingest had committed; (3) read the WAL's durable end E (>= C:
// ingest never passes the durable end) and copy the retained segments up to E; (4) fsync it
// all, then rename the staging directory to the target. Every write acknowledged before the
// call ended below E, so it is in the KV snapshot or in the copied WAL; opening the copy
// replays (C, E] into its KV store. docs/decisions.md has the reasoning and what was rejected.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assert, BackupTargetExistsError } from '../errors.js';
import { nodeFileSystem } from '../fs/node-file-system.js';
import { readCheckpoint } from '../layout/index.js';
import { LmdbStore, type KVStore } from '../storage/index.js';
import type { Wal } from '../wal/index.js';

export interface BackupOptions {
  /** Copy the KV store compacted (free pages left out): slower, smaller. Default false. */
  compact?: boolean;
}

export interface BackupReport {
  /** The backup's directory: open it as a data directory to restore. */
  dir: string;
  /** The KV copy's checkpoint: records before this LSN were copied in the KV store. */
  kvCheckpointLsn: number;
  /** The copied WAL: from its first retained LSN to the durable end when the KV copy was done. */
  walFirstLsn: number;
  walEndLsn: number;
  walSegments: number;
  walBytes: number;
  compact: boolean;
  durationMs: number;
}

/** Refuses a target that exists and is not an empty directory. */
function checkTarget(target: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new BackupTargetExistsError(target);
    throw error;
  }
  if (entries.length > 0) throw new BackupTargetExistsError(target);
}

/** The KV copy's checkpoint, read by opening the copy (its own environment; closed at once). */
async function copiedCheckpoint(kvDir: string): Promise<number> {
  const copy = await LmdbStore.open({ path: kvDir });
  try {
    return readCheckpoint(copy);
  } finally {
    await copy.close();
  }
}

export async function backupDatabase(wal: Wal, store: KVStore, target: string, options: BackupOptions): Promise<BackupReport> {
  const startedMs = performance.now();
  const dir = path.resolve(target);
  checkTarget(dir);
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  // Staged beside the target and renamed into place last: a crash mid-copy never leaves a
  // half copy where the backup should be. rename(2) replaces an empty directory.
  const stage = path.join(parent, `.${path.basename(dir)}.partial-${randomBytes(6).toString('hex')}`);
  const compact = options.compact === true;
  const release = await wal.holdTruncation();
  try {
    await store.backup(path.join(stage, 'kv'), { compact });
    const walCopy = await wal.copyTo(path.join(stage, 'wal'));
    release();
    const kvCheckpointLsn = await copiedCheckpoint(path.join(stage, 'kv'));
    assert(kvCheckpointLsn <= walCopy.endLsn, 'a KV snapshot never holds records past the durable end read after it');
    assert(kvCheckpointLsn >= walCopy.firstLsn || (kvCheckpointLsn === 0 && walCopy.firstLsn === 0), 'truncation was held, so the WAL copy starts at or before the snapshot checkpoint');
    await nodeFileSystem.syncDirectory(stage);
    checkTarget(dir); // it may have been filled while we copied
    try {
      fs.renameSync(stage, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') throw new BackupTargetExistsError(dir);
      throw error;
    }
    await nodeFileSystem.syncDirectory(parent);
    return { dir, kvCheckpointLsn, walFirstLsn: walCopy.firstLsn, walEndLsn: walCopy.endLsn, walSegments: walCopy.segments, walBytes: walCopy.bytes, compact, durationMs: performance.now() - startedMs };
  } catch (error) {
    release();
    fs.rmSync(stage, { recursive: true, force: true });
    throw error;
  }
}
