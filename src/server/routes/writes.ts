// POST /v1/assertions, /v1/votes, /v1/epochs: one record each. Each answers 201 {hash, lsn}
// only once the record is durable in the WAL and visible to queries (the facade's default),
// so a client may read its own write right after.
import type { FastifyInstance } from 'fastify';
import type { AssertionInput, EpochInput, StemeDB, VoteInput } from '../../index.js';
import { errorResponses, writeResultSchema } from '../schemas/common.js';
import { assertionInputSchema, epochInputSchema, voteInputSchema } from '../schemas/records.js';

const writeSecurity = [{ bearerAuth: [] }];
const responses = { 201: writeResultSchema, ...errorResponses };

export function writeRoutes(app: FastifyInstance, db: StemeDB): void {
  app.post<{ Body: AssertionInput }>(
    '/v1/assertions',
    { schema: { summary: 'Record an assertion', tags: ['writes'], security: writeSecurity, body: assertionInputSchema, response: responses } },
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

  app.post<{ Body: EpochInput }>(
    '/v1/epochs',
    { schema: { summary: 'Define an epoch (idempotent; other content under a known id is 409 EPOCH_CONFLICT)', tags: ['writes'], security: writeSecurity, body: epochInputSchema, response: responses } },
    async (request, reply) => {
      const result = await db.defineEpoch(request.body);
      return reply.code(201).send(result);
    },
  );
}
