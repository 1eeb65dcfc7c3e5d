// JSON Schemas of the three record kinds: as a client writes them (strict: no unknown fields)
// and as the server returns them (with `type`, `hash` and `createdAt`). They check shape and
// types early; the database still validates every record fully (UTF-8 byte limits, object
// size) and stays the authority. String maxLength counts code points, a lower bound on bytes.
import { descriptionBytesMax, stringBytesMax } from '../../limits.js';
import { epochIdSchema, hashSchema } from './common.js';

const text = { type: 'string', minLength: 1, maxLength: stringBytesMax } as const;
const createdAt = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'ms since the Unix epoch; the server\'s clock when omitted (part of the hash)' } as const;
const epochRef = { ...epochIdSchema, description: 'the id of the epoch this belongs to' } as const;

const assertionFields = {
  subject: text,
  predicate: text,
  object: { description: 'any JSON value (null included); at most 64 KiB encoded' },
  source: { ...text, description: 'who or what makes the claim' },
  confidence: { type: 'number', minimum: 0, maximum: 1 },
  epoch: epochRef,
  createdAt,
} as const;

const voteFields = {
  assertion: { ...hashSchema, description: 'hash of the assertion voted on; it must exist' },
  voter: text,
  stance: { type: 'string', enum: ['support', 'oppose'] },
  weight: { type: 'number', exclusiveMinimum: 0, description: '1 when omitted' },
  epoch: epochRef,
  createdAt,
} as const;

const epochFields = {
  id: epochIdSchema,
  name: text,
  description: { type: 'string', maxLength: descriptionBytesMax },
  parent: { ...epochIdSchema, description: 'the id of the epoch this one refines' },
  createdAt,
} as const;

const required = {
  assertion: ['subject', 'predicate', 'object', 'source'],
  vote: ['assertion', 'voter', 'stance'],
  epoch: ['id', 'name'],
} as const;

export const assertionInputSchema = { type: 'object', additionalProperties: false, required: required.assertion, properties: assertionFields } as const;
export const voteInputSchema = { type: 'object', additionalProperties: false, required: required.vote, properties: voteFields } as const;
export const epochInputSchema = { type: 'object', additionalProperties: false, required: required.epoch, properties: epochFields } as const;

function kind<T extends string>(type: T) {
  return { type: 'string', enum: [type] } as const;
}

/** One record of a batch: the same fields plus `type`, which picks the schema (ajv `discriminator`). */
export const batchRecordSchema = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    { type: 'object', additionalProperties: false, required: required.assertion, properties: { type: kind('assertion'), ...assertionFields } },
    { type: 'object', additionalProperties: false, required: required.vote, properties: { type: kind('vote'), ...voteFields } },
    { type: 'object', additionalProperties: false, required: required.epoch, properties: { type: kind('epoch'), ...epochFields } },
  ],
} as const;

// Responses: `additionalProperties: true` so that a field a later version adds is passed
// through by the serializer instead of silently dropped.
const stored = { hash: hashSchema, createdAt } as const;
export const storedAssertionSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', 'hash', ...required.assertion, 'createdAt'],
  properties: { type: kind('assertion'), ...assertionFields, ...stored },
} as const;
export const storedVoteSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', 'hash', ...required.vote, 'weight', 'createdAt'],
  properties: { type: kind('vote'), ...voteFields, ...stored },
} as const;
export const storedEpochSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', 'hash', ...required.epoch, 'createdAt'],
  properties: { type: kind('epoch'), ...epochFields, ...stored },
} as const;
export const storedRecordSchema = {
  type: 'object',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [storedAssertionSchema, storedVoteSchema, storedEpochSchema],
} as const;
