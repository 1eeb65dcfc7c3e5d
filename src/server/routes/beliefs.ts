// GET /v1/subjects/:subject/beliefs (what is believed about a subject, per predicate) and
// GET /v1/contested (the contested pairs, a page at a time): db.beliefs and db.contested as
// they are; the rules live in the database (docs/beliefs.md). Here a bad epoch, like a bad
// asOf, is INVALID_QUERY whichever layer sees it first: the schema or the database.
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { typedFields } from '../query-strings.js';
import { beliefsOptionsSchema, beliefsSchema, contestedOptionsSchema, contestedPageSchema } from '../schemas/beliefs.js';
import { errorResponses, subjectParamsSchema } from '../schemas/common.js';
import { validationErrorFor } from '../validation-message.js';

interface BeliefsRoute {
  Params: { subject: string };
  Querystring: { predicate?: string; epoch?: number; asOf?: number; limit?: number; cursor?: string; candidates?: number };
}

interface ContestedRoute {
  Querystring: { epoch?: number; limit?: number; cursor?: string };
}

const schemaErrorFormatter = validationErrorFor(['asOf', 'epoch']);

export function beliefRoutes(app: FastifyInstance, db: StemeDB): void {
  app.get<BeliefsRoute>(
    '/v1/subjects/:subject/beliefs',
    {
      preValidation: typedFields('query', { integers: ['epoch', 'asOf', 'limit', 'candidates'] }),
      schemaErrorFormatter,
      schema: {
        summary: 'What is believed about a subject, a page of predicates at a time: the ranked candidate values, the best one, the consensus, and whether it is contested',
        tags: ['reads'],
        params: subjectParamsSchema,
        querystring: beliefsOptionsSchema,
        response: { 200: beliefsSchema, ...errorResponses },
      },
    },
    async (request) => db.beliefs(request.params.subject, request.query),
  );

  app.get<ContestedRoute>(
    '/v1/contested',
    {
      preValidation: typedFields('query', { integers: ['epoch', 'limit'] }),
      schemaErrorFormatter,
      schema: {
        summary: 'The contested (subject, predicate) pairs, with their consensus, paged',
        tags: ['reads'],
        querystring: contestedOptionsSchema,
        response: { 200: contestedPageSchema, ...errorResponses },
      },
    },
    async (request) => db.contested(request.query),
  );
}
