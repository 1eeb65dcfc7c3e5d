// JSON Schemas shared by many routes: a hash, the error body, a write's result, a tally.
// They are plain objects (fastify compiles them with ajv for requests and fast-json-stringify
// for responses; @fastify/swagger copies them into the OpenAPI document).

export const hashSchema = {
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  description: 'BLAKE3-256 of the record\'s canonical bytes: 64 lowercase hex characters',
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

export const tallySchema = {
  type: 'object',
  required: ['support', 'oppose', 'score', 'voters'],
  properties: {
    support: { type: 'number', description: 'summed weight of voters whose latest vote supports' },
    oppose: { type: 'number', description: 'summed weight of voters whose latest vote opposes' },
    score: { type: 'number', description: 'support - oppose' },
    voters: { type: 'integer', description: 'distinct voters counted' },
  },
} as const;
