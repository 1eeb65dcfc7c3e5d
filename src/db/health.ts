// What `health()` reports, and the one rule of whether this node can take writes
// (docs/operations.md). Surfaces map it (HTTP 200/503) but never judge it. Reading health
// must not throw for any state of the parts: a failed WAL or ingest is what it reports. It is
// served to remote clients as it is, so it names no absolute path (the data directory, a
// segment's directory): errors are shown as remoteMessage shows them.
import fs from 'node:fs';
import { hidePaths, remoteErrorText } from '../errors.js';
import { healthDeadLettersShownMax, healthDiskFreeBytesMin, healthIngestLagRecordsMax } from '../limits.js';
import type { IngestState } from '../ingest/index.js';
import { firstDeadLetters, readCounter, type DeadLetterKind } from '../layout/index.js';
import type { KVStore } from '../storage/index.js';

/** ok: takes writes; degraded: takes writes, with a warning; unavailable: refuses writes (or is about to). */
export type HealthStatus = 'ok' | 'degraded' | 'unavailable';

export interface WalHealth {
  /** failed: a write or fsync failed; every append is refused (WAL_FAILED) until a restart. */
  status: 'ok' | 'failed';
  /** The I/O error that failed the WAL (e.g. `ENOSPC: no space left on device, write`). */
  error?: string;
}

export interface IngestHealth {
  /**
   * ok; lagging (more than healthIngestLagRecordsMax records not yet ingested); failing (the KV
   * store refused the current batch `retries` times, retried with backoff); failed (stopped
   * for good: restart to recover, nothing is skipped); stopped (paused by pauseIngest).
   */
  status: 'ok' | 'lagging' | 'failing' | 'failed' | 'stopped';
  /** Records logged by this process and not yet ingested (queryable from memory meanwhile). */
  lagRecords: number;
  lagBytes: number;
  retries: number;
  lastError?: string;
}

export interface DiskHealth {
  /** low: fewer than healthDiskFreeBytesMin bytes free (under the data directory); unknown: statfs failed (see `error`). */
  status: 'ok' | 'low' | 'unknown';
  /** Bytes an unprivileged writer may still use (statfs bavail * bsize). */
  freeBytes?: number;
  totalBytes?: number;
  error?: string;
}

/** One dead letter as health names it: which logged record, and why it was not stored. */
export interface DeadLetterSummary {
  lsn: number;
  /** The record's hash (BLAKE3-256 of the logged payload). */
  hash: string;
  kind: DeadLetterKind;
  reason: string;
}

export interface DeadLetterHealth {
  /** present: logged records were filed as dead letters instead of stored (docs/operations.md, "Dead letters"). */
  status: 'ok' | 'present';
  count: number;
  /** The oldest dead letters, in log order, at most healthDeadLettersShownMax. */
  first: DeadLetterSummary[];
}

export interface StorageHealth {
  /**
   * limited: the KV store takes shorter keys than the longest the layout builds (an LMDB
   * environment created with 4 KiB pages): a record with a longer key becomes a dead letter.
   */
  status: 'ok' | 'limited';
  /** The longest key the store takes, in bytes. */
  keyBytesMax: number;
  /** The longest key the layout builds for a valid record (kvKeyBytesMax). */
  keyBytesNeeded: number;
}

export interface Health {
  status: HealthStatus;
  /** Whether the node accepts writes: the WAL is ok and ingest is neither failing nor failed. */
  writable: boolean;
  /** One line per part that is not ok, most serious first; empty when status is ok. */
  reasons: string[];
  wal: WalHealth;
  ingest: IngestHealth;
  disk: DiskHealth;
  deadLetters: DeadLetterHealth;
  storage: StorageHealth;
}

export interface HealthInputs {
  walFailure: Error | undefined;
  ingest: IngestState;
  lagRecords: number;
  lagBytes: number;
  disk: DiskHealth;
  deadLetters: { count: number; first: DeadLetterSummary[] };
  storage: { keyBytesMax: number; keyBytesNeeded: number };
}

/** Free and total bytes of the file system holding `dir`; never throws. */
export function diskHealth(dir: string): DiskHealth {
  try {
    const stats = fs.statfsSync(dir);
    const freeBytes = stats.bavail * stats.bsize;
    return { status: freeBytes < healthDiskFreeBytesMin ? 'low' : 'ok', freeBytes, totalBytes: stats.blocks * stats.bsize };
  } catch (error) {
    return { status: 'unknown', error: hidePaths((error as Error).message) };
  }
}

