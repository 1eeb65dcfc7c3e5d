// Decoding: bytes from the WAL or the KV store back to a record. Structure is read through
// the lazy views (bounds, padding, flags, UTF-8); the fields are then validated like any
// input, and the record is re-encoded: bytes that do not re-encode identically are not
// canonical and are refused, so one logical record has exactly one byte string and one hash.
// Only InvalidRecordError ever escapes.
import { InvalidRecordError } from '../errors.js';
import { parseCanonicalJson } from './canonical-json.js';
import { encodeRecord } from './encode.js';
import type { StemeRecord } from './types.js';
import { validateRecord } from './validate.js';
import { openView } from './view.js';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function fields(bytes: Uint8Array): Record<string, unknown> {
  const view = openView(bytes);
  switch (view.type) {
    case 'assertion':
      return {
        type: 'assertion',
        subject: view.subject,
        predicate: view.predicate,
        object: parseCanonicalJson(view.objectJson),
        source: view.source,
        ...(view.confidence !== undefined && { confidence: view.confidence }),
        ...(view.epoch !== undefined && { epoch: view.epoch }),
        createdAt: view.createdAt,
      };
    case 'vote':
      return {
        type: 'vote',
        assertion: view.assertion,
        voter: view.voter,
        stance: view.stance,
        weight: view.weight,
        ...(view.epoch !== undefined && { epoch: view.epoch }),
        createdAt: view.createdAt,
      };
    case 'epoch':
      return {
        type: 'epoch',
        id: view.id,
        name: view.name,
        ...(view.description !== undefined && { description: view.description }),
        ...(view.parent !== undefined && { parent: view.parent }),
        createdAt: view.createdAt,
      };
  }
}

export function decodeRecord(bytes: Uint8Array): StemeRecord {
  try {
    const record = validateRecord(fields(bytes));
    if (!sameBytes(encodeRecord(record), bytes)) throw new InvalidRecordError('', 'non-canonical encoding');
    return record;
  } catch (error) {
    if (error instanceof InvalidRecordError) throw error;
    // Defence in depth: whatever else went wrong, the bytes are not a valid record.
    throw new InvalidRecordError('', `undecodable record: ${(error as Error).message}`, { cause: error });
  }
}
