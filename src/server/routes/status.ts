// GET /v1/stats (record counts, WAL size, ingest lag) and GET /v1/health (the process answers;
// 503 SHUTTING_DOWN once it is stopping).
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { errorResponses } from '../schemas/common.js';

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

export function statusRoutes(app: FastifyInstance, db: StemeDB): void {
  app.get('/v1/stats', { schema: { summary: 'Counts, WAL size and ingest lag', tags: ['status'], response: { 200: statsSchema, ...errorResponses } } }, async () => db.stats());

  app.get(
    '/v1/health',
    {
      schema: {
        summary: 'Liveness',
        tags: ['status'],
        response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } }, ...errorResponses },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
}