/**
 * The dead letters' count and the first few, read again only when the count has moved since
 * `seen` (a health probe every few seconds then costs one counter read; a letter holds its
 * whole payload, which may be megabytes).
 */
export function deadLetterInputs(store: KVStore, seen: HealthInputs['deadLetters']): HealthInputs['deadLetters'] {
  const count = readCounter(store, 'deadLetters');
  if (count === seen.count) return seen;
  const first = count === 0 ? [] : firstDeadLetters(store, healthDeadLettersShownMax).map(({ lsn, hash, kind, reason }) => ({ lsn, hash, kind, reason }));
  return { count, first };
}


function ingestStatus(state: IngestState, lagRecords: number): IngestHealth['status'] {
  if (state.status === 'failed') return 'failed';
  if (state.status === 'retrying') return 'failing';
  if (state.status === 'stopped') return 'stopped';
  return lagRecords > healthIngestLagRecordsMax ? 'lagging' : 'ok';
}

/**
 * The rule. Unavailable when the WAL has failed (every write is refused) or ingest is failing
 * or failed (writes are accepted into memory only until the overlay fills, then refused with
 * STORAGE). Degraded, still writable, when ingest lags or the disk is low: worth an alert, not
 * worth taking the node out of a load balancer. A paused ingest is an operator's choice: ok.
 */
export function judgeHealth(inputs: HealthInputs): Health {
  const { walFailure, ingest: state, lagRecords, lagBytes, disk } = inputs;
  const wal: WalHealth = walFailure === undefined ? { status: 'ok' } : { status: 'failed', error: remoteErrorText(walFailure) };
  const ingest: IngestHealth = {
    status: ingestStatus(state, lagRecords),
    lagRecords,
    lagBytes,
    retries: state.retries,
    ...(state.lastError !== undefined && { lastError: remoteErrorText(state.lastError) }),
  };
  const deadLetters: DeadLetterHealth = { status: inputs.deadLetters.count === 0 ? 'ok' : 'present', ...inputs.deadLetters };
  const { keyBytesMax, keyBytesNeeded } = inputs.storage;
  const storage: StorageHealth = { status: keyBytesMax < keyBytesNeeded ? 'limited' : 'ok', keyBytesMax, keyBytesNeeded };
  const refusing: string[] = [];
  const warnings: string[] = [];
  if (wal.status === 'failed') refusing.push(`wal failed: ${wal.error ?? ''}; writes are refused until a restart`);
  if (ingest.status === 'failed') refusing.push(`ingest failed: ${ingest.lastError ?? ''}; restart to recover`);
  if (ingest.status === 'failing') refusing.push(`ingest failing: ${ingest.retries} failed attempts at the current batch: ${ingest.lastError ?? ''}`);
  if (ingest.status === 'lagging') warnings.push(`ingest lagging: ${lagRecords} records not yet ingested`);
  if (disk.status === 'low') warnings.push(`disk low: ${disk.freeBytes ?? 0} bytes free under the data directory`);
  if (disk.status === 'unknown') warnings.push(`disk unknown: ${disk.error ?? ''}`);
  if (deadLetters.status === 'present') {
    const records = deadLetters.count === 1 ? '1 logged record was' : `${deadLetters.count} logged records were`;
    const oldest = deadLetters.first[0];
    const which = oldest === undefined ? '' : `; the first, at LSN ${oldest.lsn} (${oldest.hash}), ${oldest.kind}: ${oldest.reason}`;
    warnings.push(`dead letters: ${records} not stored${which}`);
  }
  if (storage.status === 'limited') {
    warnings.push(`storage limited: the KV store takes keys of at most ${keyBytesMax} bytes, the layout builds keys of up to ${keyBytesNeeded}: a record with a longer key becomes a dead letter until kv/ is rebuilt with 8 KiB pages`);
  }
  const writable = refusing.length === 0;
  const status: HealthStatus = !writable ? 'unavailable' : warnings.length > 0 ? 'degraded' : 'ok';
  return { status, writable, reasons: [...refusing, ...warnings], wal, ingest, disk, deadLetters, storage };
}
