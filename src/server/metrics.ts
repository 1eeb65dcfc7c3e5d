// GET /metrics: the Prometheus text exposition of one server's database and HTTP traffic.
// Each server has its own prom-client Registry (never the global one), so several servers in
// one process (tests) do not share counters. Events come from the database's observer surface
// (StemeDB.observe: writes, WAL group commits, ingest batches) and from fastify's onResponse
// hook; gauges (WAL size, ingest lag, dead letters, overlay, open change streams) are read from
// db.stats() and the stream slots at scrape time. Labels are bounded sets: record kinds, error
// codes, route templates, statuses.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StemeDB } from '../index.js';
import type { StreamSlots } from './stream-slots.js';

/** Seconds; from 100 µs (a group commit into preallocated space) to 10 s (a stalled write). */
const secondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Records per group commit or ingest batch: powers of 4 up to the limits (4096, 65,536). */
const recordsBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16_384, 65_536];
/** Bytes per group commit: 256 B to the 8 MiB group limit. */
const bytesBuckets = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 8_388_608];

function metricsFor(registry: Registry) {
  const registers = [registry];
  return {
    writes: new Counter({ name: 'stemedb_writes_total', help: 'Records in write calls, by kind and outcome (ok, or the error code the call failed with)', labelNames: ['kind', 'outcome'] as const, registers }),
    writeSeconds: new Histogram({ name: 'stemedb_write_duration_seconds', help: 'Write calls (one record, or one batch) end to end: validation, durable WAL append, visibility', buckets: secondsBuckets, registers }),
    walSyncSeconds: new Histogram({ name: 'stemedb_wal_sync_duration_seconds', help: 'Durable WAL writes (one per group commit: O_DSYNC write, segment rolls included)', buckets: secondsBuckets, registers }),
    groupRecords: new Histogram({ name: 'stemedb_wal_group_commit_records', help: 'Records made durable by one group commit', buckets: recordsBuckets, registers }),
    groupBytes: new Histogram({ name: 'stemedb_wal_group_commit_bytes', help: 'Bytes (frames) written by one group commit', buckets: bytesBuckets, registers }),
    walBytes: new Gauge({ name: 'stemedb_wal_bytes', help: 'Bytes of the retained WAL, from its first LSN to its durable end', registers }),
    walSegments: new Gauge({ name: 'stemedb_wal_segments', help: 'WAL segment files retained', registers }),
    lagBytes: new Gauge({ name: 'stemedb_ingest_lag_bytes', help: 'WAL bytes logged but not yet applied to the KV store', registers }),
    lagRecords: new Gauge({ name: 'stemedb_ingest_lag_records', help: 'Records logged by this process but not yet applied to the KV store', registers }),
    batchRecords: new Histogram({ name: 'stemedb_ingest_batch_records', help: 'Records applied to the KV store per ingest batch', buckets: recordsBuckets, registers }),
    commitSeconds: new Histogram({ name: 'stemedb_ingest_commit_duration_seconds', help: 'Ingest batch commits (the apply worker round trip: LMDB transaction and its fsync)', buckets: secondsBuckets, registers }),
    deadLetters: new Gauge({ name: 'stemedb_dead_letters', help: 'Logged payloads the ingestor filed as dead letters (stored count)', registers }),
    overlayRecords: new Gauge({ name: 'stemedb_overlay_records', help: 'Records held in memory until ingest has applied them', registers }),
    httpRequests: new Counter({ name: 'stemedb_http_requests_total', help: 'HTTP requests answered, by method, route template and status', labelNames: ['method', 'route', 'status'] as const, registers }),
    httpSeconds: new Histogram({ name: 'stemedb_http_request_duration_seconds', help: 'HTTP requests from arrival to response, by method and route template', labelNames: ['method', 'route'] as const, buckets: secondsBuckets, registers }),
    streamsOpen: new Gauge({ name: 'stemedb_change_streams_open', help: 'Change-feed responses (GET /v1/changes) open now', registers }),
    streamsStalled: new Counter({ name: 'stemedb_change_streams_stalled_total', help: 'Change streams closed because their client accepted no byte for the stall limit', registers }),
  };
}

/** The route template a request matched (`/v1/subjects/:subject`), or `unmatched`: never the raw URL. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** What the change feed reports to the metrics as it happens. */
export interface StreamEvents {
  stalled(): void;
}

/** Registers GET /metrics and the hooks and observer that feed it; all stop when the app closes. */
export function metricsRoutes(app: FastifyInstance, db: StemeDB, slots: StreamSlots): StreamEvents {
  const registry = new Registry();
  const m = metricsFor(registry);
  const unobserve = db.observe({
    written: ({ kinds, outcome, durationMs }) => {
      for (const [kind, records] of Object.entries(kinds)) m.writes.inc({ kind, outcome }, records);
      m.writeSeconds.observe(durationMs / 1000);
    },
    walGroupCommitted: ({ records, bytes, syncMs }) => {
      m.walSyncSeconds.observe(syncMs / 1000);
      m.groupRecords.observe(records);
      m.groupBytes.observe(bytes);
    },
    ingestBatchApplied: ({ records, commitMs }) => {
      m.batchRecords.observe(records);
      m.commitSeconds.observe(commitMs / 1000);
    },
  });
  app.addHook('onClose', async () => unobserve());
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(request);
    m.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    m.httpSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['status'], produces: ['text/plain'] } }, async (_request, reply) => {
    const stats = db.stats();
    m.walBytes.set(stats.wal.bytes);
    m.walSegments.set(stats.wal.segments);
    m.lagBytes.set(stats.ingest.lagBytes);
    m.lagRecords.set(stats.ingest.lagRecords);
    m.deadLetters.set(stats.deadLetters);
    m.overlayRecords.set(db.overlayRecords);
    m.streamsOpen.set(slots.open);
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return { stalled: () => m.streamsStalled.inc() };
}
