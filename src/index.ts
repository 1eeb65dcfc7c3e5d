// StemeDB's whole public surface. Anything not exported here is internal and may change.
export { StemeDB, type StemeDBOptions, type StemeStats, type WriteOptions, type WriteResult } from './db/stemedb.js';
export type { AssertionInput, EpochInput, RecordInput, VoteInput } from './db/inputs.js';
export type { Page, PageOptions, Stored, StoredRecord } from './db/queries.js';
export type { Tally } from './db/tally.js';
export type { VerifyProblem, VerifyReport } from './db/verify.js';
export type { RecordKind } from './db/export.js';
export type { IngestProgress } from './ingest/index.js';
export type { Assertion, AssertionView, Epoch, EpochId, EpochView, Hash, JsonValue, RecordView, StemeRecord, Vote, VoteView } from './records/index.js';
export { Wal, type RecoveryMode, type RecoveryReport, type SyncMode, type WalEntry, type WalOptions, type WalStats } from './wal/index.js';
export {
  ClosedError,
  EpochConflictError,
  InvalidArgumentError,
  InvalidRecordError,
  LockedError,
  NotFoundError,
  RecordSizeError,
  StemeError,
  StorageError,
  UnknownAssertionError,
  WalCorruptError,
  WalFailedError,
  type ErrorCode,
} from './errors.js';
