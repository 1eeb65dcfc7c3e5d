// StemeDB's whole public surface: the facade, the types its methods take and return, and the
// errors it throws. Anything not exported here (the WAL, the KV layout, ingest) is internal.
export { StemeDB, type Announcement, type ClusterInfo, type ClusterOptions, type ClusterSubjectReport, type ClusterVerifyReport, type StemeCluster, type DatabaseFailure, type GetResult, type StemeDBOptions, type StemeStats, type WriteOptions, type WriteResult } from './db/stemedb.js';
export type { DeadLetterHealth, DeadLetterSummary, DiskHealth, Health, HealthStatus, IngestHealth, StorageHealth, WalHealth } from './db/health.js';
export type { FileHandle, FileSystem } from './fs/file-system.js';
export type { BackupOptions, BackupReport, DbObserver, WriteEvent, WriteKind, WriteOutcome } from './db/stemedb.js';
export type { Change, ChangeFeed, ChangesOptions, ChangeType } from './db/changes.js';
export type { AssertionInput, EpochInput, RecordInput, RetractionInput, VoteInput } from './db/inputs.js';
export type { AboutOptions, AssertionResult, AssertionStatus, AtPage, FindQuery, HistoryItem, HistoryOptions } from './db/claims.js';
export type { Beliefs, BeliefsOptions, Candidate, ContestedItem, ContestedOptions, PredicateBeliefs } from './db/beliefs.js';
export type { Page, PageOptions, Stored, StoredRecord } from './db/queries.js';
export type { Tally } from './db/tally.js';
export type { GraphAnswer, GraphEntity, GraphRelation, MemoryGraph, ObservationDeletion, ObservationsInput, SearchAnswer } from './db/memory/memory-graph.js';
export type { VerifyProblem, VerifyReport } from './db/verify.js';
export type { RecordKind } from './db/export.js';
export type { IngestProgress } from './ingest/index.js';
export type { Assertion, AssertionView, Epoch, EpochId, EpochView, Hash, JsonValue, RecordView, Retraction, StemeRecord, Vote, VoteView } from './records/index.js';
export type { RecoveryMode, SyncMode } from './wal/index.js';
export {
  BackupTargetExistsError,
  ClosedError,
  CreatedAtInFutureError,
  CursorExpiredError,
  EpochConflictError,
  InvalidArgumentError,
  InvalidRecordError,
  InvalidCursorError,
  InvalidQueryError,
  LockedError,
  NotAuthorError,
  NotFoundError,
  NotOwnerError,
  PartitionMismatchError,
  ClusterUnavailableError,
  UnknownEpochError,
  RecordSizeError,
  StemeError,
  StorageError,
  UnknownAssertionError,
  WalCorruptError,
  WalFailedError,
  remoteMessage,
  type ErrorCode,
} from './errors.js';
