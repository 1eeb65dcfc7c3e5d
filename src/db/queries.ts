// Read-side queries over the KV store: get by hash, assertions about a subject (paged by an
// opaque cursor), votes for an assertion, epochs. Reads are synchronous LMDB lookups; every
// value is the record's canonical bytes, decoded on the way out.
import { InvalidArgumentError } from '../errors.js';
import { pageLimitDefault, pageLimitMax } from '../limits.js';
import type { Overlay, OverlayEntry } from './overlay.js';
import {
  decodeStored,
  hashFromBytes,
  hashRecordBytes,
  hashToBytes,
  openView,
  parseHash,
  type RecordView,
  type Epoch,
  type Hash,
  type StemeRecord,
  type Vote,
} from '../records/index.js';
import type { KVStore } from '../storage/index.js';
import {
  assertionKeyFromText,
  decodeLocator,
  assertionKeyHex,
  epochKey,
  epochPrefix,
  hashFromKeyEnd,
  locatorKey,
  locatorKeyHex,
  votePrefix,
} from '../layout/index.js';

export type Stored<T> = T & { hash: Hash };
export type StoredRecord = Stored<StemeRecord>;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}

export interface PageOptions {
  limit?: number;
  cursor?: string;
}

function invalidHash(value: unknown, what: string): InvalidArgumentError {
  return new InvalidArgumentError(`${what} must be 64 lowercase hex characters (a BLAKE3-256 hash), got ${JSON.stringify(value)}`);
}

/** A hash from a caller: INVALID_ARGUMENT (not INVALID_RECORD) when malformed. */
export function toHash(value: unknown, what = 'hash'): Hash {
  try {
    return parseHash(value as string);
  } catch {
    throw invalidHash(value, what);
  }
}

export function toLimit(limit: number | undefined): number {
  const value = limit ?? pageLimitDefault;
  if (!Number.isSafeInteger(value) || value < 1 || value > pageLimitMax) {
    throw new InvalidArgumentError(`limit must be an integer from 1 to ${pageLimitMax}, got ${String(limit)}`);
  }
  return value;
}

function withHash<T extends StemeRecord>(record: T, hash: Hash): Stored<T> {
  return { ...record, hash };
}

/** Where queries read: the KV store, and the records logged but not yet ingested. */
export interface Reads {
  store: KVStore;
  overlay: Overlay;
}

/**
 * The stored bytes of the record with the hash a caller gave (checked here, as toHash would):
 * pending in memory, H: directly, votes and epochs via R:.
 */
function getRecordBytes({ store, overlay }: Reads, hash: string): Uint8Array | undefined {
  // The get-by-hash path: the check and the H: key come from one pass over the text.
  const assertionKey = typeof hash === 'string' ? assertionKeyFromText(hash) : undefined;
  if (assertionKey === undefined) throw invalidHash(hash, 'hash');
  const pending = overlay.get(hash as Hash);
  if (pending !== undefined) return pending.bytes;
  const assertion = store.get(assertionKey);
  if (assertion !== undefined) return assertion;
  const locator = store.get(locatorKeyHex(hash));
  return locator === undefined ? undefined : store.get(decodeLocator(locator).primaryKey);
}

/** The record with the hash a caller gave, decoded; INVALID_ARGUMENT for a malformed hash. */
export function getRecord(reads: Reads, hash: string): StoredRecord | undefined {
  const bytes = getRecordBytes(reads, hash);
  return bytes === undefined ? undefined : withHash(decodeStored(bytes), hash as Hash);
}

/** A zero-copy view over the stored bytes (fields decode lazily, on access); as getRecord for a malformed hash. */
export function getView(reads: Reads, hash: string): RecordView | undefined {
  const bytes = getRecordBytes(reads, hash);
  return bytes === undefined ? undefined : openView(bytes);
}

/** Whether the assertion with this hash is stored or pending. */
export function hasAssertion({ store, overlay }: Reads, hash: Hash): boolean {
  return overlay.get(hash)?.record.type === 'assertion' || store.has(assertionKeyHex(hash));
}

/**
 * A pending record as a query returns it: decoded from its bytes when it is an assertion (the
 * overlay keeps no object, and a caller must get its own, as from the KV store).
 */
export function pendingRecord(entry: OverlayEntry): Stored<StemeRecord> {
  return entry.record.type === 'assertion' ? withHash(decodeStored(entry.bytes), entry.hash) : withHash(entry.record, entry.hash);
}


