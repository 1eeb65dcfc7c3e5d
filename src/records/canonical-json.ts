// The canonical JSON text of an assertion's `object`: object keys sorted by UTF-16 code
// units (as RFC 8785 JCS), numbers in ECMAScript's shortest round-trip form (JSON.stringify),
// -0 written as 0, no whitespace. Anything that is not plain JSON is refused with its path.
import { InvalidRecordError } from '../errors.js';
import { objectDepthMax } from '../limits.js';
import type { JsonValue } from './types.js';

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` is well-formed Unicode (no lone surrogates: they cannot become UTF-8). */
export function isWellFormed(text: string): boolean {
  return !loneSurrogate.test(text);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Canonical JSON text of `value`; throws INVALID_RECORD naming the path of what is not JSON. */
export function canonicalJson(value: unknown, path = 'object', depth = 0): string {
  if (depth > objectDepthMax) throw new InvalidRecordError(path, `nests deeper than ${objectDepthMax} levels`);
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw new InvalidRecordError(path, 'contains a lone surrogate (not valid Unicode)');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidRecordError(path, 'must be a finite number');
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) items.push(canonicalJson(value[i], child(path, i), depth + 1));
        return `[${items.join(',')}]`;
      }
      if (!isPlainObject(value)) throw new InvalidRecordError(path, 'must be a plain JSON object');
      const keys = Object.keys(value).sort();
      const members: string[] = [];
      for (const key of keys) {
        if (!isWellFormed(key)) throw new InvalidRecordError(child(path, key), 'key contains a lone surrogate');
        members.push(`${JSON.stringify(key)}:${canonicalJson(value[key], child(path, key), depth + 1)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new InvalidRecordError(path, `is ${value === undefined ? 'undefined' : `a ${typeof value}`}, not a JSON value`);
  }
}

/** Parses canonical JSON text; refuses text that is not exactly canonical. */
export function parseCanonicalJson(text: string, path = 'object'): JsonValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRecordError(path, 'is not valid JSON');
  }
  if (canonicalJson(value, path) !== text) throw new InvalidRecordError(path, 'is not in canonical JSON form');
  return value as JsonValue;
}
