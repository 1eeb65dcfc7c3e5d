// GET /v1/assertions/:hash (any record by hash, with the tally when it is an assertion) and
// GET /v1/assertions/:hash/votes (every vote on an assertion, with its tally). `?epoch=N`
// restricts the votes and the tally to those cast in epoch N; `?asOf=L` answers as the store
// stood when its log ended at LSN L. Each answer is read at one cut: the tally's `atLsn`.
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { HttpError } from '../http-error.js';
import { jsonContentType } from '../json-text.js';
import { typedFields } from '../query-strings.js';
import { asOfSchema, epochIdSchema, errorResponses, hashSchema, tallySchema } from '../schemas/common.js';
import { storedRecordSchema, storedVoteSchema } from '../schemas/records.js';

const params = { type: 'object', required: ['hash'], additionalProperties: false, properties: { hash: hashSchema } } as const;
const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: { epoch: { ...epochIdSchema, description: 'count only votes cast in this epoch' }, asOf: asOfSchema },
} as const;

interface Route {
  Params: { hash: string };
  Querystring: { epoch?: number; asOf?: number };
}

const recordResponse = {
  type: 'object',
  required: ['record'],
  properties: { record: storedRecordSchema, tally: { ...tallySchema, description: 'present when the record is an assertion' } },
} as const;

const votesResponse = {
  type: 'object',
  required: ['votes', 'tally'],
  properties: { votes: { type: 'array', items: storedVoteSchema, description: 'in log order (the order that decides a voter\'s latest vote)' }, tally: tallySchema },
} as const;

/** How getJson's text of an assertion begins (only assertions come with a tally). */
const assertionJsonStart = '{"type":"assertion"';

function notFound(what: string, hash: string, asOf: number | undefined): HttpError {
  return new HttpError(404, 'NOT_FOUND', `no ${what} with hash ${hash}${asOf === undefined ? '' : ` as of LSN ${asOf}`}`);
}

export function assertionRoutes(app: FastifyInstance, db: StemeDB): void {
  const preValidation = typedFields('query', { integers: ['epoch', 'asOf'] });

  app.get<Route>(
    '/v1/assertions/:hash',
    {
      preValidation,
      schema: { summary: 'A record by hash (assertion with its status and tally, vote, epoch or retraction)', tags: ['reads'], params, querystring, response: { 200: recordResponse, ...errorResponses } },
    },
    async (request, reply) => {
      const { hash } = request.params;
      const { epoch, asOf } = request.query;
      // The tally fixes the cut (asOf, or the end of the log now); the record and its status
      // are read at the same LSN, so a write landing in between cannot split the answer.
      const tally = db.tally(hash, { ...(epoch !== undefined && { epoch }), ...(asOf !== undefined && { asOf }) });
      // An assertion's JSON is written from its stored bytes (getJson): the text the response
      // schema's serializer would make of get()'s object, without decoding the object. The
      // tally's fields are all required, so the serializer keeps their order, as stringify does.
      const json = db.getJson(hash, { asOf: tally.atLsn });
      if (json === undefined) throw notFound('record', hash, asOf);
      if (json.startsWith(assertionJsonStart)) return reply.type(jsonContentType).send(`{"record":${json},"tally":${JSON.stringify(tally)}}`);
      // Votes, epochs and retractions (rarely read here) go through the serializer.
      const record = db.get(hash, { asOf: tally.atLsn });
      if (record === undefined) throw notFound('record', hash, asOf);
      return { record };
    },
  );

  app.get<Route>(
    '/v1/assertions/:hash/votes',
    { preValidation, schema: { summary: 'Votes on an assertion, with its tally', tags: ['reads'], params, querystring, response: { 200: votesResponse, ...errorResponses } } },
    async (request) => {
      const { hash } = request.params;
      const { epoch, asOf } = request.query;
      const tally = db.tally(hash, { ...(epoch !== undefined && { epoch }), ...(asOf !== undefined && { asOf }) });
      // An unknown hash is 404 rather than an empty list, so a typo is not mistaken for "no votes".
      if (db.get(hash, { asOf: tally.atLsn })?.type !== 'assertion') throw notFound('assertion', hash, asOf);
      const votes = db.votesFor(hash, { asOf: tally.atLsn }).filter((vote) => epoch === undefined || vote.epoch === epoch);
      return { votes, tally };
    },
  );
}
