// What every tool call of one MCP server shares: the database, the default source (of
// assertions and retractions, and the voter of votes), whether writes are allowed (over HTTP
// with a token, only for a client that presented it), and where to log (never stdout: over
// stdio, stdout carries only protocol messages).
import type { StemeDB } from '../index.js';
import type { CallTracker } from './call-tracker.js';
import { McpToolError } from './tool-result.js';

export interface McpContext {
  db: StemeDB;
  /** The source of assertions and retractions and the voter of votes a tool call does not name. */
  source: string;
  /** false: every write tool answers UNAUTHORIZED (reads still work). */
  canWrite: boolean;
  log: (message: string) => void;
  /** When given, every tool call runs through it (the stdio server drains it before closing). */
  calls?: CallTracker;
}

/** The default source when `stemedb mcp` is given no --source. */
export const mcpSourceDefault = 'mcp';

export function requireWrite(context: McpContext): void {
  if (!context.canWrite) throw new McpToolError('UNAUTHORIZED', 'this tool writes, and writes on this server need "Authorization: Bearer <token>"');
}
