// Turns the surfaces' JSON Schemas (src/server/schemas: the one definition of each record kind
// and query) into zod, the schema language the MCP SDK takes for tool inputs, so a tool and the
// HTTP route it mirrors cannot disagree. Only the keywords those schemas use are understood;
// any other keyword throws at startup rather than being silently dropped.
import { z, type ZodTypeAny } from 'zod';

/** The JSON Schema keywords our input schemas use. */
export interface JsonSchema {
  readonly type?: string;
  readonly description?: string;
  readonly enum?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

const known = new Set(['type', 'description', 'enum', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'minItems', 'maxItems', 'items', 'properties', 'required', 'additionalProperties']);

function stringSchema(schema: JsonSchema): ZodTypeAny {
  if (schema.enum !== undefined) {
    const [first, ...rest] = schema.enum;
    if (first === undefined) throw new TypeError('an enum needs at least one value');
    return z.enum([first, ...rest]);
  }
  let out = z.string();
  if (schema.minLength !== undefined) out = out.min(schema.minLength);
  if (schema.maxLength !== undefined) out = out.max(schema.maxLength);
  if (schema.pattern !== undefined) out = out.regex(new RegExp(schema.pattern, 'u'));
  return out;
}

function numberSchema(schema: JsonSchema, integer: boolean): ZodTypeAny {
  let out = z.number();
  if (integer) out = out.int();
  if (schema.minimum !== undefined) out = out.gte(schema.minimum);
  if (schema.maximum !== undefined) out = out.lte(schema.maximum);
  if (schema.exclusiveMinimum !== undefined) out = out.gt(schema.exclusiveMinimum);
  return out;
}

/** An object's fields as a zod object: unknown fields refused, as the HTTP API refuses them. */
export function zodObject(schema: JsonSchema): z.ZodObject<Record<string, ZodTypeAny>> {
  const required = new Set(schema.required ?? []);
  const shape: Record<string, ZodTypeAny> = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const type = zodFromJsonSchema(field);
    shape[name] = required.has(name) ? type : type.optional();
  }
  const object = z.object(shape);
  return schema.additionalProperties === false ? object.strict() : object.passthrough();
}

export function zodFromJsonSchema(schema: JsonSchema): ZodTypeAny {
  for (const key of Object.keys(schema)) {
    if (!known.has(key)) throw new TypeError(`json-schema-zod does not translate the keyword ${JSON.stringify(key)}`);
  }
  let out: ZodTypeAny;
  switch (schema.type) {
    case undefined:
      // Any JSON value, null included, but present: a required `object` must be sent.
      out = z.any().refine((value) => value !== undefined, { message: 'Required' });
      break;
    case 'string':
      out = stringSchema(schema);
      break;
    case 'integer':
    case 'number':
      out = numberSchema(schema, schema.type === 'integer');
      break;
    case 'boolean':
      out = z.boolean();
      break;
    case 'array': {
      if (schema.items === undefined) throw new TypeError('an array schema needs items');
      let array = z.array(zodFromJsonSchema(schema.items));
      if (schema.minItems !== undefined) array = array.min(schema.minItems);
      if (schema.maxItems !== undefined) array = array.max(schema.maxItems);
      out = array;
      break;
    }
    case 'object':
      out = zodObject(schema);
      break;
    default:
      throw new TypeError(`json-schema-zod does not translate type ${JSON.stringify(schema.type)}`);
  }
  return schema.description === undefined ? out : out.describe(schema.description);
}
