// JSON Schemas of the claim reads that take several fields (docs/claims.md): find, a subject's
// assertions and its history. One definition per query for every surface: the HTTP routes use
// them as query strings (find adds `object` as JSON text), the MCP tools as tool inputs (find
// adds `object` as a JSON value, and the subject joins the fields).
import { asOfSchema, cursorSchema, limitSchema, textSchema } from './common.js';

const includeRetracted = { type: 'boolean', description: 'true: retracted and superseded assertions too, each with its status (default false: live ones only)' } as const;

/** find's fields but `object`, whose type depends on the surface (JSON text in a URL, a JSON value in a tool call). */
export const findFields = {
  predicate: { ...textSchema, description: 'assertions with this predicate (a predicate or a source is needed: else INVALID_QUERY)' },
  source: { ...textSchema, description: 'assertions by this source' },
  subject: { ...textSchema, description: 'assertions about this subject' },
  includeRetracted,
  asOf: asOfSchema,
  limit: limitSchema,
  cursor: cursorSchema,
} as const;

/** The description of find's `object`, whatever its encoding. */
export const findObjectDescription = 'the object to match, compared by canonical JSON; needs predicate';

/** The options of assertionsAbout(subject, options). */
export const aboutOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    predicate: { ...textSchema, description: 'only assertions with this predicate' },
    includeRetracted,
    asOf: asOfSchema,
    limit: limitSchema,
    cursor: cursorSchema,
  },
} as const;

/** The options of history(subject, options). */
export const historyOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    predicate: { ...textSchema, description: 'only assertions with this predicate, and votes and retractions on them' },
    asOf: asOfSchema,
    limit: limitSchema,
    cursor: cursorSchema,
  },
} as const;
