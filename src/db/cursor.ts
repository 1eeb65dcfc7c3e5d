// Opaque page cursors. A cursor is base64url of an 8-byte fingerprint of the query that
// issued it (its name and every parameter but limit and cursor) followed by the position:
// the index key of the last item returned, less the scan's prefix. Paging resumes strictly
// after that key, so it never repeats or skips an entry, whatever is written meanwhile. A
// cursor that is malformed or that another query issued is INVALID_CURSOR, never an empty page.
import { blake3 } from '../blake3.js';
import { InvalidCursorError } from '../errors.js';

const fingerprintBytes = 8;
const encoder = new TextEncoder();

function fingerprint(query: string, params: readonly unknown[]): Uint8Array {
  return blake3(encoder.encode(JSON.stringify([query, ...params.map((p) => (p === undefined ? null : p))]))).subarray(0, fingerprintBytes);
}

/** The cursor that resumes `query` with `params` after the key `prefix` + `position`. */
export function encodeCursor(query: string, params: readonly unknown[], position: Uint8Array): string {
  return Buffer.concat([fingerprint(query, params), position]).toString('base64url');
}

/**
 * The position a cursor names, for the same query and parameters; undefined without a cursor.
 * INVALID_CURSOR when it is not one this query issued.
 */
export function decodeCursor(query: string, params: readonly unknown[], cursor: unknown): Uint8Array | undefined {
  if (cursor === undefined) return undefined;
  if (typeof cursor !== 'string' || cursor.length === 0 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError(`cursor must be a cursor a previous page returned, got ${JSON.stringify(cursor)}`);
  }
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.length <= fingerprintBytes || Buffer.compare(bytes.subarray(0, fingerprintBytes), fingerprint(query, params)) !== 0) {
    throw new InvalidCursorError('cursor was not issued by this query (another query, other parameters, or damaged)');
  }
  return new Uint8Array(bytes.subarray(fingerprintBytes));
}
