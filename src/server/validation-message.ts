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

/**
 * Query fields the database checks too, and what they must be. A value the schema refuses is
 * answered with the database's own code, INVALID_QUERY, so every bad value has one code
 * whichever layer sees it first: asOf (docs/claims.md: negative, fractional, beyond the log's
 * end) and, on the belief reads, epoch (docs/beliefs.md: the database refuses an epoch that is
 * not an id; one that is not defined is UNKNOWN_EPOCH).
 */
const queryFieldRules = {
  asOf: 'asOf is an LSN, an integer from 0 to the end of the log',
  epoch: 'epoch is an epoch id, an integer from 0',
} as const;

export type QueryField = keyof typeof queryFieldRules;

/**
 * A fastify schemaErrorFormatter (`where` is "body", "querystring", "params" or "headers") that
 * answers INVALID_QUERY for the named query fields and INVALID_REQUEST for anything else.
 */
export function validationErrorFor(queryFields: readonly QueryField[]) {
  return (errors: FastifySchemaValidationError[], where: string): Error => {
    const first = errors[0];
    if (first === undefined) return new HttpError(400, 'INVALID_REQUEST', `${where} is invalid`);
    // "/3/subject" becomes "[3].subject", the way the database names a field of a batch record.
    const segments = first.instancePath.split('/').slice(1);
    const field = segments.map((segment) => (/^[0-9]+$/.test(segment) ? `[${segment}]` : `.${segment}`)).join('');
    const message = `${where}${field} ${describe(first)}`;
    const queryField = queryFields.find((name) => name === segments[0]);
    if (where === 'querystring' && queryField !== undefined) return new InvalidQueryError(`${message}: ${queryFieldRules[queryField]}`);
    return new HttpError(400, 'INVALID_REQUEST', message);
  };
}

/**
 * The server-wide formatter: only asOf is the database's to judge everywhere. An `epoch` is
 * INVALID_QUERY on the belief reads alone (routes/beliefs.ts), where the database checks it;
 * the tally's epoch is a plain filter the schema alone checks (INVALID_REQUEST).
 */
export const validationError = validationErrorFor(['asOf']);
