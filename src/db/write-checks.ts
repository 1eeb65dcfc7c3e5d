// Checks a write must pass before it is logged: a vote needs its assertion to exist (stored,
// pending in the overlay, or earlier in the same batch); a retraction and an assertion that
// supersedes another need their target to exist too, by the same source (NOT_AUTHOR), and a
// superseding assertion keeps the target's subject and predicate (INVALID_RECORD); an epoch
// id may be defined once: the same content again is idempotent, other content is EPOCH_CONFLICT. A record written with
// {visible: false} is in neither place until ingested, so before refusing a vote, and before
// judging an epoch, the checks wait for those to be ingested (`settle`; free when none are).
// A new record's createdAt may not be ahead of the server's clock by more than a stated skew
// (CREATED_AT_IN_FUTURE): a write-time policy, never applied to records already logged.
import { CreatedAtInFutureError, EpochConflictError, InvalidRecordError, NotAuthorError, UnknownAssertionError } from '../errors.js';
import { createdAtSkewMsMax } from '../limits.js';
import type { Assertion, Epoch, Hash, PreparedFields, PreparedRecord } from '../records/index.js';
import { assertionWithLsn } from './claims.js';
import { getEpochWithLsn, hasAssertion, type Reads } from './queries.js';

/** What the checks need of a target assertion. */
export type Claim = Pick<Assertion, 'subject' | 'predicate' | 'source'>;

/**
 * Retractions and superseding assertions: each target must exist (stored, pending, or earlier
 * in the batch) and be by the same source; a superseding assertion must keep its subject and
 * predicate. Retracting or superseding twice is allowed: the first in log order decides.
 */
export async function checkTargets(reads: Reads, settle: () => Promise<void>, batch: readonly PreparedRecord[], elsewhere?: ReadonlyMap<Hash, Claim>): Promise<void> {
  let settled = false;
  const earlier = new Map<Hash, Claim>(); // assertions earlier in the batch: logged before
  for (const { record, hash } of batch) {
    const target = targetOf(record);
    if (record.type === 'assertion') earlier.set(hash, record);
    if (target === undefined) continue;
    // `elsewhere`: in cluster mode, targets another node holds (src/db/cluster-node.ts).
    let claim: Claim | undefined = earlier.get(target) ?? assertionWithLsn(reads, target)?.assertion ?? elsewhere?.get(target);
    if (claim === undefined && !settled) {
      await settle(); // a {visible: false} write may hold it
      settled = true;
      claim = assertionWithLsn(reads, target)?.assertion;
    }
    if (claim === undefined) throw new UnknownAssertionError(target);
    const source = (record as { source: string }).source;
    if (claim.source !== source) throw new NotAuthorError(target, claim.source, source);
    if (record.type === 'assertion' && (claim.subject !== record.subject || claim.predicate !== record.predicate)) {
      throw new InvalidRecordError('supersedes', `names an assertion about ${JSON.stringify(claim.subject)} / ${JSON.stringify(claim.predicate)}; a superseding assertion keeps the subject and predicate of the one it replaces`);
    }
  }
}

function targetOf(record: PreparedFields): Hash | undefined {
  if (record.type === 'retraction') return record.assertion;
  return record.type === 'assertion' ? record.supersedes : undefined;
}

export async function checkVotes(reads: Reads, settle: () => Promise<void>, batch: readonly PreparedRecord[], elsewhere?: ReadonlyMap<Hash, Claim>): Promise<void> {
  let inBatch: Set<Hash> | undefined; // built at the first vote: most batches have none
  let settled = false;
  for (const { record } of batch) {
    if (record.type !== 'vote') continue;
    inBatch ??= new Set(batch.filter((p) => p.record.type === 'assertion').map((p) => p.hash));
    if (inBatch.has(record.assertion) || hasAssertion(reads, record.assertion) || elsewhere?.has(record.assertion) === true) continue;
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

/**
 * Every record's createdAt is at most createdAtSkewMsMax ahead of `nowMs`, else
 * CREATED_AT_IN_FUTURE naming the record (`[i].createdAt` in a batch). createdAt is metadata
 * (log order decides which vote is a voter's latest: docs/beliefs.md); the bound keeps it honest.
 */
export function checkCreatedAt(batch: readonly PreparedRecord[], nowMs: number, batched: boolean): void {
  const latest = nowMs + createdAtSkewMsMax;
  batch.forEach(({ record }, i) => {
    if (record.createdAt > latest) throw new CreatedAtInFutureError(batched ? `[${i}].createdAt` : 'createdAt', record.createdAt, nowMs, createdAtSkewMsMax);
  });
}
