// POST /mcp: the MCP server (src/mcp) over Streamable HTTP, stateless: each request gets its own
// McpServer and transport (the SDK's stateless pattern), so any number of agents can share one
// store through one `serve`. Reads need no token; with a token set, the write tools answer
// UNAUTHORIZED unless the request carries it (the route is exempt from the global write check,
// which would refuse every POST, reads included). Answers are JSON, not SSE streams.
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { createMcpServer } from '../../mcp/index.js';
import { bearerToken, tokenMatches } from '../auth.js';
import { HttpError } from '../http-error.js';

export const mcpPath = '/mcp';

export interface McpRouteOptions {
  db: StemeDB;
  token: string | undefined;
  /** The source of assertions and the voter of votes a tool call does not name. */
  source: string;
}

export function mcpRoutes(app: FastifyInstance, { db, token, source }: McpRouteOptions): void {
  app.post(mcpPath, { schema: { hide: true } }, async (request, reply) => {
    const given = bearerToken(request.headers.authorization);
    const canWrite = token === undefined || (given !== undefined && tokenMatches(given, token));
    const log = (message: string): void => request.log.error(message);
    const server = createMcpServer({ db, source, canWrite, log });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // The transport writes the response itself.
    reply.hijack();
    await transport.handleRequest(request.raw, reply.raw, request.body);
  });
  // Stateless: no server-initiated stream to GET, no session to DELETE.
  const notAllowed = async (): Promise<never> => {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'MCP over this server is stateless: POST JSON-RPC messages to /mcp');
  };
  app.get(mcpPath, { schema: { hide: true } }, notAllowed);
  app.delete(mcpPath, { schema: { hide: true } }, notAllowed);
}
