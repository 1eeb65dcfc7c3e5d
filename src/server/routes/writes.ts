// POST /v1/assertions, /v1/votes, /v1/retractions, /v1/epochs: one record each. Each answers
// 201 {hash, lsn} only once the record is durable in the WAL and visible to queries (the
// facade's default), so a client may read its own write right after. Whether a retraction or
// a `supersedes` may be written (target, author, subject) is the database's rule, not ours.
import type { FastifyInstance } from 'fastify';
import type { AssertionInput, EpochInput, RetractionInput, StemeDB, VoteInput } from '../../index.js';
import { errorResponses, writeResultSchema } from '../schemas/common.js';
import { assertionInputSchema, epochInputSchema, retractionInputSchema, voteInputSchema } from '../schemas/records.js';

const writeSecurity = [{ bearerAuth: [] }];
const responses = { 201: writeResultSchema, ...errorResponses };

export function writeRoutes(app: FastifyInstance, db: StemeDB): void {
  app.post<{ Body: AssertionInput }>(
    '/v1/assertions',
    { schema: { summary: 'Record an assertion (with `supersedes`, one that replaces an earlier one by the same source)', tags: ['writes'], security: writeSecurity, body: assertionInputSchema, response: responses } },
    async (request, reply) => {
      const result = await db.assert(request.body);
      return reply.code(201).send(result);
    },
  );

  app.post<{ Body: VoteInput }>(
    '/v1/votes',
    { schema: { summary: 'Vote on an assertion (404 UNKNOWN_ASSERTION if it does not exist)', tags: ['writes'], security: writeSecurity, body: voteInputSchema, response: responses } },
    async (request, reply) => {
      const result = await db.vote(request.body);
      return reply.code(201).send(result);
    },
  );

  app.post<{ Body: RetractionInput }>(
    '/v1/retractions',
    {
      schema: {
        summary: 'Take back an assertion (only its source may: 403 NOT_AUTHOR otherwise; 404 UNKNOWN_ASSERTION if it does not exist)',
        tags: ['writes'],
        security: writeSecurity,
        body: retractionInputSchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const result = await db.retract(request.body);
      return reply.code(201).send(result);
    },
  );

  app.post<{ Body: EpochInput }>(
    '/v1/epochs',
    { schema: { summary: 'Define an epoch (idempotent; other content under a known id is 409 EPOCH_CONFLICT)', tags: ['writes'], security: writeSecurity, body: epochInputSchema, response: responses } },
    async (request, reply) => {
      const result = await db.defineEpoch(request.body);
      return reply.code(201).send(result);
    },
  );
}
