// Turns one NDJSON input line into a record for db.appendBatch, or the reason it is a bad
// line. A `hash` field (as `export` writes it) is checked against the record's content here,
// before anything is written, so a line that would be stored under another hash is refused.
import { StemeDB, StemeError } from '../../index.js';
import type { CliErrorCode } from '../errors.js';

export type ParsedLine = { ok: true; record: Record<string, unknown> } | { ok: false; code: CliErrorCode; reason: string };

const recordTypes = new Set(['assertion', 'vote', 'retraction', 'epoch']);

function bad(reason: string, code: CliErrorCode = 'INVALID_RECORD'): ParsedLine {
  return { ok: false, code, reason };
}

export function parseRecordLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return bad(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('not a JSON object');
  const { hash, ...record } = value as Record<string, unknown>;
  if (typeof record.type !== 'string' || !recordTypes.has(record.type)) {
    return bad(`"type" must be "assertion", "vote", "retraction" or "epoch", got ${JSON.stringify(record.type) ?? 'nothing'}`);
  }
  if (hash === undefined) return { ok: true, record };
  let actual: string;
  try {
    actual = StemeDB.hashOf(record);
  } catch (error) {
    if (error instanceof StemeError) return bad(error.message, error.code);
    throw error;
  }
  if (actual !== hash) return bad(`"hash" is ${JSON.stringify(hash)} but the record hashes to ${actual}`);
  return { ok: true, record };
}