/** Every vote on an assertion logged below `asOf`, with the LSN it was first logged at, in log order (the order that decides a voter's latest). */
export function votesWithLsn({ store, overlay }: Reads, assertion: Hash, asOf = Number.POSITIVE_INFINITY): Array<{ vote: Stored<Vote>; lsn: number }> {
  const votes: Array<{ vote: Stored<Vote>; lsn: number }> = [];
  const seen = new Set<Hash>();
  for (const { key, value } of store.scanPrefix(votePrefix(hashToBytes(assertion)))) {
    // The vote's hash ends its V: key (ingest stored it there from the hashed bytes).
    const hashBytes = hashFromKeyEnd(key);
    const hash = hashFromBytes(hashBytes);
    const locator = store.get(locatorKey(hashBytes));
    const lsn = locator === undefined ? 0 : decodeLocator(locator).lsn;
    seen.add(hash);
    if (lsn < asOf) votes.push({ vote: withHash(decodeStored(value) as Vote, hash), lsn });
  }
  for (const entry of overlay.votesFor(assertion)) {
    if (!seen.has(entry.hash) && entry.lsn < asOf) votes.push({ vote: withHash(entry.record, entry.hash), lsn: entry.lsn });
  }
  return votes.sort((a, b) => a.lsn - b.lsn);
}

/** The epoch with this id (its first definition) and the LSN it was logged at. */
export function getEpochWithLsn({ store, overlay }: Reads, id: number): { epoch: Stored<Epoch>; lsn: number } | undefined {
  const bytes = store.get(epochKey(id));
  if (bytes === undefined) {
    const pending = overlay.epoch(id);
    return pending === undefined ? undefined : { epoch: withHash(pending.record, pending.hash), lsn: pending.lsn };
  }
  const hash = hashRecordBytes(bytes);
  const locator = store.get(locatorKey(hashToBytes(hash)));
  return { epoch: withHash(decodeStored(bytes) as Epoch, hash), lsn: locator === undefined ? 0 : decodeLocator(locator).lsn };
}

export function getEpoch(reads: Reads, id: number): Stored<Epoch> | undefined {
  return getEpochWithLsn(reads, id)?.epoch;
}

/** Every epoch, by id. */
export function listEpochs({ store, overlay }: Reads): Array<Stored<Epoch>> {
  const epochs: Array<Stored<Epoch>> = [];
  const ids = new Set<number>();
  for (const entry of store.scanPrefix(epochPrefix())) {
    const epoch = withHash(decodeStored(entry.value) as Epoch, hashRecordBytes(entry.value));
    epochs.push(epoch);
    ids.add(epoch.id);
  }
  const pending = overlay.epochs().filter((entry) => !ids.has(entry.record.id));
  if (pending.length === 0) return epochs;
  return [...epochs, ...pending.map((entry) => withHash(entry.record, entry.hash))].sort((a, b) => a.id - b.id);
}

/**
 * The LSN a vote, epoch or retraction was first logged at (its locator, or the overlay), or
 * undefined if the store holds no such record. Assertions: claims.ts's assertionWithLsn.
 */
export function lsnByLocator({ store, overlay }: Reads, hash: string): number | undefined {
  // The store first: a record sent again after its first copy was ingested is also pending,
  // under a later LSN; it counts from the first.
  const locator = store.get(locatorKeyHex(hash));
  if (locator !== undefined) return decodeLocator(locator).lsn;
  return overlay.get(hash as Hash)?.lsn;
}

/** The subject and predicate of the assertion `hash` the KV store holds (undefined if it holds none): what the overlay indexes a pending vote or retraction under. */
export function storedPairOf(store: KVStore): (hash: Hash) => { subject: string; predicate: string } | undefined {
  return (hash) => {
    const bytes = store.get(assertionKeyHex(hash));
    if (bytes === undefined) return undefined;
    const view = openView(bytes);
    return view.type === 'assertion' ? { subject: view.subject, predicate: view.predicate } : undefined;
  };
}

/** Whether the KV store already holds this pending record (a re-sent one, or ingested since). */
export function storeHolds(store: KVStore, entry: OverlayEntry): boolean {
  return store.has(entry.record.type === 'assertion' ? assertionKeyHex(entry.hash) : locatorKeyHex(entry.hash));
}
