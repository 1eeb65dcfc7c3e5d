// The application/x-ndjson body of POST /v1/batch: one JSON record per line. Line i holds
// record [i-1] (blank lines other than a final newline are refused, so the record index in a
// validation error and the line number never drift apart). A bad line is named by number.
// Keys that could poison a prototype are refused, as fastify's JSON parser refuses them
// (json-text.ts).
import { HttpError } from './http-error.js';
import { parseJsonText, PoisonedKeyError } from './json-text.js';

export const ndjsonContentType = 'application/x-ndjson';

export function parseNdjson(text: string): unknown[] {
  const lines = text.split('\n');
  // A trailing newline ends the last record; it does not start an empty one.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') throw new HttpError(400, 'INVALID_JSON', `line ${i + 1}: empty line; each line must hold one JSON record`);
    try {
      return parseJsonText(line);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof PoisonedKeyError) throw new HttpError(400, 'INVALID_JSON', `line ${i + 1}: ${reason} is not accepted`);
      throw new HttpError(400, 'INVALID_JSON', `line ${i + 1}: not valid JSON (${reason})`);
    }
  });
}
