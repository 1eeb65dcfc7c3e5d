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
/**
 * With sync 'always', the active segment is extended with durable zeros this far ahead of the
 * log, so that a durable append overwrites allocated space instead of growing the file.
 */
export const walPreallocateBytes = 1 * MiB;
/** Payload bytes of recent durable frames kept in memory for a reader following the log (the ingestor). */
export const walRecentFramesBytesMax = 8 * MiB;
/** Read buffer for scanning and reading segments. */
export const walReadChunkBytes = 1 * MiB;
/** The smallest read chunk a WAL reader may be given (a frame header and then some). */
export const walReadChunkBytesMin = 4 * KiB;

// --- records ---
/** subject, predicate, source (an assertion's or a retraction's), voter, epoch name: UTF-8 bytes each. */
export const stringBytesMax = 1 * KiB;
/** An assertion's `object` value, encoded. */
export const objectBytesMax = 64 * KiB;
/** An epoch's description, UTF-8 bytes. */
export const descriptionBytesMax = 16 * KiB;
/**
 * A retraction's reason, UTF-8 bytes. A reason says why one assertion is taken back: a few
 * sentences and a link. 4 KiB holds a paragraph in any script (1 KiB would be ~340 CJK
 * characters); a longer argument belongs in an assertion of its own, and a retraction stays
 * a small record, a quarter of an epoch's description.
 */
export const reasonBytesMax = 4 * KiB;
/** Deepest nesting accepted in an assertion's `object` value. */
export const objectDepthMax = 64;
/**
 * The range of a new vote's weight (docs/beliefs.md). Every f64 in it is a whole multiple of
 * 2^-72 (1e-6 has binary exponent -20, and an f64 has 52 fraction bits), so sums of weights
 * are exact integers of 2^-72 units: the same in any order, and never Infinity or NaN. A vote
 * logged by an older version outside the range still ingests: the rules clamp its weight.
 */
export const voteWeightMin = 1e-6;
export const voteWeightMax = 1e6;
/**
 * How far a new record's createdAt may be ahead of the server's clock (CREATED_AT_IN_FUTURE
 * beyond). createdAt is metadata (log order decides which vote is a voter's latest); the bound
 * keeps it plausible. Five minutes, as Kerberos allows for clock skew by default.
 */
export const createdAtSkewMsMax = 5 * 60 * 1000;

// --- ingest ---
/**
 * WAL records applied in one KV transaction at most. Large, because commits run on the apply
 * worker (nothing waits on them but ingest itself) and fewer, larger commits rewrite fewer
 * B-tree pages per record: content-addressed keys land all over the tree.
 */
export const ingestBatchRecordsMax = 16384;
/**
 * A (subject, predicate)'s belief state stays inline (one B: value, rewritten by each batch that
 * touches the pair) while it holds at most this many inputs (live assertions plus latest votes)
 * and its value at most this many bytes; beyond, it moves to the indexed form, where a record
 * costs O(log n) (docs/key-layout.md#belief-state). Inline is one entry a pair: what the many
 * small pairs need; 32 inputs bound the work of a rewrite. 4 KiB keeps an inline value within
 * half an LMDB page, and an object that large is read from its record instead of copied.
 */
export const pairInlineInputsMax = 32;
export const pairInlineBytesMax = 4 * KiB;
/** Payload bytes in one ingest batch at most (the batch is held in memory and copied once to the worker). */
export const ingestBatchBytesMax = 32 * MiB;
/** Backoff between retries after a KV failure, doubling up to the max. */
export const ingestRetryDelayMsMin = 50;
export const ingestRetryDelayMsMax = 5000;
/**
 * Attempts at one batch before ingest stops with a fatal error (about two minutes of backoff):
 * long enough to ride out a transient failure, bounded so that a store that cannot take the
 * batch is reported as failed instead of retried for ever. It never skips the batch.
 */
export const ingestAttemptsMax = 30;

// --- storage ---
// The longest key StemeDB builds is derived from the record limits above by the layout that
// builds keys (src/layout/key-bounds.ts: kvKeyBytesMax), not stated here; open checks that it
// fits the store's own key cap below.
/**
 * Page size of a new LMDB environment: 8 KiB pages let lmdb-js take keys up to 4026 bytes;
 * 4 KiB pages (what StemeDB created before it set a page size) cap them at 1978 bytes, below
 * the layout's longest key (docs/key-layout.md, "How long a key can be").
 */
