// GET /v1/assertions/:hash (any record by hash, with the tally when it is an assertion) and
// GET /v1/assertions/:hash/votes (every vote on an assertion, with its tally). `?epoch=N`
// restricts the votes and the tally to those cast in epoch N.
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { HttpError } from '../http-error.js';
import { integerFields } from '../integer-strings.js';
import { epochIdSchema, errorResponses, hashSchema, tallySchema } from '../schemas/common.js';
import { storedRecordSchema, storedVoteSchema } from '../schemas/records.js';

const params = { type: 'object', required: ['hash'], additionalProperties: false, properties: { hash: hashSchema } } as const;
const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: { epoch: { ...epochIdSchema, description: 'count only votes cast in this epoch' } },
} as const;

interface Route {
  Params: { hash: string };
  Querystring: { epoch?: number };
}

const recordResponse = {
  type: 'object',
  required: ['record'],
  properties: { record: storedRecordSchema, tally: { ...tallySchema, description: 'present when the record is an assertion' } },
} as const;

const votesResponse = {
  type: 'object',
  required: ['votes', 'tally'],
  properties: { votes: { type: 'array', items: storedVoteSchema, description: 'oldest first' }, tally: tallySchema },
} as const;

export function assertionRoutes(app: FastifyInstance, db: StemeDB): void {
  const preValidation = integerFields('query', ['epoch']);

  app.get<Route>(
    '/v1/assertions/:hash',
    { preValidation, schema: { summary: 'A record by hash (assertion, vote or epoch)', tags: ['reads'], params, querystring, response: { 200: recordResponse, ...errorResponses } } },
    async (request) => {
      const { hash } = request.params;
      const record = db.get(hash);
      if (record === undefined) throw new HttpError(404, 'NOT_FOUND', `no record with hash ${hash}`);
      if (record.type !== 'assertion') return { record };
      return { record, tally: db.tally(hash, { ...(request.query.epoch !== undefined && { epoch: request.query.epoch }) }) };
    },
  );

  app.get<Route>(
    '/v1/assertions/:hash/votes',
    { preValidation, schema: { summary: 'Votes on an assertion, with its tally', tags: ['reads'], params, querystring, response: { 200: votesResponse, ...errorResponses } } },
    async (request) => {
      const { hash } = request.params;
      const { epoch } = request.query;
      // An unknown hash is 404 rather than an empty list, so a typo is not mistaken for "no votes".
      if (db.get(hash)?.type !== 'assertion') throw new HttpError(404, 'NOT_FOUND', `no assertion with hash ${hash}`);
      const votes = db.votesFor(hash).filter((vote) => epoch === undefined || vote.epoch === epoch);
      return { votes, tally: db.tally(hash, { ...(epoch !== undefined && { epoch }) }) };
    },
  );
}
