// Checks a write must pass before it is logged: a vote needs its assertion to exist (stored,
// pending in the overlay, or earlier in the same batch), and an epoch id may be defined once:
// the same content again is idempotent, other content is EPOCH_CONFLICT. A record written with
// {visible: false} is in neither place until ingested, so before refusing a vote, and before
// judging an epoch, the checks wait for those to be ingested (`settle`; free when none are).
import { EpochConflictError, InvalidRecordError, UnknownAssertionError } from '../errors.js';
import type { Epoch, Hash, PreparedRecord } from '../records/index.js';
import { getEpochWithLsn, hasAssertion, type Reads } from './queries.js';

/**
 * Refuses what the records module accepts but the store cannot hold yet. A logged retraction
 * would become a dead letter, and an assertion's `supersedes` would be missing from the index
 * that will be built for it; the HTTP schemas refuse both too, so every surface agrees.
 */
export function checkWritableYet({ record }: PreparedRecord): void {
  // #11: retraction storage lands with the layout module
  if (record.type === 'retraction') throw new InvalidRecordError('type', 'retractions cannot be written yet');
  if (record.type === 'assertion' && record.supersedes !== undefined) throw new InvalidRecordError('supersedes', 'cannot be written yet');
}

export async function checkVotes(reads: Reads, settle: () => Promise<void>, batch: readonly PreparedRecord[]): Promise<void> {
  let inBatch: Set<Hash> | undefined; // built at the first vote: most batches have none
  let settled = false;
  for (const { record } of batch) {
    if (record.type !== 'vote') continue;
    inBatch ??= new Set(batch.filter((p) => p.record.type === 'assertion').map((p) => p.hash));
    if (inBatch.has(record.assertion) || hasAssertion(reads, record.assertion)) continue;
    if (!settled) {
      await settle();
      settled = true;
      if (hasAssertion(reads, record.assertion)) continue;
    }
    throw new UnknownAssertionError(record.assertion);
  }
}

function sameDefinition(a: Epoch, b: Epoch): boolean {
  return a.id === b.id && a.name === b.name && a.description === b.description && a.parent === b.parent;
}

/**
 * For each record: the existing write result when it re-defines a known epoch with the same
 * content (it is not logged again), else undefined. Throws EPOCH_CONFLICT on other content.
 * Call under the database's epoch lock.
 */
export async function checkEpochs(
  reads: Reads,
  settle: () => Promise<void>,
  batch: readonly PreparedRecord[],
): Promise<Array<{ hash: Hash; lsn: number } | undefined>> {
  await settle();
  const inBatch = new Map<number, Hash>();
  return batch.map(({ record, hash }) => {
    if (record.type !== 'epoch') return undefined;
    const earlier = inBatch.get(record.id);
    if (earlier !== undefined) {
      if (earlier !== hash) throw new EpochConflictError(record.id);
      return undefined;
    }
    inBatch.set(record.id, hash);
    const existing = getEpochWithLsn(reads, record.id);
    if (existing === undefined) return undefined;
    if (!sameDefinition(existing.epoch, record)) throw new EpochConflictError(record.id);
    return { hash: existing.epoch.hash, lsn: existing.lsn };
  });
}
