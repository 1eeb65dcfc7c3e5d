// Parsers for option and argument values, for commander's argParser. A value outside its
// domain throws commander's InvalidArgumentError, so it is reported as a usage error (exit 2)
// before the database is opened.
import { InvalidArgumentError } from 'commander';
import type { JsonValue } from '../index.js';

const integerPattern = /^-?\d+$/;
const hashPattern = /^[0-9a-f]{64}$/;

/** A non-negative safe integer (epoch ids, weights of whole numbers, ports). */
export function parseId(value: string): number {
  const n = Number(value);
  if (!integerPattern.test(value.trim()) || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError('must be a non-negative integer.');
  }
  return n;
}

/** A positive safe integer (limits). */
export function parseCount(value: string): number {
  const n = parseId(value);
  if (n === 0) throw new InvalidArgumentError('must be at least 1.');
  return n;
}

/** A TCP port; 0 asks the system for a free one. */
export function parsePort(value: string): number {
  const n = parseId(value);
  if (n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return n;
}

/** A finite number (confidence, weight); the database checks the range. */
export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number.');
  return n;
}

/**
 * An LSN for --as-of: any number is passed on, and the database judges it (an integer from 0
 * to the log's end, else INVALID_QUERY); only text that is not a number at all is a usage error.
 */
export function parseLsn(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be an LSN (a whole number, e.g. 1200).');
  return n;
}

/**
 * An epoch that scopes a read (beliefs, contested --epoch): as for --as-of, any number is
 * passed on and the database judges it (an epoch id, else INVALID_QUERY; an id not defined is
 * UNKNOWN_EPOCH); only text that is not a number at all is a usage error.
 */
export function parseEpochScope(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be an epoch id (a whole number, e.g. 1).');
  return n;
}

/** A record hash: 64 lowercase hex characters, as `assert` and `export` print them. */
export function parseHash(value: string): string {
  if (!hashPattern.test(value)) throw new InvalidArgumentError('must be a record hash (64 lowercase hex characters).');
  return value;
}

/**
 * An assertion's object: JSON when the text is valid JSON (`42`, `true`, `{"a":1}`, `"42"`),
 * else the text itself as a string, so `--object Paris` needs no quoting.
 */
export function parseObject(value: string): JsonValue {
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

/**
 * A value to match exactly (find --object): JSON text only, so that `42` and `"42"` stay
 * different queries; a bare word is refused rather than guessed to be a string.
 */
export function parseJson(value: string): JsonValue {
  try {
    return JSON.parse(value) as JsonValue;
  } catch (error) {
    throw new InvalidArgumentError(`must be JSON text, where a string keeps its quotes: '"Paris"', not Paris (${(error as Error).message}).`);
  }
}
