// Query strings and path parameters arrive as text, but the validator runs with type coercion
// off (with it on, a JSON body's "0.5" would pass as 0.5 and ["x"] as "x"). So the integer and
// boolean query and path fields are converted here, before validation: only plain decimal
// digits become numbers and only `true` and `false` become booleans; anything else stays text
// and the schema refuses it.
import type { FastifyReply, FastifyRequest } from 'fastify';

const digits = /^[0-9]+$/;

export interface TypedFields {
  integers?: readonly string[];
  booleans?: readonly string[];
}

export function typedFields(part: 'query' | 'params', names: TypedFields) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const fields = request[part] as Record<string, unknown> | undefined;
    if (fields === undefined || fields === null) return;
    for (const name of names.integers ?? []) {
      const value = fields[name];
      if (typeof value === 'string' && digits.test(value)) fields[name] = Number(value);
    }
    for (const name of names.booleans ?? []) {
      const value = fields[name];
      if (value === 'true' || value === 'false') fields[name] = value === 'true';
    }
  };
}
