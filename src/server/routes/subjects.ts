// GET /v1/subjects/:subject/assertions (the assertions about a subject, a page at a time) and
// GET /v1/subjects/:subject/history (every assertion, vote and retraction touching it, in log
// order). The subject is one percent-encoded path segment (encodeURIComponent), so it may hold
// '/', spaces and any Unicode; fastify decodes it (%2F included) before the handler sees it.
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { jsonContentType } from '../json-text.js';
import { typedFields } from '../query-strings.js';
import { errorResponses, pageSchema, subjectParamsSchema as params } from '../schemas/common.js';
import { aboutOptionsSchema, historyOptionsSchema } from '../schemas/queries.js';
import { historyItemSchema, storedAssertionSchema } from '../schemas/records.js';

const assertionsQuery = aboutOptionsSchema;
const historyQuery = historyOptionsSchema;

interface Page {
  limit?: number;
  cursor?: string;
  asOf?: number;
  predicate?: string;
}

interface AssertionsRoute {
  Params: { subject: string };
  Querystring: Page & { includeRetracted?: boolean };
}

interface HistoryRoute {
  Params: { subject: string };
  Querystring: Page;
}

export function subjectRoutes(app: FastifyInstance, db: StemeDB): void {
  app.get<AssertionsRoute>(
    '/v1/subjects/:subject/assertions',
    {
      preValidation: typedFields('query', { integers: ['limit', 'asOf'], booleans: ['includeRetracted'] }),
      schema: {
        summary: 'Assertions about a subject, paged (live ones unless includeRetracted)',
        tags: ['reads'],
        params,
        querystring: assertionsQuery,
        response: { 200: pageSchema(storedAssertionSchema, 'ordered by predicate (its digest), then hash'), ...errorResponses },
      },
    },
    // JSON written from the stored bytes (assertionsAboutJson), as the schema's serializer would write the page.
    async (request, reply) => reply.type(jsonContentType).send(db.assertionsAboutJson(request.params.subject, request.query)),
  );

  app.get<HistoryRoute>(
    '/v1/subjects/:subject/history',
    {
      preValidation: typedFields('query', { integers: ['limit', 'asOf'] }),
      schema: {
        summary: 'Every assertion about a subject and every vote and retraction on them, in log order, paged',
        tags: ['reads'],
        params,
        querystring: historyQuery,
        response: { 200: pageSchema(historyItemSchema, 'in LSN order'), ...errorResponses },
      },
    },
    async (request) => db.history(request.params.subject, request.query),
  );
}
