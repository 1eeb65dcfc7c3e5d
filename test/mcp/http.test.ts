// POST /mcp as a hostile or careless client meets it: one shared server answers every request
// with the client's own ids, a token guards every tool (reads only with --mcp-public-reads),
// batches and bodies are capped, huge argument arrays are a tool error (never INTERNAL), and
// the SDK's DNS-rebinding protection refuses other Host and Origin headers when lists are given.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import Fastify from 'fastify';
import { StemeDB } from '../../src/index.js';
import { mcpBatchMessagesMax, mcpBodyBytesMax } from '../../src/limits.js';
import { mcpRoutes, type McpRouteOptions } from '../../src/server/routes/mcp.js';
import { sendError } from '../../src/server/send-error.js';
import { tempDir } from '../support/temp-dir.js';
import { call, callError, httpClient, httpServer } from './support.js';

const headers = { accept: 'application/json, text/event-stream', 'content-type': 'application/json', 'mcp-protocol-version': '2025-06-18' };

interface RpcAnswer {
  status: number;
  body: unknown;
}

/** A POST with any headers (fetch would not send a Host header of our choosing). */
async function rpc(url: URL, body: unknown, extra: Record<string, string> = {}): Promise<RpcAnswer> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(payload), ...extra } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const toolCall = (id: number | string, name: string, args: Record<string, unknown>): object => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

interface ToolAnswer {
  id: number | string;
  result: { isError?: boolean; structuredContent?: Record<string, unknown> & { error?: { code: string } } };
}

async function open(t: TestContext): Promise<StemeDB> {
  const db = await StemeDB.open(tempDir(t));
  t.after(() => db.close());
  return db;
}

test('one server answers every request: two clients sending the same ids at once each get their own answers', async (t) => {
  const db = await open(t);
  const url = await httpServer(t, db);
  await db.assert({ subject: 'a', predicate: 'p', object: 'from-a', source: 's' });
  await db.assert({ subject: 'b', predicate: 'p', object: 'from-b', source: 's' });
  const rounds = 20;
  const answers = await Promise.all(Array.from({ length: rounds * 2 }, (_, i) => rpc(url, toolCall(1, 'beliefs', { subject: i % 2 === 0 ? 'a' : 'b' }))));
  for (const [i, answer] of answers.entries()) {
    assert.equal(answer.status, 200);
    const { id, result } = answer.body as ToolAnswer;
    assert.equal(id, 1, 'the client\'s own id comes back');
    const predicates = result.structuredContent?.predicates as Array<{ best: { object: string } }>;
    assert.equal(predicates[0]?.best.object, i % 2 === 0 ? 'from-a' : 'from-b', 'each request got its own answer');
  }
});

test('with a token, every request to /mcp needs it: no token or a wrong one is 401 before anything runs, reads included', async (t) => {
  const db = await open(t);
  const url = await httpServer(t, db, { token: 's3cret' });
  const anonymous = await rpc(url, toolCall(1, 'list_epochs', {}));
  assert.equal(anonymous.status, 401);
  assert.deepEqual((anonymous.body as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  const wrong = await rpc(url, toolCall(1, 'read_graph', {}), { authorization: 'Bearer nope' });
  assert.equal(wrong.status, 401);
  await assert.rejects(httpClient(t, url), 'the SDK client cannot even initialize');
  const holder = await httpClient(t, url, 's3cret');
  const { hash } = await call(holder, 'assert', { subject: 'x', predicate: 'p', object: 1 });
  assert.equal((await call(holder, 'get', { hash: hash as string })).record !== undefined, true);
  assert.equal(db.stats().records.assertions, 1);
});

test('with --mcp-public-reads, clients without the token use the read tools; every write tool answers UNAUTHORIZED and writes nothing', async (t) => {
  const db = await open(t);
  const url = await httpServer(t, db, { token: 's3cret', mcpPublicReads: true });
  const anonymous = await httpClient(t, url);
  const wrong = await httpClient(t, url, 'nope');
  const holder = await httpClient(t, url, 's3cret');
  const writes: Array<[string, Record<string, unknown>]> = [
    ['assert', { subject: 'x', predicate: 'p', object: 1 }],
    ['vote', { assertion: '0'.repeat(64), stance: 'support' }],
    ['retract', { assertion: '0'.repeat(64) }],
    ['define_epoch', { id: 1, name: 'e' }],
    ['create_entities', { entities: [{ name: 'A', entityType: 't', observations: [] }] }],
    ['create_relations', { relations: [{ from: 'A', to: 'B', relationType: 'r' }] }],
    ['add_observations', { observations: [{ entityName: 'A', contents: ['o'] }] }],
    ['delete_entities', { entityNames: ['A'] }],
    ['delete_observations', { deletions: [{ entityName: 'A', observations: ['o'] }] }],
    ['delete_relations', { relations: [{ from: 'A', to: 'B', relationType: 'r' }] }],
  ];
  for (const [name, args] of writes) {
    assert.equal(await callError(anonymous, name, args), 'UNAUTHORIZED', name);
    assert.equal(await callError(wrong, name, args), 'UNAUTHORIZED', name);
  }
  assert.equal(db.stats().records.assertions + db.stats().records.epochs, 0);
  const { hash } = await call(holder, 'assert', { subject: 'x', predicate: 'p', object: 1 });
  assert.equal((await call(anonymous, 'get', { hash: hash as string })).record !== undefined, true);
  await call(anonymous, 'read_graph', {});
  await call(anonymous, 'search_nodes', { query: 'x' });
  // The REST routes keep their own rule: a POST without the token is 401.
  const rest = await fetch(new URL('/v1/assertions', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'x', predicate: 'p', object: 1, source: 's' }) });
  assert.equal(rest.status, 401);
});

