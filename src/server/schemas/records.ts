// JSON Schemas of the four record kinds: as a client writes them (strict: no unknown fields),
// as the history lists them (with `type` and `createdAt`) and as reads return them (with
// `hash` too; an assertion also with the LSN it was logged at and its status). They check
// shape and types early; the database still validates every record fully (UTF-8 byte limits,
// object size, authorship) and stays the authority. String maxLength counts code points, a
// lower bound on bytes. One schema per kind, shared by the single-record route and the batch.
import { descriptionBytesMax, reasonBytesMax } from '../../limits.js';
import { epochIdSchema, hashSchema, textSchema as text } from './common.js';

const createdAt = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'ms since the Unix epoch; the server\'s clock when omitted (part of the hash)' } as const;
const epochRef = { ...epochIdSchema, description: 'the id of the epoch this belongs to' } as const;

const assertionFields = {
  subject: text,
  predicate: text,
  object: { description: 'any JSON value (null included); at most 64 KiB encoded' },
  source: { ...text, description: 'who or what makes the claim' },
  confidence: { type: 'number', minimum: 0, maximum: 1 },
  epoch: epochRef,
  supersedes: { ...hashSchema, description: 'the assertion this one replaces: it must exist, be by the same source (else 403 NOT_AUTHOR) and have the same subject and predicate (else 400 INVALID_RECORD)' },
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

const retractionFields = {
  assertion: { ...hashSchema, description: 'hash of the assertion taken back; it must exist' },
  source: { ...text, description: 'who takes it back: the assertion\'s own source (else 403 NOT_AUTHOR)' },
  reason: { type: 'string', minLength: 1, maxLength: reasonBytesMax, description: 'why, in words' },
  createdAt,
} as const;

const required = {
  assertion: ['subject', 'predicate', 'object', 'source'],
  vote: ['assertion', 'voter', 'stance'],
  epoch: ['id', 'name'],
  retraction: ['assertion', 'source'],
} as const;

export const assertionInputSchema = { type: 'object', additionalProperties: false, required: required.assertion, properties: assertionFields } as const;
export const voteInputSchema = { type: 'object', additionalProperties: false, required: required.vote, properties: voteFields } as const;
export const epochInputSchema = { type: 'object', additionalProperties: false, required: required.epoch, properties: epochFields } as const;
export const retractionInputSchema = { type: 'object', additionalProperties: false, required: required.retraction, properties: retractionFields } as const;

function kind<T extends string>(type: T) {
  return { type: 'string', enum: [type] } as const;
}

/** The kinds a batch may hold, in the order validation messages name them. */
export const batchRecordTypes = ['assertion', 'vote', 'epoch', 'retraction'] as const;

/** One record of a batch: the same fields plus `type`, which picks the schema (ajv `discriminator`). */
export const batchRecordSchema = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    { type: 'object', additionalProperties: false, required: required.assertion, properties: { type: kind('assertion'), ...assertionFields } },
    { type: 'object', additionalProperties: false, required: required.vote, properties: { type: kind('vote'), ...voteFields } },
    { type: 'object', additionalProperties: false, required: required.epoch, properties: { type: kind('epoch'), ...epochFields } },
    { type: 'object', additionalProperties: false, required: required.retraction, properties: { type: kind('retraction'), ...retractionFields } },
  ],
} as const;

// Responses: `additionalProperties: true` so that a field a later version adds is passed
// through by the serializer instead of silently dropped; every field returned today is listed
// (test/server/openapi.test.ts checks real answers against these schemas).

/** A record as the history lists it: its fields with `type` and `createdAt`, without `hash` (the item carries it). */
const assertionRecordSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', ...required.assertion, 'createdAt'],
  properties: { type: kind('assertion'), ...assertionFields },
} as const;
const voteRecordSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', ...required.vote, 'weight', 'createdAt'],
  properties: { type: kind('vote'), ...voteFields },
} as const;
const retractionRecordSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', ...required.retraction, 'createdAt'],
  properties: { type: kind('retraction'), ...retractionFields },
} as const;

const lsn = { type: 'integer', minimum: 0, description: 'the LSN the record was first logged at' } as const;

/** What has become of an assertion as of the read (docs/claims.md#status). */
const assertionStatus = {
  status: { type: 'string', enum: ['live', 'retracted', 'superseded'], description: 'as of the read: the first retraction or supersession logged before it decides' },
  retractedBy: { ...hashSchema, description: 'the retraction that took it back (status retracted)' },
  supersededBy: { ...hashSchema, description: 'the assertion that replaced it (status superseded)' },
} as const;

export const storedAssertionSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', 'hash', ...required.assertion, 'createdAt', 'lsn', 'status'],
  properties: { type: kind('assertion'), ...assertionFields, hash: hashSchema, lsn, ...assertionStatus },
} as const;
export const storedVoteSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', 'hash', ...required.vote, 'weight', 'createdAt'],
  properties: { type: kind('vote'), ...voteFields, hash: hashSchema },
} as const;
export const storedEpochSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', 'hash', ...required.epoch, 'createdAt'],
  properties: { type: kind('epoch'), ...epochFields, hash: hashSchema },
} as const;
export const storedRetractionSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type', 'hash', ...required.retraction, 'createdAt'],
  properties: { type: kind('retraction'), ...retractionFields, hash: hashSchema },
} as const;
export const storedRecordSchema = {
  type: 'object',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [storedAssertionSchema, storedVoteSchema, storedEpochSchema, storedRetractionSchema],
} as const;

/** One entry of a subject's history: an assertion, a vote or a retraction, with its LSN. */
export const historyItemSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['lsn', 'type', 'hash', 'record'],
  properties: {
    lsn,
    type: { type: 'string', enum: ['assertion', 'vote', 'retraction'] },
    hash: hashSchema,
    record: {
      type: 'object',
      discriminator: { propertyName: 'type' },
      required: ['type'],
      oneOf: [assertionRecordSchema, voteRecordSchema, retractionRecordSchema],
      description: 'the record\'s fields (a superseding assertion has `supersedes`)',
    },
  },
} as const;
