// bench:mcp's peer for POST /mcp: the pattern of the MCP SDK's own stateless Streamable HTTP
// example (a new McpServer and transport for every request), over the same StemeDB and tools,
// so the rows beside `stemedb serve` (one shared server) measure that difference alone.
// Usage: node dist/bench/mcp-peer.js --dir DIR; prints "listening at URL".
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Fastify from 'fastify';
import { StemeDB } from '../src/index.js';
import { createMcpServer } from '../src/mcp/index.js';

const at = process.argv.indexOf('--dir');
const dir = at === -1 ? undefined : process.argv[at + 1];
if (dir === undefined) throw new Error('usage: mcp-peer --dir DIR');

const db = await StemeDB.open(dir);
const app = Fastify({ logger: false });
app.post('/mcp', async (request, reply) => {
  const server = createMcpServer({ db, source: 'mcp', writes: 'always', log: (message) => process.stderr.write(`${message}\n`) });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  reply.raw.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  reply.hijack();
  await transport.handleRequest(request.raw, reply.raw, request.body);
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening at http://127.0.0.1:${(app.server.address() as AddressInfo).port}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => db.close()).then(() => process.exit(0));
});
