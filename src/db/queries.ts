// Read-side queries over the KV store: get by hash, assertions about a subject (paged by an
// opaque cursor), votes for an assertion, epochs. Reads are synchronous LMDB lookups; every
// value is the record's canonical bytes, decoded on the way out.
import { InvalidArgumentError } from '../errors.js';
import { decodeLocator } from '../ingest/index.js';
import { pageLimitDefault, pageLimitMax } from '../limits.js';
import {
  decodeRecord,
  hashFromBytes,
  hashRecordBytes,
  hashToBytes,
  openView,
  parseHash,
  type Assertion,
  type RecordView,
  type Epoch,
  type Hash,
  type StemeRecord,
  type Vote,
} from '../records/index.js';
import {
  assertionKeyHex,
  epochKey,
  epochPrefix,
  hashFromSubjectKey,
  locatorKey,
  locatorKeyHex,
  subjectKey,
  subjectPrefix,
  votePrefix,
  type KVStore,
} from '../storage/index.js';

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

/** A hash from a caller: INVALID_ARGUMENT (not INVALID_RECORD) when malformed. */
export function toHash(value: unknown, what = 'hash'): Hash {
  try {
    return parseHash(value as string);
  } catch {
    throw new InvalidArgumentError(`${what} must be 64 lowercase hex characters (a BLAKE3-256 hash), got ${JSON.stringify(value)}`);
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

/** The stored bytes of the record with this hash: H: directly, votes and epochs via R:. */
export function getRecordBytes(store: KVStore, hash: Hash): Uint8Array | undefined {
  const assertion = store.get(assertionKeyHex(hash));
  if (assertion !== undefined) return assertion;
  const locator = store.get(locatorKeyHex(hash));
  return locator === undefined ? undefined : store.get(decodeLocator(locator).primaryKey);
}

export function getRecord(store: KVStore, hash: Hash): StoredRecord | undefined {
  const bytes = getRecordBytes(store, hash);
  return bytes === undefined ? undefined : withHash(decodeRecord(bytes), hash);
}

/** A zero-copy view over the stored bytes; fields decode lazily, on access. */
export function getView(store: KVStore, hash: Hash): RecordView | undefined {
  const bytes = getRecordBytes(store, hash);
  return bytes === undefined ? undefined : openView(bytes);
}

export function getAssertion(store: KVStore, hash: Hash): Stored<Assertion> | undefined {
  const bytes = store.get(assertionKeyHex(hash));
  return bytes === undefined ? undefined : withHash(decodeRecord(bytes) as Assertion, hash);
}

export function assertionsAbout(store: KVStore, subject: string, options: PageOptions = {}): Page<Stored<Assertion>> {
  if (typeof subject !== 'string' || subject.length === 0) throw new InvalidArgumentError('subject must be a non-empty string');
  const limit = toLimit(options.limit);
  const after = options.cursor === undefined ? undefined : subjectKey(subject, hashToBytes(toHash(options.cursor, 'cursor')));
  const items: Array<Stored<Assertion>> = [];
  let more = false;
  for (const entry of store.scanPrefix(subjectPrefix(subject), { limit: limit + 1, ...(after && { after }) })) {
    if (items.length === limit) {
      more = true;
      break;
    }
    const hash = hashFromBytes(hashFromSubjectKey(entry.key));
    const assertion = getAssertion(store, hash);
    if (assertion !== undefined) items.push(assertion);
  }
  const last = items[items.length - 1];
  return more && last !== undefined ? { items, cursor: last.hash } : { items };
}

/** Every vote on an assertion with the LSN it was first logged at (the tie-breaker). */
export function votesWithLsn(store: KVStore, assertion: Hash): Array<{ vote: Stored<Vote>; lsn: number }> {
  const votes: Array<{ vote: Stored<Vote>; lsn: number }> = [];
  for (const entry of store.scanPrefix(votePrefix(hashToBytes(assertion)))) {
    const hash = hashRecordBytes(entry.value);
    const locator = store.get(locatorKey(hashToBytes(hash)));
    const lsn = locator === undefined ? 0 : decodeLocator(locator).lsn;
    votes.push({ vote: withHash(decodeRecord(entry.value) as Vote, hash), lsn });
  }
  return votes.sort((a, b) => a.vote.createdAt - b.vote.createdAt || a.lsn - b.lsn);
}

export function getEpoch(store: KVStore, id: number): Stored<Epoch> | undefined {
  const bytes = store.get(epochKey(id));
  return bytes === undefined ? undefined : withHash(decodeRecord(bytes) as Epoch, hashRecordBytes(bytes));
}

export function listEpochs(store: KVStore): Array<Stored<Epoch>> {
  const epochs: Array<Stored<Epoch>> = [];
  for (const entry of store.scanPrefix(epochPrefix())) {
    epochs.push(withHash(decodeRecord(entry.value) as Epoch, hashRecordBytes(entry.value)));
  }
  return epochs;
}
