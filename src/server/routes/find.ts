// GET /v1/assertions?predicate=&object=&source=&subject=…: assertions by what they say
// (db.find). `object` arrives as JSON text and is parsed here, so `2148000` finds the number
// and `"2148000"` the string; text that is not JSON is 400 INVALID_QUERY. Which combinations
// are answered (a predicate or a source; object needs predicate) is the database's rule.
import type { FastifyInstance } from 'fastify';
import { InvalidQueryError, type FindQuery, type JsonValue, type StemeDB } from '../../index.js';
import { parseJsonText } from '../json-text.js';
import { typedFields } from '../query-strings.js';
import { errorResponses, pageSchema } from '../schemas/common.js';
import { findFields, findObjectDescription } from '../schemas/queries.js';
import { storedAssertionSchema } from '../schemas/records.js';

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...findFields,
    object: { type: 'string', description: `JSON text of ${findObjectDescription}: 2148000, "paris" (with the quotes), {"a":1}` },
  },
} as const;

type Query = Omit<FindQuery, 'object'> & { object?: string };

function parseObject(text: string): JsonValue {
  try {
    return parseJsonText(text) as JsonValue;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidQueryError(`querystring.object must be JSON text (a string needs its quotes: "paris"): ${reason}`);
  }
}

export function findRoutes(app: FastifyInstance, db: StemeDB): void {
  app.get<{ Querystring: Query }>(
    '/v1/assertions',
    {
      preValidation: typedFields('query', { integers: ['limit', 'asOf'], booleans: ['includeRetracted'] }),
      schema: {
        summary: 'Assertions by predicate (and object), source and subject, paged (live ones unless includeRetracted)',
        tags: ['reads'],
        querystring,
        response: { 200: pageSchema(storedAssertionSchema, 'in the order of the index the query reads: see docs/claims.md#find'), ...errorResponses },
      },
    },
    async (request) => {
      const { object, ...rest } = request.query;
      return db.find({ ...rest, ...(object !== undefined && { object: parseObject(object) }) });
    },
  );
}
