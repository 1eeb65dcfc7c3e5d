// The typed error hierarchy. Every error StemeDB raises on purpose is a StemeError with a
// stable `code` string (documented in docs/errors.md); callers branch on `code`, never on
// message text. Errors about a place on disk carry the file and byte offset.

/** Every stable error code StemeDB can report. */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_RECORD'
  | 'RECORD_SIZE'
  | 'WAL_CORRUPT'
  | 'WAL_FAILED'
  | 'LOCKED'
  | 'CLOSED'
  | 'NOT_FOUND'
  | 'UNKNOWN_ASSERTION'
  | 'EPOCH_CONFLICT'
  | 'NOT_AUTHOR'
  | 'UNKNOWN_EPOCH'
  | 'INVALID_QUERY'
  | 'INVALID_CURSOR'
  | 'CURSOR_EXPIRED'
  | 'STORAGE'
  | 'BACKUP_TARGET_EXISTS'
  | 'NOT_OWNER'
  | 'PARTITION_MISMATCH'
  | 'CLUSTER_UNAVAILABLE';

export interface StemeErrorOptions {
  cause?: unknown;
}

/** Base class: `code` is stable across versions; `message` is for people. */
export class StemeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: StemeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** A caller passed an option or argument outside its domain (not a record field). */
export class InvalidArgumentError extends StemeError {
  constructor(message: string, options: StemeErrorOptions = {}) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/**
 * A KV store refused a key: empty, or longer than the store takes (`keyBytesMax`, LMDB's cap
 * at its environment's page size). A refusal about one key, never a failure of the store:
 * ingest files the record whose key it was as a dead letter and goes on (docs/operations.md).
 */
export class KeyRefusedError extends InvalidArgumentError {
  readonly keyBytes: number;
  readonly keyBytesMax: number;
  /** The refused key's family tag ('S:', 'O:', …: its first two bytes as text), for the dead letter's reason. */
  readonly family: string;

