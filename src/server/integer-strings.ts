// Query strings and path parameters arrive as text, but the validator runs with type coercion
// off (with it on, a JSON body's "0.5" would pass as 0.5 and ["x"] as "x"). So the
// integer-valued query and path fields are converted here, before validation: only plain
// decimal digits become numbers; anything else stays text and the schema refuses it.
import type { FastifyReply, FastifyRequest } from 'fastify';

const digits = /^[0-9]+$/;

export function integerFields(part: 'query' | 'params', names: readonly string[]) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const fields = request[part] as Record<string, unknown> | undefined;
    if (fields === undefined || fields === null) return;
    for (const name of names) {
      const value = fields[name];
      if (typeof value === 'string' && digits.test(value)) fields[name] = Number(value);
    }
  };
}