export const lmdbPageBytes = 8 * KiB;
/**
 * The longest key MemoryStore takes unless told otherwise: what LmdbStore takes from a new
 * environment (lmdbPageBytes pages; test/storage checks the two agree), so that unit tests on
 * the memory store refuse exactly the keys LMDB would.
 */
export const memoryStoreKeyBytesMaxDefault = 4026;
/** Initial LMDB map (address space, not disk); lmdb-js grows it when a commit runs out. */
export const lmdbMapBytesInitial = 256 * MiB;
/** Concurrent LMDB read transactions (LMDB's own default, passed explicitly). */
export const lmdbReadersMax = 126;
/** Entries per transaction when a compacting backup rewrites the KV copy into a fresh environment. */
export const kvCompactBatchEntriesMax = 10_000;

// --- database ---
/**
 * Records the overlay (logged, not yet ingested, already queryable) holds before writes wait
 * for ingest instead: bounds its memory (~1 KiB a small record with its indexes) to tens of MiB.
 */
export const overlayRecordsMax = 65_536;
/**
 * Records handed to the ingestor and not yet read by it, at most, before {visible: false}
 * writes wait for ingest (visible writes are bounded by overlayRecordsMax first): a bulk load
 * otherwise holds every record it wrote ahead of ingest in memory (~0.5 KiB a small record).
 */
export const ingestHandOffRecordsMax = 262_144;
/**
 * How long the ingestor lets records gather after catching up before its next LMDB commit,
 * when nobody waits for it: commits block the thread for their fsync (0.3-3 ms here), so
 * fewer, larger ones keep that off most writes' latency. Visibility does not wait for it.
 */
export const ingestPaceMs = 10;

// --- health (docs/operations.md) ---
/**
 * Records logged but not yet ingested past which health reports ingest `lagging`: half the
 * overlay. Writes still succeed; at overlayRecordsMax they start waiting for ingest, so a
 * lagging node is one that will soon slow its writers down.
 */
export const healthIngestLagRecordsMax = overlayRecordsMax / 2;
/**
 * Free bytes under the data directory below which health reports the disk `low`: one default
 * WAL segment. Writes still succeed; when the disk fills, the WAL fails (docs/operations.md).
 */
export const healthDiskFreeBytesMin = segmentBytesMaxDefault;
/** Dead letters health names (the oldest first) beside their count: enough to find them, bounded per probe. */
export const healthDeadLettersShownMax = 5;

// --- queries ---
/** Default and largest page size for list queries. */
export const pageLimitDefault = 100;
export const pageLimitMax = 10_000;
/** Predicates in one page of beliefs (its `limit`): default and most. */
export const beliefsPredicatesDefault = 100;
export const beliefsPredicatesMax = 1000;
/** Candidates listed per predicate by beliefs (its `candidates`): default and most; `candidateCount` gives them all. */
export const beliefsCandidatesDefault = 10;
export const beliefsCandidatesMax = 100;
/**
 * Candidates one page of beliefs may list at most (limit x candidates): the bound of every
 * other page (pageLimitMax items), since a candidate carries an object of up to objectBytesMax.
 */
export const beliefsPageCandidatesMax = pageLimitMax;
/** Assertions listed per candidate (the first in log order); `assertionCount` gives them all. */
export const beliefsAssertionsListedMax = 10;

// --- change feed ---
/**
 * Assertion subjects a change feed with a subject filter remembers (hash -> subject), so votes
 * and retractions on the same assertion do not look it up again. Per subscriber.
 */
export const changesSubjectCacheEntriesMax = 4096;
/** Changes kept decoded for all subscribers of one database (the newest; ~1 KiB each for small records). */
export const changesCacheEntriesMax = 4096;
/** Changes in one non-following answer of GET /v1/changes: default and most. */
export const changesLimitDefault = 1000;
export const changesLimitMax = 10_000;
/** Between SSE heartbeat comments by default (ServerOptions.changesHeartbeatMs). */
export const changesHeartbeatMsDefault = 15_000;
/**
 * WAL bytes a change feed reads from a segment file at once. A subscriber that stops reading
 * holds its chunk until it reads on (the changes are views into it), so this, not the log's
 * size, is what a stalled stream holds of the log: 1 MiB chunks made 160 stalled SSE clients
 * hold ~144 MiB. Larger chunks gained nothing measurable in catch-up (docs/decisions.md).
 */