  constructor(key: Uint8Array, keyBytesMax: number) {
    super(`a KV key is 1 to ${keyBytesMax} bytes; this one is ${key.length}`);
    this.keyBytes = key.length;
    this.keyBytesMax = keyBytesMax;
    this.family = String.fromCharCode(...key.subarray(0, 2));
  }
}

/** A record failed validation or decoding; `path` names the field (e.g. `object.a[2]`). */
export class InvalidRecordError extends StemeError {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options: StemeErrorOptions = {}) {
    super('INVALID_RECORD', path === '' ? reason : `${path}: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}

/** A WAL payload is empty or larger than the configured maximum; nothing was written. */
export class RecordSizeError extends StemeError {
  readonly bytes: number;
  readonly bytesMax: number;

  constructor(bytes: number, bytesMax: number) {
    super(
      'RECORD_SIZE',
      bytes === 0
        ? 'record is empty; the WAL refuses empty payloads'
        : `record is ${bytes} bytes; the limit is ${bytesMax} bytes`,
    );
    this.bytes = bytes;
    this.bytesMax = bytesMax;
  }
}

/** Damage in the WAL that is not a torn tail: names the segment file and byte offset. */
export class WalCorruptError extends StemeError {
  readonly file: string;
  readonly offset: number;
  readonly reason: string;

  constructor(file: string, offset: number, reason: string) {
    super('WAL_CORRUPT', `${file} at byte ${offset}: ${reason}`);
    this.file = file;
    this.offset = offset;
    this.reason = reason;
  }
}

/** A write or fsync failed earlier; the WAL refuses appends until it is reopened. */
export class WalFailedError extends StemeError {
  constructor(message: string, options: StemeErrorOptions = {}) {
    super('WAL_FAILED', message, options);
  }
}

/** Another live process holds the single-writer lock. */
export class LockedError extends StemeError {
  readonly lockFile: string;
  readonly pid: number;

  constructor(lockFile: string, pid: number) {
    super('LOCKED', `${lockFile} is held by process ${pid}`);
    this.lockFile = lockFile;
    this.pid = pid;
  }
}

/** The WAL, store or database was closed (or is closing). */
export class ClosedError extends StemeError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends StemeError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** A vote names an assertion the store does not hold. */
export class UnknownAssertionError extends StemeError {
  readonly assertion: string;

  constructor(assertion: string) {
    super('UNKNOWN_ASSERTION', `no assertion with hash ${assertion}`);
    this.assertion = assertion;
  }
}

/** An epoch id is already defined with different content. */
export class EpochConflictError extends StemeError {
  readonly epochId: number;

  constructor(epochId: number) {
    super('EPOCH_CONFLICT', `epoch ${epochId} is already defined with different content`);
    this.epochId = epochId;
  }
}

/** A retraction or a superseding assertion names an assertion by another source: only its author may. */
export class NotAuthorError extends StemeError {
  readonly assertion: string;
  readonly author: string;

  constructor(assertion: string, author: string, source: string) {
    super('NOT_AUTHOR', `assertion ${assertion} is by source ${JSON.stringify(author)}; only its author may retract or supersede it, not ${JSON.stringify(source)}`);
    this.assertion = assertion;
    this.author = author;
  }
}

/** A query names an epoch the store does not hold. */
export class UnknownEpochError extends StemeError {
  readonly epochId: number;

  constructor(epochId: number) {
    super('UNKNOWN_EPOCH', `no epoch with id ${epochId}`);
    this.epochId = epochId;
  }
}

/** A query's parameters do not make a query: a missing index field, a bad or out-of-range asOf. */
export class InvalidQueryError extends StemeError {
  constructor(message: string) {
    super('INVALID_QUERY', message);
  }
}

/** A cursor that this query did not issue (malformed, or from another query). */
export class InvalidCursorError extends StemeError {
  constructor(message: string) {
    super('INVALID_CURSOR', message);
  }
}

/**
 * A change-feed cursor (`since`) points into WAL segments that were deleted (retainWal: false):
 * the changes after it can no longer be read, and skipping them silently would be a gap.
 * `oldestLsn` is the oldest position still readable: `since: oldestLsn` reads what remains.
 */
export class CursorExpiredError extends StemeError {
  readonly since: number;
  readonly oldestLsn: number;

  constructor(since: number, oldestLsn: number) {
    super('CURSOR_EXPIRED', `the changes after LSN ${since} are gone: WAL segments below LSN ${oldestLsn} were deleted (retainWal: false); the oldest LSN still available is ${oldestLsn} (since=${oldestLsn} reads what remains)`);
    this.since = since;
    this.oldestLsn = oldestLsn;
  }
}

/** The KV store failed (disk full, map full, I/O error); `cause` holds the original error. */
export class StorageError extends StemeError {
  constructor(message: string, options: StemeErrorOptions = {}) {
    super('STORAGE', message, options);
  }
}

/** A backup's target exists and is not empty: a backup never writes over or into other files. */
export class BackupTargetExistsError extends StemeError {
  readonly target: string;

  constructor(target: string) {
    super('BACKUP_TARGET_EXISTS', `${target} exists and is not empty; a backup goes to a new or empty directory`);
    this.target = target;
  }
}

/**
 * Cluster mode: this node does not own the partition of the subject asked about, and no node
 * that owns it answered. `owners` names the nodes that announced it (empty: none did).
 */
export class NotOwnerError extends StemeError {
  readonly partition: number;
  readonly owners: readonly string[];

  constructor(partition: number, owners: readonly string[], detail = '') {
    const named = owners.length === 0 ? 'no node has announced it' : `owned by ${owners.join(', ')}`;
    super('NOT_OWNER', `this node does not own partition ${partition} (${named})${detail === '' ? '' : `: ${detail}`}`);
    this.partition = partition;
    this.owners = owners;
  }
}

/**
 * Cluster mode: the stream exists with another partition count (or other subjects) than this
 * node was started with. P is fixed when the stream is created; a node with another P refuses
 * to start rather than put records in the wrong partitions.
 */
export class PartitionMismatchError extends StemeError {
  constructor(message: string) {
    super('PARTITION_MISMATCH', message);
  }
}

/** Cluster mode: NATS JetStream did not acknowledge a publish or answer a request in time; `cause` holds the client's error. */
export class ClusterUnavailableError extends StemeError {
  constructor(message: string, options: StemeErrorOptions = {}) {
    super('CLUSTER_UNAVAILABLE', message, options);
  }
}

/**
 * Codes whose messages describe the server's own state (its files, its store, its log) rather
 * than the request: only they can carry a local path, from our text or an OS error's.
 */
const serverSideCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['WAL_CORRUPT', 'WAL_FAILED', 'LOCKED', 'CLOSED', 'STORAGE', 'BACKUP_TARGET_EXISTS', 'PARTITION_MISMATCH', 'CLUSTER_UNAVAILABLE']);

/**
 * An absolute path (POSIX, or a Windows drive path) that starts a word: after the start, a
 * space, a quote, '(' or '='. A '/' inside a word (a URL's, "a/b") is not one.
 */
const absolutePath = /(^|[\s'"(=])((?:\/|[A-Za-z]:\\)[^\s'"),;]*)/g;
/** A quoted absolute path, as an OS error quotes its file ("open '/srv/my data/x'"): spaces included. */
const quotedAbsolutePath = /(['"])((?:\/|[A-Za-z]:\\)[^'"]*)\1/g;

/**
 * `text` with every absolute path reduced to its last component ('/srv/db/wal/0.seg' ->
 * '0.seg'): what a remote client may see of a local failure. The server log keeps the whole.
 */
export function hidePaths(text: string): string {
  const last = (found: string): string => found.split(/[\\/]/).filter((part) => part !== '').pop() ?? found;
  return text
    .replace(quotedAbsolutePath, (_match, quote: string, found: string) => `${quote}${last(found)}${quote}`)
    .replace(absolutePath, (_match, before: string, found: string) => `${before}${last(found)}`);
}

/**
 * The message a remote client (HTTP, MCP) may see for `error`: the message itself, with every
 * absolute path cut to its last component for the codes that describe the server's files (a
 * local user, the CLI, sees `error.message` whole). The data directory, a lock file's or a
 * backup target's directory stay on the server; a segment's file name and byte offset, which
 * an operator needs to find damage, are shown. Other codes' messages quote the request (a
 * subject that looks like a path is the client's own text) and are left as they are.
 */
export function remoteMessage(error: StemeError): string {
  return serverSideCodes.has(error.code) ? hidePaths(error.message) : error.message;
}

/** remoteMessage for any error: a StemeError's, or any other's message without absolute paths (an OS error names its file). */
export function remoteErrorText(error: Error): string {
  return error instanceof StemeError ? remoteMessage(error) : hidePaths(error.message);
}

/**
 * A broken internal invariant: a bug in StemeDB, never a user error and never bad data. Not a
 * StemeError (it has no stable code): nothing may catch it and carry on as if the input were
 * at fault, e.g. file a record as a dead letter.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`stemedb invariant violated: ${message}`);
    this.name = 'InvariantError';
  }
}

/** Asserts an invariant; a failure is a bug in StemeDB, never a user error. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new InvariantError(message);
  }
}
