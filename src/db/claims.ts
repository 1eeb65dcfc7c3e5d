// Claims over time (docs/claims.md): an assertion's status (live, retracted, superseded),
// reads cut at an LSN (asOf), lookup by predicate, object value and source (find), and a
// subject's history. Every index entry carries the LSN its record was first logged at, so a
// cut is a filter on the entries, never a replay; pending records (the overlay) carry theirs.
// Rules: a record counts as of `asOf` when its LSN is below it; the first retraction or
// supersession of an assertion in log order decides its status; later ones change nothing.
import { InvalidArgumentError, InvalidQueryError } from '../errors.js';
import {
  assertionKeyOfKeyEnd,
  assertionKeyFromText,
  assertionKeyHex,
  decodeFirstChange,
  firstChangeKey,
  firstChangeKeyOfKeyEnd,
  hashFromKeyEnd,
  hashHexFromKeyEnd,
  historyKind,
  historyPrefix,
  lsnBeforeKeyHash,
  predicateObjectKeyFromUtf8,
  predicateObjectPrefix,
  predicatePrefix,
  readU64,
  sourceKeyFromUtf8,
  sourcePrefix,
  statusKind,
  subjectKey,
  subjectKeyFromUtf8,
  subjectPredicatePrefix,
  subjectPrefix,
  historyKeyFromUtf8,
} from '../layout/index.js';
import { canonicalJson, decodeStored, decodeStoredAssertion, hashFromBytes, hashToBytes, isWellFormed, openView, type Assertion, type AssertionView, type Epoch, type Hash, type JsonValue, type Retraction, type StemeRecord, type Vote } from '../records/index.js';
import { sameBytes } from '../storage/index.js';
import type { OverlayEntry } from './overlay.js';
import { pagedScan, type IndexHit } from './paged-scan.js';
import { getRecord, lsnByLocator, pendingRecord, storeHolds, toHash, toLimit, type Reads, type Stored } from './queries.js';

const encoder = new TextEncoder();

/** What has become of an assertion as of a cut. */
export type AssertionStatus = 'live' | 'retracted' | 'superseded';

/** An assertion as reads return it: the record, its hash, the LSN it was logged at, and its status. */
export type AssertionResult = Stored<Assertion> & {
  lsn: number;
  status: AssertionStatus;
  /** The retraction that took it back (status `retracted`). */
  retractedBy?: Hash;
  /** The assertion that replaced it (status `superseded`). */
  supersededBy?: Hash;
};

/** A page of results, with the LSN the read was answered at: repeat it with `asOf: atLsn`. */
export interface AtPage<T> {
  items: T[];
  cursor?: string;
  atLsn: number;
}

export interface FindQuery {
  predicate?: string;
  /** Equality on the object's canonical JSON; needs `predicate`. */
  object?: JsonValue;
  source?: string;
  subject?: string;
  includeRetracted?: boolean;
  asOf?: number;
  limit?: number;
  cursor?: string;
}

export interface HistoryOptions {
  predicate?: string;
  asOf?: number;
  limit?: number;
  cursor?: string;
}

export interface HistoryItem {
  lsn: number;
  type: 'assertion' | 'vote' | 'retraction';
  hash: Hash;
  record: StemeRecord;
}

export interface AboutOptions {
  predicate?: string;
  includeRetracted?: boolean;
  asOf?: number;
  limit?: number;
  cursor?: string;
}

/** A read's cut: records logged below `asOf` count, and the LSN the answer is reported at. */
export interface Cut {
  asOf: number;
  atLsn: number;
}

/**
 * The cut for a read: `asOf` when given (an integer from 0 to the log's end: anything else is
 * INVALID_QUERY, never a silently empty answer), else everything visible, reported at the end
 * of the log.
 */
export function cutAt(asOf: unknown, endLsn: number): Cut {
  if (asOf === undefined) return { asOf: Number.POSITIVE_INFINITY, atLsn: endLsn };
  if (typeof asOf !== 'number' || !Number.isSafeInteger(asOf) || asOf < 0) throw new InvalidQueryError(`asOf must be an LSN: an integer from 0, got ${JSON.stringify(asOf)}`);
  if (asOf > endLsn) throw new InvalidQueryError(`asOf ${asOf} is beyond the end of the log (LSN ${endLsn})`);
  return { asOf, atLsn: asOf };
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new InvalidQueryError(`${name} must be a non-empty string`);
  return value;
}

