// The change feed: every record in LSN order from a cursor, as far as the log is visible to
// queries (visible-end.ts), optionally following it as it grows. Each subscriber reads the WAL
// itself from its own cursor (recent frames from memory, older ones from the segment files), so
// a slow one holds up nobody. Cursor rules (docs/http-api.md#the-change-feed): the feed yields
// the records whose LSN is greater than `since` (the LSN of the last change seen, or a feed's
// lastLsn). Records start at multiples of Wal.frameAlignBytes, so a since one below such a
// multiple (what 'now' gives) stands for "from the record at the next one on", and can never be
// confused with a record already seen. Since beyond the end is INVALID_CURSOR; inside deleted
// segments, CURSOR_EXPIRED, never a silent gap.
import { CursorExpiredError, InvalidArgumentError, InvalidCursorError } from '../errors.js';
import { changesSubjectCacheEntriesMax, stringBytesMax } from '../limits.js';
import { decodeStored, hashRecordBytes, openView, recordTypeOf, type Hash, type RecordType, type StemeRecord } from '../records/index.js';
import { Wal, type WalEntry } from '../wal/index.js';
import { getView, type Reads } from './queries.js';
import type { VisibleEnd } from './visible-end.js';

export type ChangeType = RecordType;

/** One change: a record as logged, with where it is in the log. */
export interface Change {
  /** Where the record starts in the log: pass it as `since` to resume after it. */
  lsn: number;
  /** The LSN just past it. */
  nextLsn: number;
  type: ChangeType;
  hash: Hash;
  /** The record as get() returns its fields (an assertion's object parsed). Frozen: changes are shared between subscribers. */
  readonly record: StemeRecord;
}

export interface ChangesOptions {
  /**
   * The LSN of the last change already seen: the feed starts after it. Omitted (or 0): from the
   * first record. 'now': only records that become visible from now on.
   */
  since?: number | 'now';
  /** Wait for new records (default false: end at the current end of the log). */
  follow?: boolean;
  /** Only changes about this subject: assertions about it, votes and retractions on them. */
  subject?: string;
  /** Only these record types. */
  types?: readonly ChangeType[];
  /** Aborting it ends the feed (quietly) and frees its file handle. */
  signal?: AbortSignal;
}

/** What the feed needs from the database. */
export interface FeedSource {
  wal: Wal;
  visibleEnd: VisibleEnd;
  reads(): Reads;
  /** Aborted when the database closes: every feed ends. */
  closed: AbortSignal;
  /** Changes built recently by any subscriber (change-cache.ts): each record is decoded once for all of them. */
  cache: { get(lsn: number, build: () => Change): Change };
}

const changeTypes: readonly ChangeType[] = ['assertion', 'vote', 'retraction', 'epoch'];

/** Checks a caller's `types` list (INVALID_ARGUMENT) and returns it as a set; undefined: all. */
function typeSet(types: readonly ChangeType[] | undefined): ReadonlySet<ChangeType> | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types) || types.length === 0) throw new InvalidArgumentError(`types must be a non-empty list of ${changeTypes.join(', ')}`);
  for (const type of types) {
    if (!changeTypes.includes(type)) throw new InvalidArgumentError(`types: ${JSON.stringify(type)} is not a record type (${changeTypes.join(', ')})`);
  }
  return new Set(types);
}

/**
 * An async iterable of changes, iterated once. `lastLsn` is the cursor to resume from: the LSN
 * of the last record the feed read, whether or not it matched the filters (the `since` it was
 * given until it reads one), so a filtered feed does not scan the same records again.
 */
export class ChangeFeed implements AsyncIterable<Change> {
  private readonly since: number;
  /** Where reading starts: `since` when a record may start there (it is skipped), else the next multiple of frameAlignBytes. */
  private readonly readFrom: number;
  private readonly follow: boolean;
  private readonly subject: string | undefined;
  private readonly types: ReadonlySet<ChangeType> | undefined;
  private readonly signal: AbortSignal | undefined;
  private position: number;
  private iterated = false;
  /** Assertion hash -> subject, for the subject filter; bounded, oldest dropped first. */
  private readonly subjects = new Map<Hash, string>();

  constructor(
    private readonly source: FeedSource,
    options: ChangesOptions,
  ) {
    this.follow = options.follow === true;
    this.types = typeSet(options.types);
    if (options.subject !== undefined && (typeof options.subject !== 'string' || options.subject === '' || Buffer.byteLength(options.subject, 'utf8') > stringBytesMax)) {
      throw new InvalidArgumentError(`subject must be a non-empty string of at most ${stringBytesMax} bytes of UTF-8`);
    }
    this.subject = options.subject;
    this.signal = options.signal;
    const end = source.wal.recordsEndLsn;
    // 'now': one below the visible end, which is where the next record starts (or a segment's base).
    const since = options.since === 'now' ? Math.max(0, source.visibleEnd.end() - 1) : (options.since ?? 0);
    if (!Number.isSafeInteger(since) || since < 0) throw new InvalidCursorError(`since must be an LSN (an integer from 0), or 'now'; got ${JSON.stringify(options.since)}`);
    if (since > end) throw new InvalidCursorError(`since ${since} is beyond the end of the log (LSN ${end})`);
    this.since = since;
    this.readFrom = Math.ceil(since / Wal.frameAlignBytes) * Wal.frameAlignBytes;
    if (this.readFrom < source.wal.firstLsn) throw new CursorExpiredError(since, source.wal.firstLsn);
    this.position = since;
  }

