// The JSON Schema of one change of the feed (GET /v1/changes), for the OpenAPI document. The
// route streams by hand, so this describes the lines and event data; it validates nothing.
import { hashSchema } from './common.js';

const lsn = { type: 'integer', minimum: 0 } as const;

export const changeSchema = {
  type: 'object',
  required: ['lsn', 'nextLsn', 'type', 'hash', 'record'],
  properties: {
    lsn: { ...lsn, description: 'where the record starts in the log: pass it as ?since= to resume after it' },
    nextLsn: { ...lsn, description: 'the LSN just past the record' },
    type: { type: 'string', enum: ['assertion', 'vote', 'retraction', 'epoch'] },
    hash: hashSchema,
    record: { type: 'object', required: ['type'], description: 'the record\'s fields as GET /v1/assertions/:hash shows them (an assertion\'s object parsed)' },
  },
  description: 'one change; an NDJSON answer ends with {"lastLsn": N} (the cursor to resume from), or {"error": {...}}',
} as const;