function optionalFlag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidQueryError(`${name} must be true or false`);
  return value;
}

// --- status ---

export interface StatusChange {
  lsn: number;
  kind: 'retraction' | 'supersession';
  hash: Hash;
}

/** The first retraction or supersession of `target` logged below `asOf`, stored or pending. */
function firstChange({ store, overlay }: Reads, target: Hash, asOf: number, keyEndingWithTarget?: Uint8Array): StatusChange | undefined {
  let first: StatusChange | undefined;
  // F: holds the store's earliest change: one below the cut exists exactly when it is below.
  const stored = store.get(keyEndingWithTarget === undefined ? firstChangeKey(hashToBytes(target)) : firstChangeKeyOfKeyEnd(keyEndingWithTarget));
  if (stored !== undefined) {
    const { lsn, kind, hash } = decodeFirstChange(stored);
    if (lsn < asOf) first = { lsn, kind: kind === statusKind.retraction ? 'retraction' : 'supersession', hash: hashFromBytes(hash) };
  }
  for (const entry of overlay.statusChanges(target)) {
    if (entry.lsn >= asOf || (first !== undefined && first.lsn <= entry.lsn)) continue;
    first = { lsn: entry.lsn, kind: entry.record.type === 'retraction' ? 'retraction' : 'supersession', hash: entry.hash };
  }
  return first;
}

/** An assertion's status as of the cut (the first retraction or supersession below it decides). */
export function statusAt(reads: Reads, hash: Hash, asOf: number): AssertionStatus {
  const change = firstChange(reads, hash, asOf);
  return change === undefined ? 'live' : change.kind === 'retraction' ? 'retracted' : 'superseded';
}

/** What a read makes of an assertion it found: the decoded AssertionResult, or its JSON text (assertion-json.ts). */
export type AssertionBuilder<T> = (view: AssertionView, hash: Hash, lsn: number, change: StatusChange | undefined) => T;

/**
 * An assertion as reads return it, decoded from the view a read already opened: fields are
 * added to the decoded record in place (hash, lsn, status, then retractedBy or supersededBy),
 * in the order a spread would give, without copying the record once per added field.
 */
function assertionResult(view: AssertionView, hash: Hash, lsn: number, change: StatusChange | undefined): AssertionResult {
  const result = decodeStoredAssertion(view) as AssertionResult;
  result.hash = hash;
  result.lsn = lsn;
  if (change === undefined) {
    result.status = 'live';
  } else if (change.kind === 'retraction') {
    result.status = 'retracted';
    result.retractedBy = change.hash;
  } else {
    result.status = 'superseded';
    result.supersededBy = change.hash;
  }
  return result;
}

/**
 * The assertion with this hash and the LSN it was first logged at: pending, or stored (its
 * LSN is the value of its subject-index entry). Undefined if the store holds no such assertion.
 */
export function assertionWithLsn({ store, overlay }: Reads, hash: Hash): { assertion: Stored<Assertion>; lsn: number } | undefined {
  const bytes = store.get(assertionKeyHex(hash));
  if (bytes !== undefined) {
    const assertion = { ...(decodeStored(bytes) as Assertion), hash };
    const value = store.get(subjectKey(assertion.subject, assertion.predicate, hashToBytes(hash)));
    return { assertion, lsn: value === undefined ? 0 : readU64(value) };
  }
  const pending = overlay.get(hash);
  if (pending?.record.type !== 'assertion') return undefined;
  return { assertion: pendingRecord(pending) as Stored<Assertion>, lsn: pending.lsn };
}

/**
 * get(): the record with the hash a caller gave (INVALID_ARGUMENT when malformed), as of the
 * cut; an assertion with its LSN and status. A stored assertion costs three reads: H: (its
 * bytes), its S: entry (its LSN; the key is built from the subject and predicate bytes in
 * place, never decoded to strings and encoded back) and F: (its status); it is decoded once.
 */
