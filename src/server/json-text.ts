// JSON text the server parses itself (NDJSON lines, the `object` of a find query), under the
// rule of fastify's JSON body parser (secure-json-parse): no `__proto__` key and no
// `constructor` key holding `prototype`, anywhere, so no input can poison a prototype. And the
// content type of JSON text a route sends itself (fastify's own for the objects it serializes).

/** What fastify sends with a serialized object; a route that sends JSON text sets it the same. */
export const jsonContentType = 'application/json; charset=utf-8';

/** Thrown for a key that could poison a prototype; its message names the key. */
export class PoisonedKeyError extends Error {}

function refusePoisonedKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new PoisonedKeyError('a "__proto__" key');
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype')) {
    throw new PoisonedKeyError('a "constructor" key holding "prototype"');
  }
  return value;
}

/** JSON.parse with the poisoned-key rule: a SyntaxError for text that is not JSON, PoisonedKeyError for such a key. */
export function parseJsonText(text: string): unknown {
  return JSON.parse(text, refusePoisonedKeys) as unknown;
}
