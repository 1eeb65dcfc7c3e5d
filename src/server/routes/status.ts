// GET /v1/stats (record counts, WAL size, ingest lag); GET /v1/health (readiness: 200 when the
// node takes writes, 503 with the same body and its reasons when not; the rule is db.health()'s);
// GET /v1/health/live (liveness: 200 while the process can serve reads). Both answer 503
// SHUTTING_DOWN once the server is stopping. docs/operations.md says how to probe them.
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { errorResponses, errorSchema } from '../schemas/common.js';

const count = { type: 'integer', minimum: 0 } as const;

const statsSchema = {
  type: 'object',
  required: ['records', 'deadLetters', 'wal', 'ingest'],
  properties: {
    records: {
      type: 'object',
      required: ['assertions', 'votes', 'epochs', 'retractions'],
      properties: { assertions: count, votes: count, epochs: count, retractions: count },
    },
    deadLetters: { ...count, description: 'logged records the ingestor could not apply' },
    wal: {
      type: 'object',
      required: ['segments', 'bytes', 'firstLsn', 'endLsn'],
      properties: { segments: count, bytes: count, firstLsn: count, endLsn: count },
    },
    ingest: {
      type: 'object',
      required: ['checkpointLsn', 'lagBytes', 'lagRecords', 'status', 'retries'],
      properties: {
        checkpointLsn: count,
        lagBytes: { ...count, description: 'logged but not yet queryable' },
        lagRecords: count,
        status: {
          type: 'string',
          enum: ['ok', 'retrying', 'failed', 'stopped'],
          description: 'retrying: the KV store refused the current batch and it is retried with backoff; failed: ingest stopped after too many attempts or on a damaged WAL (restart to recover; nothing is skipped); stopped: paused',
        },
        retries: { ...count, description: 'failed attempts at the current batch' },
        lastError: { type: 'string', description: 'present while ingest is failing' },
      },
    },
  },
} as const;

const text = { type: 'string' } as const;

const healthSchema = {
  type: 'object',
  required: ['status', 'writable', 'reasons', 'wal', 'ingest', 'disk', 'deadLetters', 'storage'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded', 'unavailable'], description: 'ok and degraded take writes (200); unavailable does not (503)' },
    writable: { type: 'boolean' },
    reasons: { type: 'array', items: text, description: 'one line per part that is not ok, most serious first' },
    wal: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok', 'failed'] }, error: { ...text, description: 'the write or fsync error that failed the WAL' } },
    },
    ingest: {
      type: 'object',
      required: ['status', 'lagRecords', 'lagBytes', 'retries'],
      properties: {
        status: { type: 'string', enum: ['ok', 'lagging', 'failing', 'failed', 'stopped'] },
        lagRecords: count,
        lagBytes: count,
        retries: count,
        lastError: text,
      },
    },
    disk: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok', 'low', 'unknown'] }, freeBytes: count, totalBytes: count, error: text },
    },
    deadLetters: {
      type: 'object',
      required: ['status', 'count', 'first'],
      description: 'logged records filed as dead letters instead of stored: how many, and the first few in log order (docs/operations.md, "Dead letters")',
      properties: {
        status: { type: 'string', enum: ['ok', 'present'] },
        count,
        first: {
          type: 'array',
          items: {
            type: 'object',
            required: ['lsn', 'hash', 'kind', 'reason'],
            properties: { lsn: count, hash: text, kind: { type: 'string', enum: ['undecodable', 'epoch-conflict', 'unstorable'] }, reason: text },
          },
        },
      },
    },
    storage: {
      type: 'object',
      required: ['status', 'keyBytesMax', 'keyBytesNeeded'],
      description: 'limited: the KV store takes shorter keys than the layout builds (an LMDB environment with 4 KiB pages)',
      properties: { status: { type: 'string', enum: ['ok', 'limited'] }, keyBytesMax: count, keyBytesNeeded: count },
    },
  },
} as const;

export function statusRoutes(app: FastifyInstance, db: StemeDB): void {
  app.get('/v1/stats', { schema: { summary: 'Counts, WAL size and ingest lag', tags: ['status'], response: { 200: statsSchema, ...errorResponses } } }, async () => db.stats());

  app.get(
    '/v1/health',
    {
      schema: {
        summary: 'Readiness: 200 when the node takes writes, 503 with the reasons when not',
        tags: ['status'],
        // 503 is the health report, or the error shape (CLOSED, SHUTTING_DOWN) when there is none.
        response: { ...errorResponses, 200: healthSchema, 503: { anyOf: [healthSchema, errorSchema] } },
      },
    },
    async (_request, reply) => {
      const health = db.health();
      return reply.code(health.writable ? 200 : 503).send(health);
    },
  );

  app.get(
    '/v1/health/live',
    {
      schema: {
        summary: 'Liveness: 200 while the process can serve reads (even with writes refused)',
        tags: ['status'],
        response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } }, ...errorResponses },
      },
    },
    // Reads need only an open database: health() throws CLOSED (503) once it is closing.
    async () => {
      db.health();
      return { status: 'ok' as const };
    },
  );
}