export function recordAt<T = AssertionResult>(reads: Reads, hash: string, asOf: number, build: AssertionBuilder<T> = assertionResult as AssertionBuilder<T>): T | Stored<Vote | Epoch | Retraction> | undefined {
  const key = typeof hash === 'string' ? assertionKeyFromText(hash) : undefined;
  if (key === undefined) throw new InvalidArgumentError(`hash must be 64 lowercase hex characters (a BLAKE3-256 hash), got ${JSON.stringify(hash)}`);
  // A copy: the key is a shared buffer that the next key built from hex text overwrites.
  const hashBytes = hashFromKeyEnd(key).slice();
  const bytes = reads.store.get(key);
  if (bytes !== undefined) {
    const view = openView(bytes) as AssertionView;
    const entry = reads.store.get(subjectKeyFromUtf8(view.subjectBytes, view.predicateBytes, hashBytes));
    const lsn = entry === undefined ? 0 : readU64(entry);
    if (lsn >= asOf) return undefined;
    return build(view, hash as Hash, lsn, firstChange(reads, hash as Hash, asOf, hashBytes));
  }
  const pending = reads.overlay.get(hash as Hash);
  if (pending?.record.type === 'assertion') {
    if (pending.lsn >= asOf) return undefined;
    return build(openView(pending.bytes) as AssertionView, pending.hash, pending.lsn, firstChange(reads, pending.hash, asOf, hashBytes));
  }
  const record = getRecord(reads, hash) as Stored<Vote | Epoch | Retraction> | undefined;
  if (record === undefined) return undefined;
  if (asOf !== Number.POSITIVE_INFINITY && (lsnByLocator(reads, hash) ?? 0) >= asOf) return undefined;
  return record;
}

// --- pending records' index keys (the overlay has no KV keys: they are built to merge) ---

/**
 * The pending entries the KV store does not hold yet: the store answers for the others. A
 * record sent again after its first copy was ingested is pending under a later LSN, and would
 * otherwise be listed twice by the indexes keyed by LSN (A:, L:), once at the wrong LSN.
 */
function unstored(reads: Reads, entries: Iterable<OverlayEntry>): OverlayEntry[] {
  const found: OverlayEntry[] = [];
  for (const entry of entries) if (!storeHolds(reads.store, entry)) found.push(entry);
  return found;
}

function pendingAssertions(reads: Reads): Array<OverlayEntry & { view: AssertionView }> {
  const found: Array<OverlayEntry & { view: AssertionView }> = [];
  for (const entry of unstored(reads, reads.overlay.entries())) {
    if (entry.record.type === 'assertion') found.push({ ...entry, view: openView(entry.bytes) as AssertionView });
  }
  return found;
}

const lsnFromValue = (value: Uint8Array): number => readU64(value);

function hitFromValue(key: Uint8Array, value: Uint8Array): IndexHit {
  return { key, hash: hashHexFromKeyEnd(key), lsn: lsnFromValue(value) };
}

function hitFromKeyLsn(key: Uint8Array): IndexHit {
  return { key, hash: hashHexFromKeyEnd(key), lsn: lsnBeforeKeyHash(key) };
}

// --- assertions about a subject ---

/** One page of assertions about `subject` (optionally one predicate), ordered by predicate digest then hash. */
export function assertionsAboutAt<T = AssertionResult>(reads: Reads, subject: string, options: AboutOptions, endLsn: number, build: AssertionBuilder<T> = assertionResult as AssertionBuilder<T>): AtPage<T> {
  if (typeof subject !== 'string' || subject.length === 0) throw new InvalidArgumentError('subject must be a non-empty string');
  const predicate = optionalText(options.predicate, 'predicate');
  const predicateIs = textMatcher(predicate);
  const includeRetracted = optionalFlag(options.includeRetracted, 'includeRetracted');
  const cut = cutAt(options.asOf, endLsn);
  const limit = toLimit(options.limit);
  const page = pagedScan(reads.store, {
    query: 'assertionsAbout',
    params: [subject, predicate, includeRetracted, options.asOf],
    prefix: predicate === undefined ? subjectPrefix(subject) : subjectPredicatePrefix(subject, predicate),
    fromStore: hitFromValue,
    pending: () => unstored(reads, reads.overlay.assertionsAbout(subject)).map((entry) => {
      const record = entry.record as Omit<Assertion, 'object'>;
      return { key: subjectKey(subject, record.predicate, hashToBytes(entry.hash)), hash: entry.hash, lsn: entry.lsn };
    }),
    accept: (hit) => accepted(reads, hit, cut.asOf, includeRetracted, (a) => predicateIs(a.predicateBytes), build),
    limit,
    cursor: options.cursor,
  });
  return { ...page, atLsn: cut.atLsn };
}

