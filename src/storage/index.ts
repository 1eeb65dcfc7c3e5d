// The storage module's public surface: the KVStore seam, its two implementations, byte helpers for keys.
export type { KVEntry, KVReader, KVStore, KVTransaction, ScanOptions } from './kv-store.js';
export { LmdbStore, type LmdbStoreOptions } from './lmdb-store.js';
export { lmdbSettings } from './lmdb-settings.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { compareBytes, concatBytes, prefixUpperBound, sameBytes } from './bytes.js';