  /** The LSN of the last record read (matching or not), else `since`: pass it as `since` to resume. */
  get lastLsn(): number {
    return this.position;
  }

  /**
   * Checks that `since` is where a record starts (or a segment's start, or the log's end) and is
   * still retained: INVALID_CURSOR or CURSOR_EXPIRED otherwise. Reads one frame. Iterating checks
   * too; a server calls this first to answer an error with a status before it starts a stream.
   */
  async check(): Promise<void> {
    const reader = this.source.wal.read(this.readFrom);
    try {
      await reader.next();
    } catch (error) {
      throw this.failure(error, this.readFrom);
    } finally {
      await reader.return(undefined);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Change> {
    if (this.iterated) throw new InvalidArgumentError('a change feed is iterated once; call changes() again');
    this.iterated = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<Change> {
    // One signal for the WAL tail and the visibility wait: the caller's, or the database closing.
    const stop = new AbortController();
    const abort = (): void => stop.abort();
    this.signal?.addEventListener('abort', abort, { once: true });
    this.source.closed.addEventListener('abort', abort, { once: true });
    if (this.signal?.aborted === true || this.source.closed.aborted) stop.abort();
    const { wal, visibleEnd } = this.source;
    let readLsn = this.readFrom;
    try {
      await this.check();
      // Without follow, the feed ends where the log was visible when it started.
      const end = this.follow ? Number.POSITIVE_INFINITY : visibleEnd.end();
      const entries = this.follow ? wal.tail(this.readFrom, stop.signal) : wal.read(this.readFrom);
      try {
        for await (const entry of entries) {
          if (stop.signal.aborted) return;
          if (entry.lsn <= this.since) continue; // the record at `since` was seen already
          if (entry.nextLsn > end) return;
          if (visibleEnd.end() < entry.nextLsn && !(await visibleEnd.waitBeyond(entry.nextLsn - 1, stop.signal))) return;
          readLsn = entry.nextLsn;
          this.position = entry.lsn;
          const change = this.changeOf(entry);
          if (change !== undefined) yield change;
        }
      } catch (error) {
        throw this.failure(error, readLsn);
      }
    } finally {
      this.signal?.removeEventListener('abort', abort);
      this.source.closed.removeEventListener('abort', abort);
    }
  }

  /** CURSOR_EXPIRED when the segment to read at `lsn` is gone; INVALID_CURSOR for a `since` that is not a record's start. */
  private failure(error: unknown, lsn: number): unknown {
    const firstLsn = this.source.wal.firstLsn;
    if (lsn < firstLsn) return new CursorExpiredError(this.position, firstLsn);
    if (lsn === this.readFrom && error instanceof InvalidArgumentError) {
      return new InvalidCursorError(`since ${this.since} is not where a record starts: pass the lsn of a change, or 0 (${error.message})`);
    }
    return error;
  }

  /** The entry as a change, or undefined when a filter leaves it out (type first: it costs nothing). */
  private changeOf(entry: WalEntry): Change | undefined {
    const { payload } = entry;
    const type = recordTypeOf(payload);
    if (this.types !== undefined && !this.types.has(type)) return undefined;
    if (this.subject !== undefined && this.subjectOf(payload) !== this.subject) return undefined;
    return this.source.cache.get(entry.lsn, () => ({ lsn: entry.lsn, nextLsn: entry.nextLsn, type, hash: hashRecordBytes(payload), record: decodeStored(payload) }));
  }

  /** The subject a record is about: an assertion's own; a vote's or retraction's assertion's; none for an epoch. */
  private subjectOf(payload: Uint8Array): string | undefined {
    const view = openView(payload);
    if (view.type === 'assertion') return view.subject;
    if (view.type === 'epoch') return undefined;
    const target = view.assertion;
    const known = this.subjects.get(target);
    if (known !== undefined) return known;
    // The assertion is below the vote in the log, so it is visible wherever the vote is.
    const assertion = getView(this.source.reads(), target);
    if (assertion?.type !== 'assertion') return undefined;
    if (this.subjects.size >= changesSubjectCacheEntriesMax) this.subjects.delete(this.subjects.keys().next().value!);
    this.subjects.set(target, assertion.subject);
    return assertion.subject;
  }
}
