// POST /mcp: the MCP server (src/mcp) over Streamable HTTP, stateless, answers as JSON. One
// McpServer serves every request: each request gets only the SDK's transport (the HTTP side:
// headers, protocol version, the SDK's DNS-rebinding check when hosts or origins are given),
// attached to the shared server through SharedServerTransport. With a token set, every request
// needs it (401 before the body is read), unless public reads are on: then anyone may
// initialize, list and call the read tools, and the write tools answer UNAUTHORIZED without it.
// Bodies are capped at mcpBodyBytesMax and JSON-RPC batches at mcpBatchMessagesMax messages.
import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StemeDB } from '../../index.js';
import { mcpBatchMessagesMax, mcpBodyBytesMax } from '../../limits.js';
import { createMcpServer, mcpWriteScope, SharedServerTransport } from '../../mcp/index.js';
import { bearerToken, tokenMatches } from '../auth.js';
import { HttpError } from '../http-error.js';

export const mcpPath = '/mcp';

export interface McpRouteOptions {
  db: StemeDB;
  token: string | undefined;
  /** The source of assertions and the voter of votes a tool call does not name. */
  source: string;
  /**
   * With a token: let clients without it initialize, list tools and call the read tools (the
   * write tools still need it). Default false: every request to /mcp needs the token.
   */
  publicReads?: boolean;
  /**
   * Host header values accepted (as the header carries them, port included: `127.0.0.1:7420`).
   * When given, or with allowedOrigins, the SDK's DNS-rebinding protection is on: another Host
   * is answered 403 before any message is handled.
   */
  allowedHosts?: string[];
  /** Origin header values accepted (a request without Origin passes); turns the protection on too. */
  allowedOrigins?: string[];
  /** The server's body limit, when lower than mcpBodyBytesMax. */
  bodyLimitBytes?: number;
}

/** An answer in JSON-RPC's error shape, as the SDK's transport gives its own refusals. */
function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string): void {
  void reply.code(status).type('application/json').send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

export async function mcpRoutes(app: FastifyInstance, options: McpRouteOptions): Promise<void> {
  const { db, token } = options;
  const publicReads = options.publicReads ?? false;
  const hub = new SharedServerTransport();
  const server = createMcpServer({ db, source: options.source, writes: 'scoped', log: (message) => app.log.error(message) });
  await server.connect(hub);
  app.addHook('onClose', async () => server.close());
  const protection = options.allowedHosts !== undefined || options.allowedOrigins !== undefined;

  /** The token check, before the body is read. Sets whether this request may write. */
  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const given = bearerToken(request.headers.authorization);
    const holder = token === undefined || (given !== undefined && tokenMatches(given, token));
    if (!holder && !publicReads) {
      // RFC 6750: a 401 names the scheme the client should use.
      void reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'UNAUTHORIZED', given === undefined ? 'MCP on this server needs an "Authorization: Bearer <token>" header' : 'the bearer token is wrong');
    }
    // The SDK hands `auth` to every tool call of this request (extra.authInfo); the token itself is not kept.
    const auth: AuthInfo = { token: '', clientId: 'stemedb-http', scopes: holder ? [mcpWriteScope] : [] };
    (request.raw as IncomingMessage & { auth?: AuthInfo }).auth = auth;
  };

  app.post(mcpPath, {
    schema: { hide: true },
    bodyLimit: Math.min(mcpBodyBytesMax, options.bodyLimitBytes ?? mcpBodyBytesMax),
    onRequest: authorize,
  }, async (request, reply) => {
    if (Array.isArray(request.body) && request.body.length > mcpBatchMessagesMax) {
      jsonRpcError(reply, 400, -32600, `Invalid Request: a JSON-RPC batch holds at most ${mcpBatchMessagesMax} messages on this server`);
      return;
    }
    const front = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      enableDnsRebindingProtection: protection,
      ...(options.allowedHosts !== undefined && { allowedHosts: options.allowedHosts }),
      ...(options.allowedOrigins !== undefined && { allowedOrigins: options.allowedOrigins }),
    });
    await hub.attach(front);
    reply.raw.on('close', () => void front.close());
    // The transport writes the response itself.
    reply.hijack();
    await front.handleRequest(request.raw, reply.raw, request.body);
  });
  // Stateless: no server-initiated stream to GET, no session to DELETE.
  const notAllowed = async (): Promise<never> => {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'MCP over this server is stateless: POST JSON-RPC messages to /mcp');
  };
  app.get(mcpPath, { schema: { hide: true } }, notAllowed);
  app.delete(mcpPath, { schema: { hide: true } }, notAllowed);
}