export const changesReadChunkBytes = 64 * KiB;
/**
 * Change-feed responses (GET /v1/changes, any framing, following or not) open at once on one
 * server by default (ServerOptions.changesStreamsMax, serve --streams-max); one more is 503
 * STREAMS_FULL. A stalled stream holds about a read chunk, the socket's buffer and one event
 * (~100 KiB), so the default bounds what streams hold to tens of MiB.
 */
export const changesStreamsMaxDefault = 256;
/**
 * The same per client address (an IPv6 address by its /64) by default
 * (ServerOptions.changesStreamsPerClientMax, serve --streams-per-client-max): one more is 429
 * TOO_MANY_STREAMS, so one client cannot take every stream.
 */
export const changesStreamsPerClientMaxDefault = 32;
/** Retry-After, in seconds, on a stream refused by either cap: a guess, since a slot frees only when a stream ends. */
export const changesStreamsRetryAfterSeconds = 5;
/**
 * A stream whose client has not accepted a byte for this long while an event waits for room
 * in the socket is closed (ServerOptions.changesStallMs): a client that stopped reading
 * frees its slot and its memory instead of holding them until the server stops.
 */
export const changesStallMsMaxDefault = 60_000;
/** At shutdown, a stream's client gets this long to take the stream's end before its connection is cut. */
export const changesShutdownFlushMsMax = 1_000;

// --- cli ---
/** Records per db.appendBatch during `import` (one WAL write+fsync each; matches group commit). */
export const importBatchRecordsMax = 4096;
/** Input bytes buffered per import batch at most (bounds memory when lines are large). */
export const importBatchBytesMax = 8 * MiB;
/** stdout is written in chunks of about this size (fewer syscalls for large NDJSON output). */
export const outputChunkBytes = 64 * KiB;
/** How long `serve` waits for in-flight requests and the database to close on SIGINT/SIGTERM. */
export const serveShutdownMsMax = 10_000;

// --- server ---
/** Largest HTTP request body by default (configurable: ServerOptions.bodyLimitBytes). */
export const httpBodyBytesMaxDefault = 16 * MiB;
/** Records in one POST /v1/batch at most: what one WAL group commit holds, so a batch is one fsync. */
export const httpBatchRecordsMax = groupCommitRecordsMax;
/** Longest path parameter as sent: a subject of stringBytesMax UTF-8 bytes percent-encodes to 3 characters a byte. */
export const httpParamCharsMax = 3 * stringBytesMax;
/**
 * Receiving a whole request, headers and body, may take this long by default
 * (ServerOptions.requestTimeoutMs): then 408 REQUEST_TIMEOUT and the connection is closed, so a
 * body sent slowly cannot hold a connection for ever. A 16 MiB body needs ~2.3 Mbit/s. A
 * response (a change stream, a backup) is not limited: the request is received by then.
 */
export const httpRequestTimeoutMsDefault = 60_000;
/** Receiving a request's headers may take this long by default (ServerOptions.headersTimeoutMs); at most the request timeout. */
export const httpHeadersTimeoutMsDefault = 10_000;
/**
 * An idle keep-alive connection is closed after this long by default
 * (ServerOptions.keepAliveTimeoutMs): Node's own default, longer than undici's (fetch's) 4 s
 * client-side idle time, so the server never closes a socket its client is about to reuse.
 * Behind a load balancer, set it above the balancer's idle timeout.
 */
export const httpKeepAliveTimeoutMsDefault = 5_000;
/** A request's headers, in bytes, at most (Node's default, passed explicitly): more is 431 HEADERS_TOO_LARGE. */
export const httpHeadersBytesMax = 16 * KiB;
/** How often Node checks the request and headers timeouts: their precision (Node's default is 30 s). */
export const httpTimeoutCheckIntervalMs = 1_000;
/** Rate limiting (off unless ServerOptions.rateLimit is set): the window by default. */
export const httpRateLimitWindowMsDefault = 60_000;
/** Client addresses the rate limiter counts at once (an LRU: the least recent is forgotten first). */
export const httpRateLimitClientsMax = 10_000;

