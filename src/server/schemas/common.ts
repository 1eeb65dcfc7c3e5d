// JSON Schemas shared by many routes: a hash, the error body, a write's result, a tally, and
// the parameters and shape of reads as of an LSN and of pages (docs/claims.md).
// They are plain objects (fastify compiles them with ajv for requests and fast-json-stringify
// for responses; @fastify/swagger copies them into the OpenAPI document).
import { pageLimitDefault, pageLimitMax, stringBytesMax } from '../../limits.js';

export const hashSchema = {
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  description: 'BLAKE3-256 of the record\'s canonical bytes: 64 lowercase hex characters',
} as const;

/** A subject, predicate, source, voter or name: non-empty, at most stringBytesMax (code points here; bytes in the database). */
export const textSchema = { type: 'string', minLength: 1, maxLength: stringBytesMax } as const;

/**
 * A subject as one path segment (/v1/subjects/:subject/…): percent-encoded by the client,
 * decoded by fastify before validation.
 */
export const subjectParamsSchema = {
  type: 'object',
  required: ['subject'],
  additionalProperties: false,
  properties: { subject: { type: 'string', minLength: 1, maxLength: stringBytesMax, description: 'percent-encoded (encodeURIComponent)' } },
} as const;

export const epochIdSchema = {
  type: 'integer',
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'stable; branch on this (docs/http-api.md lists them)' },
        message: { type: 'string', description: 'for people; may change' },
        oldestLsn: { type: 'integer', description: 'CURSOR_EXPIRED only: the oldest LSN the change feed can still read from' },
      },
    },
  },
} as const;

/** Added to every route's responses, so the OpenAPI document shows the error shape. */
export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

export const writeResultSchema = {
  type: 'object',
  required: ['hash', 'lsn'],
  properties: {
    hash: hashSchema,
    lsn: { type: 'integer', description: 'where the record starts in the write-ahead log' },
  },
} as const;

/** The LSN a read was answered at: `asOf` when given, else the end of the log. */
export const atLsnSchema = {
  type: 'integer',
  minimum: 0,
  description: 'the LSN this was answered at (asOf when given, else the end of the log): pass it as ?asOf= to repeat the read exactly',
} as const;

export const tallySchema = {
  type: 'object',
  required: ['support', 'oppose', 'score', 'voters', 'atLsn'],
  properties: {
    support: { type: 'number', description: 'summed weight of voters whose latest vote supports' },
    oppose: { type: 'number', description: 'summed weight of voters whose latest vote opposes' },
    score: { type: 'number', description: 'support - oppose' },
    voters: { type: 'integer', description: 'distinct voters counted' },
    atLsn: atLsnSchema,
  },
} as const;

/**
 * `?asOf=`: count only records logged below this LSN. A value this schema refuses (negative,
 * not an integer) is answered 400 INVALID_QUERY, as the database answers one beyond the end of
 * the log (validation-message.ts), so every bad asOf has the one code docs/claims.md gives it.
 */
export const asOfSchema = {
  type: 'integer',
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'an LSN from 0 to the end of the log: answer as the store stood when its log ended there (records logged below it count); else 400 INVALID_QUERY',
} as const;

export const limitSchema = { type: 'integer', minimum: 1, maximum: pageLimitMax, description: `page size, 1..${pageLimitMax} (default ${pageLimitDefault})` } as const;

/** `?cursor=`: opaque; the database checks it (400 INVALID_CURSOR when no page of this query issued it). */
export const cursorSchema = {
  type: 'string',
  description: 'the `cursor` of the previous page of the same query, with the same parameters (else 400 INVALID_CURSOR)',
} as const;

/** A page of `items`: the next page's cursor (absent on the last page) and the LSN it was read at. */
export function pageSchema<T extends object>(items: T, order: string) {
  return {
    type: 'object',
    required: ['items', 'atLsn'],
    properties: {
      items: { type: 'array', items, description: order },
      cursor: { type: 'string', description: 'opaque: pass back as ?cursor= with the same parameters for the next page; absent on the last page' },
      atLsn: atLsnSchema,
    },
  } as const;
}
