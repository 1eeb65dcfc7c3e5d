// What `stats()` reports: record counts (the ingestor's counters plus what is pending in the
// overlay), the WAL's size, and how far and how well ingest is keeping up.
import { remoteErrorText } from '../errors.js';
import { readCheckpoint, readCounter, type CounterName } from '../layout/index.js';
import type { Ingestor } from '../ingest/index.js';
import type { Wal } from '../wal/index.js';
import type { Reads } from './queries.js';

export interface StemeStats {
  records: Record<Exclude<CounterName, 'deadLetters'>, number>;
  deadLetters: number;
  wal: { segments: number; bytes: number; firstLsn: number; endLsn: number };
  ingest: {
    checkpointLsn: number;
    lagBytes: number;
    lagRecords: number;
    /** ok, retrying (the store refused the current batch `retries` times), failed (stopped; reopen), stopped (paused). */
    status: 'ok' | 'retrying' | 'failed' | 'stopped';
    retries: number;
    lastError: string | undefined;
  };
}

/** `logged`: records logged by this process since open; `appliedAtOpen`: the ingestor's count then. */
export function collectStats({ store, overlay }: Reads, wal: Wal, ingestor: Ingestor, logged: number, appliedAtOpen: number): StemeStats {
  // The counters below and this checkpoint come from one read snapshot. The apply worker
  // may have committed a batch that this snapshot already shows while its reply (which
  // advances the ingestor's checkpoint) is still on its way: evict through the snapshot's
  // own checkpoint too, or that batch would be counted twice. A snapshot never moves back.
  overlay.evictThrough(readCheckpoint(store));
  // Queryable but not yet counted by the ingestor: pending records the store does not hold.
  const pending = overlay.unstoredCounts();
  const progress = ingestor.progress();
  const state = ingestor.state();
  return {
    records: {
      assertions: readCounter(store, 'assertions') + pending.assertion,
      votes: readCounter(store, 'votes') + pending.vote,
      epochs: readCounter(store, 'epochs') + pending.epoch,
      retractions: readCounter(store, 'retractions') + pending.retraction,
    },
    deadLetters: readCounter(store, 'deadLetters'),
    wal: wal.stats(),
    ingest: {
      checkpointLsn: progress.checkpointLsn,
      lagBytes: progress.endLsn - progress.checkpointLsn,
      lagRecords: Math.max(0, logged - (ingestor.recordsApplied - appliedAtOpen)),
      status: state.status,
      retries: state.retries,
      // Served to remote clients as it is (GET /v1/stats): no absolute path.
      lastError: state.lastError === undefined ? undefined : remoteErrorText(state.lastError),
    },
  };
}