test('public reads without a token is refused at startup: there would be nothing to open', async (t) => {
  const db = await open(t);
  await assert.rejects(httpServer(t, db, { mcpPublicReads: true }), { code: 'INVALID_ARGUMENT' });
});

test(`a JSON-RPC batch of more than ${mcpBatchMessagesMax} messages is refused (400, JSON-RPC error); a smaller one is answered in full`, async (t) => {
  const db = await open(t);
  const url = await httpServer(t, db);
  const big = await rpc(url, Array.from({ length: mcpBatchMessagesMax + 1 }, (_, i) => toolCall(i, 'list_epochs', {})));
  assert.equal(big.status, 400);
  assert.equal((big.body as { error: { code: number } }).error.code, -32600);
  const small = await rpc(url, Array.from({ length: mcpBatchMessagesMax }, (_, i) => toolCall(i, 'list_epochs', {})));
  assert.equal(small.status, 200);
  assert.deepEqual((small.body as ToolAnswer[]).map((a) => a.id).sort((a, b) => Number(a) - Number(b)), Array.from({ length: mcpBatchMessagesMax }, (_, i) => i));
});

test(`a body over ${mcpBodyBytesMax} bytes is 413 BODY_TOO_LARGE, and the server's lower limit wins`, async (t) => {
  const db = await open(t);
  const url = await httpServer(t, db);
  const padding = 'x'.repeat(mcpBodyBytesMax);
  const big = await rpc(url, toolCall(1, 'find', { predicate: 'p', object: padding }));
  assert.equal(big.status, 413);
  assert.equal((big.body as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
  const lower = await httpServer(t, db, { bodyLimitBytes: 1024 });
  assert.equal((await rpc(lower, toolCall(1, 'find', { predicate: 'p', object: 'y'.repeat(2048) }))).status, 413);
  assert.equal((await rpc(lower, toolCall(1, 'find', { predicate: 'p', object: 'y' }))).status, 200);
});

test('a tool argument of 300,000 array items is an INVALID_REQUEST tool error (no RangeError, nothing logged as INTERNAL)', async (t) => {
  const db = await open(t);
  const logged: string[] = [];
  const url = await httpServer(t, db, { logger: { level: 'error', stream: { write: (line: string) => void logged.push(line) } } });
  const items = Array.from({ length: 300_000 }, () => 1);
  for (const [name, args] of [['find', { predicate: 'p', object: items }], ['open_nodes', { names: items }], ['create_entities', { entities: items }]] as const) {
    const answer = await rpc(url, toolCall(1, name, args));
    assert.equal(answer.status, 200, name);
    const { result } = answer.body as ToolAnswer;
    assert.equal(result.isError, true, name);
    assert.equal(result.structuredContent?.error?.code, 'INVALID_REQUEST', name);
  }
  assert.deepEqual(logged, []);
});

/** A bare fastify app with only the MCP routes (as createServer mounts them), listening on a free port. */
async function mcpOnly(t: TestContext, db: StemeDB, options: Omit<McpRouteOptions, 'db' | 'token' | 'source'>): Promise<URL> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  await mcpRoutes(app, { db, token: undefined, source: 'mcp', ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return new URL(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/mcp`);
}

test('with allowed hosts and origins, the SDK\'s DNS-rebinding protection answers 403 to any other Host or Origin', async (t) => {
  const db = await open(t);
  const open_ = await mcpOnly(t, db, {});
  assert.equal((await rpc(open_, toolCall(1, 'list_epochs', {}), { host: 'attacker.example' })).status, 200, 'no lists: no protection');
  // Entries are compared with the whole Host header, port included.
  const url = await mcpOnly(t, db, { allowedHosts: ['stemedb.local:7420'], allowedOrigins: ['http://app.example'] });
  assert.equal((await rpc(url, toolCall(1, 'list_epochs', {}), { host: 'stemedb.local:7420' })).status, 200);
  for (const host of ['attacker.example', 'stemedb.local', 'stemedb.local:80', `127.0.0.1:${url.port}`]) {
    const rebound = await rpc(url, toolCall(1, 'list_epochs', {}), { host });
    assert.equal(rebound.status, 403, host);
    assert.match(JSON.stringify(rebound.body), /Invalid Host header/);
  }
  // Origins: a listed one, or none, passes; any other is 403.
  assert.equal((await rpc(url, toolCall(1, 'list_epochs', {}), { host: 'stemedb.local:7420', origin: 'http://app.example' })).status, 200);
  const foreign = await rpc(url, toolCall(1, 'list_epochs', {}), { host: 'stemedb.local:7420', origin: 'http://attacker.example' });
  assert.equal(foreign.status, 403);
  assert.match(JSON.stringify(foreign.body), /Invalid Origin header/);
  // Origins alone turn the protection on for origins only.
  const origins = await mcpOnly(t, db, { allowedOrigins: ['http://app.example'] });
  assert.equal((await rpc(origins, toolCall(1, 'list_epochs', {}), { host: 'anything.example' })).status, 200);
  assert.equal((await rpc(origins, toolCall(1, 'list_epochs', {}), { origin: 'http://attacker.example' })).status, 403);
  // The SDK client, which sends the real Host, is refused by a list that does not name it.
  await assert.rejects(httpClient(t, url));
});
