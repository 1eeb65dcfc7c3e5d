// Checks for single record fields, shared by validation (untrusted input) and encoding (the
// pair assertion before bytes are written). Each takes the field's path for its error and
// returns the normalised value: -0 becomes 0, everything else passes through unchanged.
import { InvalidRecordError } from '../errors.js';
import type { EpochId } from './types.js';
import { isWellFormed } from './unicode.js';

/** An untrusted record object; fields are read as own properties only. */
export type Input = Readonly<Record<string, unknown>>;

/** The own property `field` of `input` (an inherited one, e.g. from a prototype, is absent). */
export function own(input: Input, field: string): unknown {
  return Object.hasOwn(input, field) ? input[field] : undefined;
}

/** A string of at most `bytesMax` UTF-8 bytes, well-formed, non-empty unless `emptyOk`. */
export function checkText(value: unknown, path: string, bytesMax: number, emptyOk = false): string {
  if (typeof value !== 'string') throw new InvalidRecordError(path, value === undefined ? 'is required' : 'must be a string');
  if (value.length === 0 && !emptyOk) throw new InvalidRecordError(path, 'must not be empty');
  if (!isWellFormed(value)) throw new InvalidRecordError(path, 'contains a lone surrogate (not valid Unicode)');
  // Buffer.byteLength counts without allocating; for a well-formed string it is exact.
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > bytesMax) throw new InvalidRecordError(path, `is ${bytes} bytes of UTF-8; the limit is ${bytesMax}`);
  return value;
}

/** An integer 0..2^53-1: createdAt, epoch ids. Larger values would lose precision as numbers. */
export function checkSafeInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidRecordError(path, value === undefined ? 'is required' : 'must be an integer from 0 to 2^53-1');
  }
  return Object.is(value, -0) ? 0 : value;
}

/** Checks an epoch id (a safe integer 0..2^53-1); `path` names the field in the error. */
export function parseEpochId(value: unknown, path = 'epoch'): EpochId {
  return checkSafeInteger(value, path) as EpochId;
}

/** A finite number, -0 normalised to 0 (an f64 -0 would otherwise encode differently from 0). */
export function checkFinite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidRecordError(path, 'must be a finite number');
  return Object.is(value, -0) ? 0 : value;
}
