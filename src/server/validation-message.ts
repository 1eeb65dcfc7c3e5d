// Turns the validator's first error into one sentence a client can act on, naming the field:
// "body has an unknown field 'colour'" rather than ajv's "body must NOT have additional
// properties". Only the first error is reported (allErrors is off: see create-server.ts).
import type { FastifySchemaValidationError } from 'fastify';
import { InvalidQueryError } from '../index.js';
import { HttpError } from './http-error.js';
import { hashSchema } from './schemas/common.js';
import { batchRecordTypes } from './schemas/records.js';

function quoted(values: unknown): string {
  return Array.isArray(values) ? values.map((v) => JSON.stringify(v)).join(', ') : JSON.stringify(values);
}

function describe(error: FastifySchemaValidationError): string {
  const { keyword, params } = error;
  if (keyword === 'additionalProperties') return `has an unknown field ${JSON.stringify(params.additionalProperty)}`;
  if (keyword === 'required') return `is missing the field ${JSON.stringify(params.missingProperty)}`;
  if (keyword === 'enum') return `must be one of ${quoted(params.allowedValues)}`;
  if (keyword === 'pattern' && params.pattern === hashSchema.pattern) return 'must be a hash: 64 lowercase hex characters';
  if (keyword === 'discriminator') return `must have "type" set to one of ${batchRecordTypes.map((t) => JSON.stringify(t)).join(', ')}`;
  return error.message ?? `fails the "${keyword}" check`;
}

/** fastify's schemaErrorFormatter: `where` is "body", "querystring", "params" or "headers". */
export function validationError(errors: FastifySchemaValidationError[], where: string): Error {
  const first = errors[0];
  if (first === undefined) return new HttpError(400, 'INVALID_REQUEST', `${where} is invalid`);
  // "/3/subject" becomes "[3].subject", the way the database names a field of a batch record.
  const segments = first.instancePath.split('/').slice(1);
  const field = segments.map((segment) => (/^[0-9]+$/.test(segment) ? `[${segment}]` : `.${segment}`)).join('');
  const message = `${where}${field} ${describe(first)}`;
  // docs/claims.md: an asOf that is not an LSN (negative, not an integer) is INVALID_QUERY, the
  // code the database gives one beyond the log's end; the schema sees it first, so it answers alike.
  if (where === 'querystring' && segments[0] === 'asOf') return new InvalidQueryError(`${message}: asOf is an LSN, an integer from 0 to the end of the log`);
  return new HttpError(400, 'INVALID_REQUEST', message);
}