/**
 * The assertion an index hit names, if it is in the cut, matches the query (checked on a view
 * of its bytes, before anything is decoded) and is live or `includeRetracted`.
 */
function accepted<T>(reads: Reads, hit: IndexHit, asOf: number, includeRetracted: boolean, matches: (view: AssertionView) => boolean, build: AssertionBuilder<T>): T | undefined {
  if (hit.lsn >= asOf) return undefined;
  // The store answers for what it holds (at the first LSN); the overlay for the rest.
  // Every index key a scan yields ends with the record's hash: the H: key is built from its bytes.
  const bytes = reads.store.get(assertionKeyOfKeyEnd(hit.key)) ?? pendingAssertionBytes(reads, hit.hash);
  if (bytes === undefined) return undefined;
  const view = openView(bytes) as AssertionView;
  if (!matches(view)) return undefined;
  const change = firstChange(reads, hit.hash, asOf, hit.key);
  if (change !== undefined && !includeRetracted) return undefined;
  return build(view, hit.hash, hit.lsn, change);
}

/**
 * A test of a view's UTF-8 bytes against a query's text (any bytes when the text is absent).
 * A text with a lone surrogate matches nothing: no record can hold one (records/unicode.ts),
 * and its UTF-8 (with U+FFFD substituted) could equal a stored text's.
 */
function textMatcher(text: string | undefined): (utf8: Uint8Array) => boolean {
  if (text === undefined) return () => true;
  if (!isWellFormed(text)) return () => false;
  const wanted = encoder.encode(text);
  return (utf8) => sameBytes(utf8, wanted);
}

function pendingAssertionBytes({ overlay }: Reads, hash: Hash): Uint8Array | undefined {
  const pending = overlay.get(hash);
  return pending?.record.type === 'assertion' ? pending.bytes : undefined;
}

// --- find ---

/** Assertions by predicate (and object value), source and subject; see docs/claims.md for the index each uses. */
export function findAt(reads: Reads, query: FindQuery, endLsn: number): AtPage<AssertionResult> {
  if (typeof query !== 'object' || query === null) throw new InvalidQueryError('find takes a query object');
  const predicate = optionalText(query.predicate, 'predicate');
  const source = optionalText(query.source, 'source');
  const subject = optionalText(query.subject, 'subject');
  const includeRetracted = optionalFlag(query.includeRetracted, 'includeRetracted');
  if (predicate === undefined && source === undefined) throw new InvalidQueryError('find needs a predicate or a source');
  const hasObject = query.object !== undefined;
  if (hasObject && predicate === undefined) throw new InvalidQueryError('find by object needs a predicate too');
  let objectJson: string | undefined;
  if (hasObject) {
    try {
      objectJson = canonicalJson(query.object);
    } catch (error) {
      throw new InvalidQueryError(`object is not a JSON value: ${(error as Error).message}`);
    }
  }
  const objectBytes = objectJson === undefined ? undefined : encoder.encode(objectJson);
  const cut = cutAt(query.asOf, endLsn);
  const limit = toLimit(query.limit);
  const predicateIs = textMatcher(predicate);
  const sourceIs = textMatcher(source);
  const subjectIs = textMatcher(subject);
  // Compared as bytes on the view: no string decoded per hit.
  const matches = (a: AssertionView): boolean =>
    predicateIs(a.predicateBytes) && sourceIs(a.sourceBytes) && subjectIs(a.subjectBytes) && (objectBytes === undefined || sameBytes(a.objectJsonBytes, objectBytes));
  // The narrowest index the query names: (subject, predicate), (predicate, object), source, predicate.
  let prefix: Uint8Array;
  let fromStore: (key: Uint8Array, value: Uint8Array) => IndexHit = hitFromValue;
  let pendingKey: (entry: OverlayEntry & { view: AssertionView }) => Uint8Array;
  if (subject !== undefined && predicate !== undefined) {
    prefix = subjectPredicatePrefix(subject, predicate);
    pendingKey = (e) => subjectKey(e.view.subject, e.view.predicate, hashToBytes(e.hash));
  } else if (predicate !== undefined && (objectBytes !== undefined || source === undefined)) {
    prefix = objectBytes === undefined ? predicatePrefix(predicate) : predicateObjectPrefix(predicate, objectBytes);
    pendingKey = (e) => predicateObjectKeyFromUtf8(e.view.predicateBytes, e.view.objectJsonBytes, hashToBytes(e.hash));
  } else {
    prefix = sourcePrefix(source!);
    fromStore = (key) => hitFromKeyLsn(key);
    pendingKey = (e) => sourceKeyFromUtf8(e.view.sourceBytes, e.lsn, hashToBytes(e.hash));
  }
  const page = pagedScan(reads.store, {
    query: 'find',
    params: [predicate, objectJson, source, subject, includeRetracted, query.asOf],
    prefix,
    fromStore,
    pending: () => pendingAssertions(reads).map((e) => ({ key: pendingKey(e), hash: e.hash, lsn: e.lsn })),
    accept: (hit) => accepted(reads, hit, cut.asOf, includeRetracted, matches, assertionResult),
    limit,
    cursor: query.cursor,
  });
  return { ...page, atLsn: cut.atLsn };
}

