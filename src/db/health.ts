// What `health()` reports, and the one rule of whether this node can take writes
// (docs/operations.md). Surfaces map it (HTTP 200/503) but never judge it. Reading health
// must not throw for any state of the parts: a failed WAL or ingest is what it reports.
import fs from 'node:fs';
import { healthDiskFreeBytesMin, healthIngestLagRecordsMax } from '../limits.js';
import type { IngestState } from '../ingest/index.js';

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
  /** low: fewer than healthDiskFreeBytesMin bytes free; unknown: statfs failed (see `error`). */
  status: 'ok' | 'low' | 'unknown';
  /** The data directory whose file system this is. */
  path: string;
  /** Bytes an unprivileged writer may still use (statfs bavail * bsize). */
  freeBytes?: number;
  totalBytes?: number;
  error?: string;
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
}

export interface HealthInputs {
  walFailure: Error | undefined;
  ingest: IngestState;
  lagRecords: number;
  lagBytes: number;
  disk: DiskHealth;
}

/** Free and total bytes of the file system holding `dir`; never throws. */
export function diskHealth(dir: string): DiskHealth {
  try {
    const stats = fs.statfsSync(dir);
    const freeBytes = stats.bavail * stats.bsize;
    return { status: freeBytes < healthDiskFreeBytesMin ? 'low' : 'ok', path: dir, freeBytes, totalBytes: stats.blocks * stats.bsize };
  } catch (error) {
    return { status: 'unknown', path: dir, error: (error as Error).message };
  }
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
  const wal: WalHealth = walFailure === undefined ? { status: 'ok' } : { status: 'failed', error: walFailure.message };
  const ingest: IngestHealth = {
    status: ingestStatus(state, lagRecords),
    lagRecords,
    lagBytes,
    retries: state.retries,
    ...(state.lastError !== undefined && { lastError: state.lastError.message }),
  };
  const refusing: string[] = [];
  const warnings: string[] = [];
  if (wal.status === 'failed') refusing.push(`wal failed: ${wal.error ?? ''}; writes are refused until a restart`);
  if (ingest.status === 'failed') refusing.push(`ingest failed: ${ingest.lastError ?? ''}; restart to recover`);
  if (ingest.status === 'failing') refusing.push(`ingest failing: ${ingest.retries} failed attempts at the current batch: ${ingest.lastError ?? ''}`);
  if (ingest.status === 'lagging') warnings.push(`ingest lagging: ${lagRecords} records not yet ingested`);
  if (disk.status === 'low') warnings.push(`disk low: ${disk.freeBytes ?? 0} bytes free under ${disk.path}`);
  if (disk.status === 'unknown') warnings.push(`disk unknown: ${disk.error ?? ''}`);
  const writable = refusing.length === 0;
  const status: HealthStatus = !writable ? 'unavailable' : warnings.length > 0 ? 'degraded' : 'ok';
  return { status, writable, reasons: [...refusing, ...warnings], wal, ingest, disk };
}
