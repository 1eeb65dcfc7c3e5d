// GET /v1/subjects/:subject/assertions: the assertions about a subject, a page at a time. The
// subject is one percent-encoded path segment (encodeURIComponent), so it may hold '/', spaces
// and any Unicode; fastify decodes it (%2F included) before the handler sees it.
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { pageLimitMax, stringBytesMax } from '../../limits.js';
import { integerFields } from '../integer-strings.js';
import { errorResponses, hashSchema } from '../schemas/common.js';
import { storedAssertionSchema } from '../schemas/records.js';

const params = {
  type: 'object',
  required: ['subject'],
  additionalProperties: false,
  properties: { subject: { type: 'string', minLength: 1, maxLength: stringBytesMax, description: 'percent-encoded (encodeURIComponent)' } },
} as const;

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: pageLimitMax, description: 'page size (default 100)' },
    cursor: { ...hashSchema, description: 'the `cursor` of the previous page' },
  },
} as const;

const pageResponse = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', items: storedAssertionSchema, description: 'ordered by hash' },
    cursor: { ...hashSchema, description: 'pass back as ?cursor= for the next page; absent on the last page' },
  },
} as const;

interface Route {
  Params: { subject: string };
  Querystring: { limit?: number; cursor?: string };
}

export function subjectRoutes(app: FastifyInstance, db: StemeDB): void {
  app.get<Route>(
    '/v1/subjects/:subject/assertions',
    {
      preValidation: integerFields('query', ['limit']),
      schema: { summary: 'Assertions about a subject, paged', tags: ['reads'], params, querystring, response: { 200: pageResponse, ...errorResponses } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return db.assertionsAbout(request.params.subject, { ...(limit !== undefined && { limit }), ...(cursor !== undefined && { cursor }) });
    },
  );
}
