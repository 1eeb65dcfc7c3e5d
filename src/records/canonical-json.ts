// The canonical JSON text of an assertion's `object` (RFC 8785 JCS rules): object keys sorted
// by UTF-16 code units, numbers in ECMAScript's shortest round-trip form (JSON.stringify's),
// -0 written as 0, no whitespace, containers nested at most objectDepthMax deep. Anything
// that is not plain JSON (undefined, NaN, a Date, a class instance, a lone surrogate) is
// refused with the path of the offending value, e.g. `object.tags[3]`.
import { InvalidRecordError } from '../errors.js';
import { objectDepthMax } from '../limits.js';
import { isWellFormed } from './unicode.js';

type Key = string | number;

/** `object.a[2]["b c"]`: identifier keys with a dot, others as JSON strings in brackets. */
export function formatPath(root: string, keys: readonly Key[]): string {
  let path = root;
  for (const key of keys) {
    if (typeof key === 'number') path += `[${key}]`;
    else path += /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return path;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Checks a value is plain JSON; reports whether every object's keys are already in order. */
class Checker {
  // The path is kept as a stack of keys and formatted only when something is refused, so
  // the common case pays a push and a pop per value instead of building strings.
  private readonly keys: Key[] = [];

  constructor(private readonly root: string) {}

  private fail(reason: string): never {
    throw new InvalidRecordError(formatPath(this.root, this.keys), reason);
  }

  /** Throws unless `value` is JSON; returns whether its objects' keys are all sorted. */
  check(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case 'string':
        if (!isWellFormed(value)) this.fail('contains a lone surrogate (not valid Unicode)');
        return true;
      case 'number':
        if (!Number.isFinite(value)) this.fail('must be a finite number (JSON has no NaN or Infinity)');
        return true;
      case 'boolean':
        return true;
      case 'object':
        if (value === null) return true;
        if (depth >= objectDepthMax) this.fail(`nests deeper than ${objectDepthMax} levels`);
        return Array.isArray(value) ? this.array(value, depth + 1) : this.object(value, depth + 1);
      default:
        return this.fail(value === undefined ? 'is undefined, not a JSON value' : `is a ${typeof value}, not a JSON value`);
    }
  }

  private array(value: readonly unknown[], depth: number): boolean {
    let sorted = true;
    for (let i = 0; i < value.length; i++) {
      this.keys.push(i);
      sorted = this.check(value[i], depth) && sorted;
      this.keys.pop();
    }
    return sorted;
  }

  private object(value: object, depth: number): boolean {
    if (!isPlainObject(value)) this.fail('must be a plain JSON object (not a Date, Map or class instance)');
    const keys = Object.keys(value);
    let sorted = true;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.keys.push(key);
      if (!isWellFormed(key)) this.fail('key contains a lone surrogate (not valid Unicode)');
      // `<` on strings compares UTF-16 code units: JCS's order.
      if (i > 0 && !(keys[i - 1]! < key)) sorted = false;
      sorted = this.check(value[key], depth) && sorted;
      this.keys.pop();
    }
    return sorted;
  }
}

/** JSON text with keys sorted, for values Checker accepted whose keys were out of order. */
function sortedJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  // Array.prototype.sort's default order compares UTF-16 code units.
  return `{${Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${sortedJson(record[key])}`).join(',')}}`;
}

/** Canonical JSON text of `value`; throws InvalidRecordError naming the path under `root`. */
export function canonicalJson(value: unknown, root = 'object'): string {
  // JSON.stringify already writes numbers in shortest form, -0 as 0, strings escaped as JCS
  // wants and keys in Object.keys order; when that order is sorted (always, for text we
  // wrote), its output is canonical and about twice as fast as building the text ourselves.
  return new Checker(root).check(value, 0) ? JSON.stringify(value) : sortedJson(value);
}
