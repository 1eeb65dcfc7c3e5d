// What every tool call of one MCP server shares: the database, the default source (of
// assertions and retractions, and the voter of votes), who may write, and where to log (never
// stdout: over stdio, stdout carries only protocol messages). One server serves every HTTP
// request, so whether a call may write is decided per call, from the request it came in.
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { StemeDB } from '../index.js';
import type { CallTracker } from './call-tracker.js';
import { McpToolError } from './tool-result.js';

export interface McpContext {
  db: StemeDB;
  /** The source of assertions and retractions and the voter of votes a tool call does not name. */
  source: string;
  /**
   * 'always': every call may write (stdio: the host launched us). 'scoped': only a call whose
   * request carries mcpWriteScope in its auth (over HTTP: set for a client with the token, or
   * for everyone on a server without one); the others get UNAUTHORIZED from the write tools.
   */
  writes: 'always' | 'scoped';
  log: (message: string) => void;
  /** When given, every tool call runs through it (the stdio server drains it before closing). */
  calls?: CallTracker;
}

/** The scope an HTTP request's auth carries when it may call the write tools. */
export const mcpWriteScope = 'stemedb:write';

/** The default source when `stemedb mcp` is given no --source. */
export const mcpSourceDefault = 'mcp';

/** What the SDK passes a tool call besides its arguments (the part of it this server reads). */
export interface CallExtra {
  authInfo?: AuthInfo | undefined;
}

export function requireWrite(context: McpContext, extra: CallExtra): void {
  if (context.writes === 'always' || extra.authInfo?.scopes.includes(mcpWriteScope) === true) return;
  throw new McpToolError('UNAUTHORIZED', 'this tool writes, and writes on this server need "Authorization: Bearer <token>"');
}
