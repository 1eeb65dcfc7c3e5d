// A tool's input schema in the two roles the SDK gives it: published in tools/list, and checked
// on each call. The SDK answers a call that fails its check with a bare message and no code, so
// the schema handed to the SDK lets every call through (its JSON Schema is still the real one),
// and the tool checks its arguments itself: failures are INVALID_REQUEST tool errors with the
// field named, like the HTTP API's 400s, and never a protocol error.
import type { z, ZodIssue, ZodTypeAny } from 'zod';
import { mcpToolInputElementsMax } from '../limits.js';
import { zodObject, type JsonSchema } from './json-schema-zod.js';
import { McpToolError } from './tool-result.js';

export interface ToolInput {
  /** For registerTool's inputSchema: lists as the schema, lets any arguments through to the tool. */
  published: z.ZodObject<Record<string, ZodTypeAny>>;
  /** The arguments, checked against the schema; throws McpToolError INVALID_REQUEST. */
  check: (args: unknown) => Record<string, unknown>;
}

function issueText(issue: ZodIssue): string {
  const path = issue.path.length === 0 ? 'arguments' : issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  return `${path}: ${issue.message}`;
}

/**
 * Counts array items and object members, stopping as soon as the count passes `max`: bounds the
 * work of checking a call whatever its size. An explicit stack and one push per child (never a
 * spread of a whole array into push, which throws RangeError past ~100k items), no recursion.
 */
export function elementCount(value: unknown, max: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (++count > max) return count;
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return count;
}

/** Built once per schema (a stdio and an HTTP server in one process share them). */
const built = new WeakMap<JsonSchema, ToolInput>();

export function toolInput(schema: JsonSchema): ToolInput {
  const cached = built.get(schema);
  if (cached !== undefined) return cached;
  const input = buildToolInput(schema);
  built.set(schema, input);
  return input;
}

/**
 * `schema` as a tool's published input schema: listed as it is, but it lets every call's
 * arguments through unchanged (the SDK calls safeParseAsync, zod 3, to check them), so the tool
 * checks them itself and answers a failure as a tool error of its own making.
 */
export function passThrough<T extends z.ZodObject<Record<string, ZodTypeAny>>>(schema: T): T {
  Object.assign(schema, { safeParseAsync: (data: unknown) => Promise.resolve({ success: true, data }) });
  return schema;
}

function buildToolInput(schema: JsonSchema): ToolInput {
  const strict = zodObject(schema);
  const published = passThrough(zodObject(schema));
  return {
    published,
    check: (args) => {
      if (elementCount(args, mcpToolInputElementsMax) > mcpToolInputElementsMax) {
        throw new McpToolError('INVALID_REQUEST', `the arguments hold more than ${mcpToolInputElementsMax} array items and object members`);
      }
      const parsed = strict.safeParse(args ?? {});
      if (!parsed.success) throw new McpToolError('INVALID_REQUEST', parsed.error.issues.slice(0, 3).map(issueText).join('; '));
      return parsed.data;
    },
  };
}
