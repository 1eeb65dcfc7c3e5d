// MCP tool calls a second and their latency, for assert (a durable write) and beliefs (a read),
// over stdio (the built `stemedb mcp`, spawned as a host would) and over Streamable HTTP (a
// spawned `stemedb serve`'s /mcp), with the SDK's own Client. One client calls in a closed loop;
// the HTTP rows also run 8 clients at once. What is measured is the whole round trip: JSON-RPC,
// the transport, argument checks, the database call and the answer.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { benchDir, formatTable, percentile, type Row } from './support.js';

const bin = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const callsPerCase = 1000;
const httpClients = 8;

type Args = (i: number) => Record<string, unknown>;
const assertArgs: Args = (i) => ({ subject: `bench:${i % 50}`, predicate: 'value', object: i });
const beliefsArgs: Args = (i) => ({ subject: `bench:${i % 50}` });

async function loop(client: Client, tool: string, args: Args, calls: number, offset = 0): Promise<number[]> {
  const latenciesUs: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    const result = await client.callTool({ name: tool, arguments: args(offset + i) });
    latenciesUs.push(Number(process.hrtime.bigint() - start) / 1000);
    if (result.isError === true) throw new Error(`${tool} failed: ${JSON.stringify(result.content)}`);
  }
  return latenciesUs;
}

async function measure(name: string, clients: Client[], tool: string, args: Args): Promise<Row> {
  const per = Math.floor(callsPerCase / clients.length);
  const start = performance.now();
  const latencies = (await Promise.all(clients.map((c, k) => loop(c, tool, args, per, k * per)))).flat();
  const seconds = (performance.now() - start) / 1000;
  return { name, opsPerSec: latencies.length / seconds, p50Us: percentile(latencies, 50), p99Us: percentile(latencies, 99) };
}

async function connect(transport: StdioClientTransport | StreamableHTTPClientTransport): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return client;
}

async function stdioRows(): Promise<Row[]> {
  const client = await connect(new StdioClientTransport({ command: process.execPath, args: [bin, '--data', benchDir('mcp-stdio'), 'mcp'], stderr: 'ignore' }));
  await loop(client, 'beliefs', beliefsArgs, 50); // warm up
  const rows = [await measure('stdio: assert, 1 client', [client], 'assert', assertArgs), await measure('stdio: beliefs, 1 client', [client], 'beliefs', beliefsArgs)];
  await client.close();
  return rows;
}

async function startServe(): Promise<{ url: URL; stop: () => void }> {
  const child = spawn(process.execPath, [bin, '--data', benchDir('mcp-http'), 'serve', '--port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /at (http:\/\/127\.0\.0\.1:\d+) /.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url: new URL('/mcp', base), stop: () => void child.kill('SIGTERM') };
}

async function httpRows(): Promise<Row[]> {
  const serve = await startServe();
  const clients = await Promise.all(Array.from({ length: httpClients }, () => connect(new StreamableHTTPClientTransport(serve.url))));
  const one = clients.slice(0, 1);
  await loop(one[0]!, 'beliefs', beliefsArgs, 50);
  const rows = [
    await measure('HTTP: assert, 1 client', one, 'assert', assertArgs),
    await measure('HTTP: beliefs, 1 client', one, 'beliefs', beliefsArgs),
    await measure(`HTTP: assert, ${httpClients} clients`, clients, 'assert', assertArgs),
    await measure(`HTTP: beliefs, ${httpClients} clients`, clients, 'beliefs', beliefsArgs),
  ];
  await Promise.all(clients.map((c) => c.close()));
  serve.stop();
  return rows;
}

const rows = [...(await stdioRows()), ...(await httpRows())];
console.log(`MCP tool calls (${callsPerCase} a case; beliefs over 50 subjects of ~20 assertions each)\n`);
console.log(formatTable(rows));
