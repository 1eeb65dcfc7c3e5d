// How a tool call answers: a structured result with a short text rendering, or a tool error
// (isError: true) carrying StemeDB's error code and message. Every ErrorCode has its hint for
// the model in a Record, so a new code does not compile until it is mapped. A failed call is
// always a result, never a protocol error: the server keeps serving.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { remoteMessage, StemeError, type ErrorCode } from '../index.js';

/** StemeDB's codes plus the surface's own: input that fails the tool's schema, a write without the token, a bug. */
export type McpToolErrorCode = ErrorCode | 'INVALID_REQUEST' | 'UNAUTHORIZED' | 'INTERNAL';

/** What a model should do about each error: a sentence appended to the message. */
export const toolErrorHintByCode: Record<McpToolErrorCode, string> = {
  INVALID_REQUEST: 'The arguments do not match the tool\'s input schema; fix them and call again.',
  INVALID_ARGUMENT: 'An argument is outside its domain; fix it and call again.',
  INVALID_RECORD: 'The record is not valid (the message names the field); fix it and call again.',
  RECORD_SIZE: 'The record is too large; store less in one assertion.',
  INVALID_QUERY: 'This query is not answered as asked (find needs a predicate or a source; object needs a predicate; asOf must be an LSN up to atLsn).',
  INVALID_CURSOR: 'Pass back the cursor of the previous page of the same query with the same arguments, or start again without one.',
  NOT_FOUND: 'Nothing has that hash or id; find or history give the hashes that exist.',
  UNKNOWN_ASSERTION: 'No assertion has that hash; use a hash returned by assert, find, history or beliefs.',
  UNKNOWN_EPOCH: 'No epoch has that id; list_epochs gives the ones defined.',
  NOT_AUTHOR: 'Only the source that made an assertion may retract or supersede it; vote oppose or assert another value instead.',
  EPOCH_CONFLICT: 'That epoch id is already defined differently; choose another id (list_epochs shows the ids in use).',
  UNAUTHORIZED: 'Writes on this server need its bearer token; reads work without it.',
  LOCKED: 'Another process holds the database; try again later.',
  CLOSED: 'The database is closing; try again later.',
  STORAGE: 'The store failed; try again later.',
  WAL_FAILED: 'The log refuses writes until the server restarts; try again later.',
  WAL_CORRUPT: 'The log is damaged; tell the operator.',
  CURSOR_EXPIRED: 'The change feed has no records that far back any more; start again from the oldest LSN the message names.',
  BACKUP_TARGET_EXISTS: 'Backups are not taken through MCP; this code does not arise here.',
  NOT_OWNER: 'This node does not serve that subject\'s partition; ask a node the message names.',
  PARTITION_MISMATCH: 'The server is misconfigured (partition count); tell the operator.',
  CLUSTER_UNAVAILABLE: 'The cluster did not acknowledge in time; try again later.',
  INTERNAL: 'A bug in StemeDB; tell the operator.',
};

/** An error a surface raises itself (not StemeDB's): bad arguments, no token. */
export class McpToolError extends Error {
  readonly code: McpToolErrorCode;

  constructor(code: McpToolErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'McpToolError';
  }
}

export function toolError(code: McpToolErrorCode, message: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${message}. ${toolErrorHintByCode[code]}` }],
    structuredContent: { error: { code, message } },
  };
}

/**
 * Any thrown value as a tool error: StemeDB's code when it has one (its message as a remote
 * client may see it: no absolute path), INTERNAL for anything else (a bug).
 */
export function toolErrorFrom(error: unknown, log: (message: string) => void): CallToolResult {
  if (error instanceof StemeError) return toolError(error.code, remoteMessage(error));
  if (error instanceof McpToolError) return toolError(error.code, error.message);
  log(`stemedb mcp: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return toolError('INTERNAL', 'the tool failed; the server log has the details');
}

export function toolResult(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}
