// JSON Schemas of the two belief reads (docs/beliefs.md): their inputs, one schema per query
// for every surface that takes them (the HTTP routes here; an MCP tool takes the same fields),
// and their answers with exactly the fields db.beliefs() and db.contested() return. What the
// numbers mean is the database's rule; these schemas only say what shape they have.
import {
  beliefsAssertionsListedMax,
  beliefsCandidatesDefault,
  beliefsCandidatesMax,
  beliefsPageCandidatesMax,
  beliefsPredicatesDefault,
  beliefsPredicatesMax,
} from '../../limits.js';
import { asOfSchema, atLsnSchema, cursorSchema, epochIdSchema, hashSchema, limitSchema, textSchema } from './common.js';

/** `?epoch=`: the scope of a belief read (docs/beliefs.md#the-rules). */
const epochScopeSchema = {
  ...epochIdSchema,
  description: 'count only records with no epoch or with this epoch or one of its ancestors (following parent); an epoch not defined is 404 UNKNOWN_EPOCH; not an integer from 0, 400 INVALID_QUERY',
} as const;

/** The options of beliefs(subject, options); the subject is a path segment over HTTP (subjectParamsSchema). */
export const beliefsOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    predicate: { ...textSchema, description: 'only this predicate' },
    epoch: epochScopeSchema,
    asOf: asOfSchema,
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: beliefsPredicatesMax,
      description: `predicates in the page, 1..${beliefsPredicatesMax} (default ${beliefsPredicatesDefault}); limit x candidates is at most ${beliefsPageCandidatesMax} (else 400 INVALID_ARGUMENT)`,
    },
    cursor: cursorSchema,
    candidates: {
      type: 'integer',
      minimum: 1,
      maximum: beliefsCandidatesMax,
      description: `candidates listed per predicate, the first in the ranking, 1..${beliefsCandidatesMax} (default ${beliefsCandidatesDefault}); candidateCount counts them all`,
    },
  },
} as const;

/** The options of contested(options). */
export const contestedOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    epoch: { ...epochScopeSchema, description: `${epochScopeSchema.description}. Computes every pair in that scope until a page is found: use a small limit on a large store` },
    limit: limitSchema,
    cursor: cursorSchema,
  },
} as const;

// Answers: `additionalProperties: true` as in records.ts, so a field a later version adds is
// passed through rather than dropped; every field returned today is listed and required.

const candidateFields = {
  object: { description: 'the value: any JSON value (null included); the assertions whose objects have this canonical JSON' },
  support: { type: 'number', description: 'one per distinct source of its live assertions, plus the weight of each voter whose latest vote (in log order) on them supports (a voter\'s vote replaces the implicit support of a source with the same name); summed exactly, rounded once' },
  oppose: { type: 'number', description: 'the weight of each voter whose latest vote (in log order) on them opposes; summed exactly, rounded once' },
  score: { type: 'number', description: 'support - oppose, exact, rounded once' },
  supporters: { type: 'integer', minimum: 0, description: 'distinct sources and voters supporting' },
  assertions: { type: 'array', items: hashSchema, description: `its first ${beliefsAssertionsListedMax} live assertions in scope, in log order` },
  assertionCount: { type: 'integer', minimum: 1, description: 'all its live assertions in scope' },
} as const;

const candidateRequired = ['object', 'support', 'oppose', 'score', 'supporters', 'assertions', 'assertionCount'] as const;

export const candidateSchema = { type: 'object', additionalProperties: true, required: candidateRequired, properties: candidateFields } as const;

export const predicateBeliefsSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['predicate', 'contested', 'consensus', 'best', 'candidates', 'candidateCount'],
  properties: {
    predicate: textSchema,
    contested: { type: 'boolean', description: 'there is a best, and a second candidate scores > 0 and at least half the best\'s score, or the best\'s oppose is at least half its support' },
    consensus: { type: 'number', minimum: 0, maximum: 1, description: 'best.support / (the sum of support over all candidates + best.oppose); 0 with no best' },
    best: {
      type: ['object', 'null'],
      additionalProperties: true,
      required: candidateRequired,
      properties: candidateFields,
      description: 'the first candidate when its score is > 0, else null',
    },
    candidates: { type: 'array', items: candidateSchema, description: 'the first in the ranking (by score, then supporters, then the LSN of the first assertion), at most ?candidates=; empty when no live assertion is in scope' },
    candidateCount: { type: 'integer', minimum: 0, description: 'all the candidates' },
  },
} as const;

export const beliefsSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['subject', 'atLsn', 'predicates'],
  properties: {
    subject: textSchema,
    atLsn: atLsnSchema,
    predicates: {
      type: 'array',
      items: predicateBeliefsSchema,
      description: 'a page of the predicates with an assertion about the subject logged before the cut (in scope or not, live or not), in the order of their digests (not alphabetical)',
    },
    cursor: { type: 'string', description: 'opaque: pass back as ?cursor= with the same other parameters for the next page; absent on the last page' },
  },
} as const;

export const contestedItemSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['subject', 'predicate', 'consensus'],
  properties: { subject: textSchema, predicate: textSchema, consensus: predicateBeliefsSchema.properties.consensus },
} as const;

/** A page of contested pairs: no atLsn (the database reads the current state). */
export const contestedPageSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['items'],
  properties: {
    items: { type: 'array', items: contestedItemSchema, description: 'by subject, then predicate digest (so not alphabetically within a subject)' },
    cursor: { type: 'string', description: 'opaque: pass back as ?cursor= with the same epoch for the next page; absent on the last page' },
  },
} as const;
