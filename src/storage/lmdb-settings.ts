// The options LmdbStore opens LMDB with, every one explicit: a library default that changes
// between versions, differs by platform (overlappingSync is off on Windows) or is read from
// the environment (safeRestore from LMDB_RESTORE) must not change StemeDB's durability or key
// order. docs/key-layout.md ("Durability settings") explains the durability story.
import type { RootDatabaseOptionsWithPath } from 'lmdb';
import { lmdbMapBytesInitial, lmdbPageBytes, lmdbReadersMax } from '../limits.js';

/** lmdb-js reads these two flags but leaves them out of its types. */
interface UntypedFlags {
  safeRestore: boolean;
  mapAsync: boolean;
}

export function lmdbSettings(path: string): RootDatabaseOptionsWithPath & UntypedFlags {
  return {
    path,
    // Layout: raw bytes in, raw bytes out. The default key encoding orders by JS type, and
    // the default value encoding (msgpack) and compression would change the stored bytes.
    keyEncoding: 'binary',
    encoding: 'binary',
    compression: false,
    cache: false, // every read returns a fresh copy; a cache would hand out shared objects
    // Durability. Commits are fsynced (noSync, noMetaSync false); a transactionSync commit is
    // fsynced before the call returns. overlappingSync lets the async writes (clearAsync) fsync
    // after they commit, with LMDB's extra "flushed" meta page: after an OS crash, open rolls
    // back to the newest commit whose flush completed, never to a torn one.
    noSync: false,
    noMetaSync: false,
    overlappingSync: true,
    mapAsync: false, // msync(MS_ASYNC) would report flushes that have not happened
    safeRestore: false, // after a process crash the OS still holds the newest commit: keep it
    useWritemap: false, // a stray write through a writable map could corrupt the file
    noMemInit: false, // zero fresh pages: freed record bytes never leak into unused file space
    // Size. 8 KiB pages (new environments only) allow keys up to 4026 bytes, above the layout's
    // longest key (src/layout/key-bounds.ts); an older environment keeps its pages and its cap
    // (LmdbStore.keyBytesMax), which health reports when it is short. The map grows on demand.
    pageSize: lmdbPageBytes,
    mapSize: lmdbMapBytesInitial,
    remapChunks: false,
    maxReaders: lmdbReadersMax,
  };
}
