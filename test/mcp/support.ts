// What the MCP tests share: clients over the two transports (the SDK's own Client), and a call
// helper that returns a tool's structured result or its error code.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { StemeDB } from '../../src/index.js';
import { createServer, type ServerOptions } from '../../src/server/index.js';
import { binPath } from '../cli/fixtures/cli.js';

export type Structured = Record<string, unknown>;

/** Calls a tool that must succeed; returns its structuredContent. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Structured> {
  const result = await client.callTool({ name, arguments: args });
  assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result.content)}`);
  const content = result.content as Array<{ type: string; text?: string }>;
  assert.ok(content[0]?.type === 'text' && (content[0].text ?? '') !== '', `${name} has a text rendering`);
  return result.structuredContent as Structured;
}

/** Calls a tool that must fail; returns its error code (and checks the text names it). */
export async function callError(client: Client, name: string, args: unknown): Promise<string> {
  const result = await client.callTool({ name, arguments: args as Record<string, unknown> });
  assert.equal(result.isError, true, `${name} should fail: ${JSON.stringify(result.content)}`);
  const { code, message } = (result.structuredContent as { error: { code: string; message: string } }).error;
  const text = (result.content as Array<{ text: string }>)[0]?.text ?? '';
  assert.ok(text.startsWith(`${code}: ${message}`), text);
  return code;
}

/** `stemedb --data <data> mcp …args` spawned from the built bin, with a connected client. */
export async function stdioClient(t: TestContext, data: string, args: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [binPath, '--data', data, 'mcp', ...args], stderr: 'pipe' });
  const client = new Client({ name: 'stemedb-test', version: '1' });
  await client.connect(transport);
  t.after(() => client.close());
  return client;
}

/** The HTTP server (createServer, as serve builds it) listening on a free port over `db`. */
export async function httpServer(t: TestContext, db: StemeDB, options: Partial<ServerOptions> = {}): Promise<URL> {
  const app = await createServer(db, { logger: false, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  return new URL(`http://127.0.0.1:${port}/mcp`);
}

export async function httpClient(t: TestContext, url: URL, token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, token === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const client = new Client({ name: 'stemedb-test', version: '1' });
  await client.connect(transport);
  t.after(() => client.close());
  return client;
}