// --- history ---

/** The record a history entry names: stored (its L: value holds its kind and primary key), or pending. */
function historyRecord({ store, overlay }: Reads, hit: IndexHit): StemeRecord | undefined {
  if (hit.value !== undefined) {
    const key = hit.value[0] === historyKind.assertion ? assertionKeyOfKeyEnd(hit.key) : hit.value.subarray(1);
    const bytes = store.get(key);
    return bytes === undefined ? undefined : decodeStored(bytes);
  }
  const pending = overlay.get(hit.hash);
  if (pending === undefined) return undefined;
  // A copy of the pending record's fields (the overlay's own object is shared), without a hash field.
  return pending.record.type === 'assertion' ? decodeStored(pending.bytes) : { ...pending.record };
}

/** The predicate of the assertion `target` (stored or pending), read from its view. */
function predicateOf(reads: Reads, target: Hash): string | undefined {
  const bytes = reads.store.get(assertionKeyHex(target)) ?? pendingAssertionBytes(reads, target);
  return bytes === undefined ? undefined : (openView(bytes) as AssertionView).predicate;
}

/** The subject of the assertion a vote or retraction targets (stored or pending). */
function targetOf(reads: Reads, target: Hash): Assertion | undefined {
  return assertionWithLsn(reads, target)?.assertion;
}

/** Every assertion, vote and retraction touching `subject`, in LSN order, each with its LSN. */
export function historyAt(reads: Reads, subject: string, options: HistoryOptions, endLsn: number): AtPage<HistoryItem> {
  if (typeof subject !== 'string' || subject.length === 0) throw new InvalidArgumentError('subject must be a non-empty string');
  const predicate = optionalText(options.predicate, 'predicate');
  const cut = cutAt(options.asOf, endLsn);
  const limit = toLimit(options.limit);
  const subjectBytes = encoder.encode(subject);
  const page = pagedScan(reads.store, {
    query: 'history',
    params: [subject, predicate, options.asOf],
    prefix: historyPrefix(subject),
    fromStore: (key, value) => {
      const hit = hitFromKeyLsn(key);
      hit.value = value;
      return hit;
    },
    pending: () => {
      const hits: IndexHit[] = [];
      for (const entry of unstored(reads, reads.overlay.entries())) {
        const { record } = entry;
        if (record.type === 'epoch') continue;
        const about = record.type === 'assertion' ? record.subject : targetOf(reads, (record as Vote | Retraction).assertion)?.subject;
        if (about === subject) hits.push({ key: historyKeyFromUtf8(subjectBytes, entry.lsn, hashToBytes(entry.hash)), hash: entry.hash, lsn: entry.lsn });
      }
      return hits;
    },
    accept: (hit): HistoryItem | undefined => {
      if (hit.lsn >= cut.asOf) return undefined;
      const record = historyRecord(reads, hit);
      if (record === undefined || record.type === 'epoch') return undefined;
      if (predicate !== undefined && (record.type === 'assertion' ? record.predicate : predicateOf(reads, record.assertion)) !== predicate) return undefined;
      return { lsn: hit.lsn, type: record.type, hash: hit.hash, record };
    },
    limit,
    cursor: options.cursor,
  });
  return { ...page, atLsn: cut.atLsn };
}

/** A caller's hash for a query: INVALID_ARGUMENT when malformed (re-exported for the facade). */
export { toHash };
