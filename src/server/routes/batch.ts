// POST /v1/batch: many typed records (a JSON array, or NDJSON with one record per line),
// validated together and logged with one fsync through db.appendBatch. All or nothing: one
// bad record refuses the whole batch before anything is written.
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { httpBatchRecordsMax } from '../../limits.js';
import { ndjsonContentType, parseNdjson } from '../ndjson.js';
import { errorResponses, writeResultSchema } from '../schemas/common.js';
import { batchRecordSchema } from '../schemas/records.js';

const bodySchema = {
  type: 'array',
  minItems: 1,
  maxItems: httpBatchRecordsMax,
  items: batchRecordSchema,
} as const;

const resultsSchema = {
  type: 'object',
  required: ['results'],
  properties: { results: { type: 'array', items: writeResultSchema, description: 'one per record, in order' } },
} as const;

/** Registered as its own plugin so that the NDJSON parser applies to this route only. */
export async function batchRoutes(app: FastifyInstance, options: { db: StemeDB }): Promise<void> {
  const { db } = options;
  app.addContentTypeParser(ndjsonContentType, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseNdjson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.post<{ Body: Array<Record<string, unknown>> }>(
    '/v1/batch',
    {
      schema: {
        summary: 'Record many assertions, votes, retractions and epochs with one fsync',
        tags: ['writes'],
        security: [{ bearerAuth: [] }],
        consumes: ['application/json', ndjsonContentType],
        body: bodySchema,
        response: { 201: resultsSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const results = await db.appendBatch(request.body);
      return reply.code(201).send({ results });
    },
  );
}
