// Every limit in StemeDB, in one place, with its unit in the name (TigerBeetle style).
// A limit that is configurable has its default here; the option that overrides it says so.

const KiB = 1024;
const MiB = 1024 * KiB;

// --- WAL ---
/** Default size at which a segment is sealed and a new one started (configurable). */
export const segmentBytesMaxDefault = 64 * MiB;
/** Smallest segment size a caller may configure (tests use small segments). */
export const segmentBytesMin = 4 * KiB;
/** Default largest WAL payload (configurable, never above recordBytesMaxCeiling). */
export const recordBytesMaxDefault = 16 * MiB;
/** Hard ceiling on a payload: the frame length field is a u32 and frames must fit a segment. */
export const recordBytesMaxCeiling = 256 * MiB;
/** Records written by one group-commit write+fsync at most (bounds memory per flush). */
export const groupCommitRecordsMax = 4096;
/** Bytes written by one group-commit write+fsync at most (bounds memory per flush). */
export const groupCommitBytesMax = 8 * MiB;
/** Read buffer for scanning and reading segments. */
export const walReadChunkBytes = 1 * MiB;

// --- records ---
/** subject, predicate, source, voter, epoch name: UTF-8 bytes each. */
export const stringBytesMax = 1 * KiB;
/** An assertion's `object` value, encoded. */
export const objectBytesMax = 64 * KiB;
/** An epoch's description, UTF-8 bytes. */
export const descriptionBytesMax = 16 * KiB;
/** Deepest nesting accepted in an assertion's `object` value. */
export const objectDepthMax = 64;

// --- ingest ---
/** WAL records applied in one KV transaction at most. */
export const ingestBatchRecordsMax = 4096;
/** Backoff between retries after a KV failure, doubling up to the max. */
export const ingestRetryDelayMsMin = 50;
export const ingestRetryDelayMsMax = 5000;

// --- queries ---
/** Default and largest page size for list queries. */
export const pageLimitDefault = 100;
export const pageLimitMax = 10_000;
