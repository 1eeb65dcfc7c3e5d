// The WAL module's public surface: the Wal class and its option, entry and report types.
export { Wal, type AppendedBatch, type SyncMode, type WalEntry, type WalCopy, type WalObserver, type WalOptions, type WalState, type WalStats } from './wal.js';
export type { RecoveryMode, RecoveryReport } from './recovery.js';
