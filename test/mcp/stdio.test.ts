// The stdio server's life: stdout carries protocol messages only, it exits cleanly when stdin
// closes with every acknowledged write durable, and a second opener of the same data directory
// fails at startup with LOCKED.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { StemeDB } from '../../src/index.js';
import { spawnStemedb, stemedbAsync } from '../cli/fixtures/cli.js';
import { tempDir } from '../support/temp-dir.js';

const writesCount = 40;

test('stdout holds only JSON-RPC messages; on stdin closing the server exits 0 and every acknowledged write is durable', async (t) => {
  const data = tempDir(t);
  const child = spawnStemedb(data, ['mcp', '--source', 'raw']);
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  const send = (message: object): void => void child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  send({ id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  send({ method: 'notifications/initialized' });
  for (let i = 1; i <= writesCount; i++) send({ id: i, method: 'tools/call', params: { name: 'assert', arguments: { subject: 'counter', predicate: 'value', object: i } } });
  send({ id: 'bad', method: 'tools/call', params: { name: 'vote', arguments: { assertion: 'f'.repeat(64), stance: 'support' } } });
  // Closing stdin right after the requests: the calls in flight still finish and are answered.
  child.stdin.end();
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, stderr);
  assert.match(stderr, /stdin closed: closing the database/);

  const messages = stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { jsonrpc: string; id: unknown; result?: { isError?: boolean; structuredContent?: { hash?: string; error?: { code: string } } } });
  assert.ok(messages.every((m) => m.jsonrpc === '2.0'), 'every stdout line is a JSON-RPC message');
  const acknowledged = messages.filter((m) => typeof m.id === 'number' && m.id > 0 && m.result?.isError !== true).map((m) => m.result?.structuredContent?.hash);
  assert.equal(messages.find((m) => m.id === 'bad')?.result?.structuredContent?.error?.code, 'UNKNOWN_ASSERTION');

  const db = await StemeDB.open(data);
  try {
    for (const hash of acknowledged) assert.equal(db.get(hash ?? '')?.type, 'assertion');
    assert.equal(acknowledged.length, writesCount);
    assert.equal(db.find({ predicate: 'value', source: 'raw' }).items.length, writesCount);
  } finally {
    await db.close();
  }
});

test('a second host on the same data directory fails at startup with LOCKED (exit 3), writing nothing to stdout', async (t) => {
  const data = tempDir(t);
  const db = await StemeDB.open(data);
  try {
    const result = await stemedbAsync(data, ['mcp']);
    assert.equal(result.status, 3);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /LOCKED/);
  } finally {
    await db.close();
  }
});

test('`stemedb serve` serves MCP at /mcp: a tool call through the spawned server writes to its store', async (t) => {
  const data = tempDir(t);
  const child = spawnStemedb(data, ['serve', '--port', '0', '--log-level', 'warn', '--mcp-source', 'via-serve']);
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /at (http:\/\/127\.0\.0\.1:\d+) /.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new Client({ name: 't', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url)));
  const result = await client.callTool({ name: 'assert', arguments: { subject: 's', predicate: 'p', object: true } });
  const hash = (result.structuredContent as { hash: string }).hash;
  await client.close();
  const rest = (await (await fetch(`${url}/v1/assertions/${hash}`)).json()) as { record: { source: string } };
  assert.equal(rest.record.source, 'via-serve');
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});