// --- mcp ---
/** Elements (array items and object members) in one tool call's arguments at most; more is refused before validation. */
export const mcpToolInputElementsMax = 100_000;
/** Problems one input-validation error of a memory-graph tool lists at most (the reference server lists them all). */
export const mcpValidationIssuesMax = 100;
/**
 * Largest request body on POST /mcp (the server's own limit applies when lower): the MCP SDK's
 * own default for the bodies it reads, a quarter of the HTTP API's. A tool call's arguments
 * are records of at most 64 KiB objects, a memory-tool call at most mcpMemoryItemsMax items.
 */
export const mcpBodyBytesMax = 4 * MiB;
/**
 * Messages in one JSON-RPC batch on POST /mcp at most (more: 400). MCP 2025-06-18 dropped
 * batches and the SDK's client never sends them; an older client's batch still passes, but one
 * request cannot start more than this many tool calls at once.
 */
export const mcpBatchMessagesMax = 10;

// --- memory graph (db.memory, the MCP memory-server tools: docs/mcp.md) ---
/**
 * Items in one memory-graph call at most: entities, relations, observation entries, names or
 * deletions. Each costs a few reads and records, so this bounds a call's work (the reference
 * server takes any number; split a larger call).
 */
export const graphCallItemsMax = 1000;
/** Records one memory-graph write logs at most: one WAL group commit. A call that needs more is refused, nothing written. */
export const graphWriteRecordsMax = groupCommitRecordsMax;
/**
 * Items (entities first, then relations) in one read_graph page, default and most: a graph of
 * up to this many items reads whole in one call, as the reference server answers it.
 */
export const graphPageItemsDefault = 1000;
export const graphPageItemsMax = 1000;
/** Entities in one search_nodes answer: default and most. */
export const graphSearchEntitiesDefault = 100;
export const graphSearchEntitiesMax = 1000;
/**
 * Entities one search_nodes call reads and matches at most (its candidates from the postings,
 * or every entity for a query under 3 bytes): past it the answer has a cursor, maybe with
 * fewer than `limit` entities. ~25 µs an entity here, so a call stays under ~50 ms.
 */
export const graphSearchCandidatesMax = 2000;
/** Trigrams of a query whose postings a search intersects, at most (more narrow little, and cost a read each per block). */
export const graphSearchTrigramsMax = 16;
/** Relations in one open_nodes or search_nodes answer at most (open_nodes pages through the rest). */
export const graphRelationsMax = 10_000;

// --- cluster mode (docs/cluster.md) ---
/** The most partitions a stream may have: each owned partition is one ordered consumer. */
export const clusterPartitionsMax = 1024;
/** Retry a publish JetStream did not acknowledge until this long after the first attempt. */
export const clusterPublishRetryMsMax = 30_000;
/** One publish attempt waits this long for its PubAck before it is retried (same Nats-Msg-Id). */
export const clusterPublishAckMs = 5_000;
/** A write's wait for this node to materialise it (read-your-writes) gives up after this long. */
export const clusterApplyWaitMsMax = 60_000;
/** Messages a partition's reader applies in one local WAL append, at most. */
export const clusterApplyBatchRecordsMax = 4096;
/** A partition reader's pull request lasts this long (then it is renewed). */
export const clusterPullExpiresMs = 5_000;
/** The server sends an idle heartbeat this often; two missed ones recreate the reader's consumer. */
export const clusterPullHeartbeatMs = 1_000;
/** A node saves its stream checkpoint at most this often (it may lag the WAL, never lead it). */
export const clusterCheckpointSaveMs = 200;
/** How often a node announces what it owns; a peer not heard for 3 periods is gone. */
export const clusterAnnounceMs = 1_000;
/** How long a lookup of an assertion at the other nodes waits for their answers. */
export const clusterLookupMs = 2_000;
/** A forwarded read waits this long for the owner's answer before trying the next owner. */
export const clusterForwardMs = 10_000;
/** Assertions this node published, kept to check later votes on them before their owner has them. */
export const clusterPublishedClaimsMax = 100_000;
/** The stream's dedupe window for Nats-Msg-Id (JetStream's default too). */
export const clusterDuplicateWindowMs = 120_000;
