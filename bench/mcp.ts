// bench:mcp — MCP tool calls through the SDK's own Client, whole round trips (JSON-RPC, the
// transport, argument checks, the database call, the answer), in two parts:
//  calls: assert (a durable write) and beliefs (a read) over stdio (a spawned `stemedb mcp`) and
//    over Streamable HTTP (a spawned `stemedb serve`, one McpServer for every request), beside a
//    peer that builds a server per request as the SDK's stateless example does (bench/mcp-peer.ts).
//  memory: the memory-graph tools at 20k entities x 10 observations (and 2 relations each)
//    against the reference memory server (@modelcontextprotocol/server-memory, the pinned dev
//    dependency) on the same graph, both over stdio through the same client code, in turns.
//    The answers are compared before timing. Targets: >= 1x the reference on every row, and
//    >= 10x on search_nodes.
// Usage: node dist/bench/mcp.js [--cases=calls,memory] [--entities=N] [--seconds=S]
import { spawn, type ChildProcess } from 'node:child_process';
import { deepStrictEqual } from 'node:assert';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StemeDB } from '../src/index.js';
import { benchDir, formatTable, percentile, type Row } from './support.js';

const option = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = option('cases')?.split(',');
const bin = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const peerScript = fileURLToPath(new URL('./mcp-peer.js', import.meta.url));
const callsPerCase = 1000;
const httpClients = 8;
/** The SDK client's default is 60 s; the reference's whole-graph answers take seconds each on a busy machine. */
const callTimeoutMs = 600_000;

type Args = (i: number) => Record<string, unknown>;

async function loop(client: Client, tool: string, args: Args, calls: number, offset = 0): Promise<number[]> {
  const latenciesUs: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    const result = await client.callTool({ name: tool, arguments: args(offset + i) }, undefined, { timeout: callTimeoutMs });
    latenciesUs.push(Number(process.hrtime.bigint() - start) / 1000);
    if (result.isError === true) throw new Error(`${tool} failed: ${JSON.stringify(result.content)}`);
  }
  return latenciesUs;
}

async function measure(name: string, clients: Client[], tool: string, args: Args, calls = callsPerCase): Promise<Row> {
  const per = Math.floor(calls / clients.length);
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

function startServer(args: string[], pattern: RegExp): Promise<{ url: URL; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = pattern.exec(out);
      if (match?.[1] !== undefined) resolve({ url: new URL('/mcp', match[1]), child });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${String(code)}`)));
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(child.pid!, 'SIGTERM');
  });
}

// --- calls ---

const assertArgs: Args = (i) => ({ subject: `bench:${i % 50}`, predicate: 'value', object: i });
const beliefsArgs: Args = (i) => ({ subject: `bench:${i % 50}` });

async function callRows(): Promise<Row[]> {
  const stdio = await connect(new StdioClientTransport({ command: process.execPath, args: [bin, '--data', benchDir('mcp-stdio'), 'mcp'], stderr: 'ignore' }));
  await loop(stdio, 'beliefs', beliefsArgs, 50); // warm up
  const rows = [await measure('stdio: assert, 1 client', [stdio], 'assert', assertArgs), await measure('stdio: beliefs, 1 client', [stdio], 'beliefs', beliefsArgs)];
  await stdio.close();

  const serve = await startServer([bin, '--data', benchDir('mcp-http'), 'serve', '--port', '0', '--log-level', 'silent'], /at (http:\/\/127\.0\.0\.1:\d+) /);
  const peer = await startServer([peerScript, '--dir', benchDir('mcp-peer')], /listening at (http:\/\/127\.0\.0\.1:\d+)/);
  try {
    const servers = [{ label: 'one shared server (serve)', url: serve.url }, { label: 'a server per request (peer)', url: peer.url }];
    const clients = await Promise.all(servers.map(async (s) => Promise.all(Array.from({ length: httpClients }, () => connect(new StreamableHTTPClientTransport(s.url))))));
    for (const set of clients) {
      await loop(set[0]!, 'assert', assertArgs, 50); // warm up, and subjects for beliefs to read
      await loop(set[0]!, 'beliefs', beliefsArgs, 50);
    }
    const cases: Array<[string, number, string, Args]> = [
      ['assert, 1 client', 1, 'assert', assertArgs],
      ['beliefs, 1 client', 1, 'beliefs', beliefsArgs],
      [`assert, ${httpClients} clients`, httpClients, 'assert', assertArgs],
      [`beliefs, ${httpClients} clients`, httpClients, 'beliefs', beliefsArgs],
    ];
    for (const [name, count, tool, args] of cases) {
      // Each case on both servers in turn, so a slow spell of the machine hits both.
      const measured = [];
      for (const [k, s] of servers.entries()) measured.push(await measure(`HTTP: ${name}, ${s.label}`, clients[k]!.slice(0, count), tool, args));
      measured[0]!.note = `${(measured[0]!.opsPerSec / measured[1]!.opsPerSec).toFixed(2)}x the peer`;
      rows.push(...measured);
    }
    await Promise.all(clients.flat().map((c) => c.close()));
  } finally {
    await Promise.all([stopServer(serve.child), stopServer(peer.child)]);
  }
  return rows;
}

// --- memory graph against the reference server ---

const entitiesCount = Number(option('entities') ?? 20_000);
const observationsPer = 10;
const seconds = Number(option('seconds') ?? 2);
const words = ['amber', 'basalt', 'cedar', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper', 'kelp', 'lagoon', 'marble', 'nectar', 'onyx', 'pebble', 'quartz', 'raven', 'saffron', 'tundra', 'umber', 'violet', 'willow', 'xenon', 'yarrow', 'zephyr'];
const word = (n: number): string => words[n % words.length]!;
const nameOf = (i: number): string => `person-${String(i).padStart(5, '0')}`;

interface Entity {
  name: string;
  entityType: string;
  observations: string[];
}

function entity(i: number): Entity {
  return {
    name: nameOf(i),
    entityType: ['person', 'organization', 'project', 'place'][i % 4]!,
    observations: Array.from({ length: observationsPer }, (_, j) => `observation ${j} of ${nameOf(i)}: ${word(i * 31 + j * 7)} ${word(i * 17 + j * 13)} near ${word(i * 7 + j * 3)}`),
  };
}

function relationsOf(i: number): Array<{ from: string; to: string; relationType: string }> {
  return [
    { from: nameOf(i), to: nameOf((i * 7919 + 1) % entitiesCount), relationType: 'knows' },
    { from: nameOf(i), to: nameOf((i * 104_729 + 3) % entitiesCount), relationType: 'works_with' },
  ];
}

/** The reference server's file, as its saveGraph writes it: entity lines, then relation lines. */
function writeReferenceFile(file: string): void {
  const lines: string[] = [];
  for (let i = 0; i < entitiesCount; i++) lines.push(JSON.stringify({ type: 'entity', ...entity(i) }));
  for (let i = 0; i < entitiesCount; i++) for (const r of relationsOf(i)) lines.push(JSON.stringify({ type: 'relation', ...r }));
  fs.writeFileSync(file, lines.join('\n'));
}

/** The same graph in a StemeDB data directory, through db.memory (what the tools call), as `stemedb mcp`'s default source. */
async function loadStemeDB(dir: string): Promise<number> {
  const started = performance.now();
  const db = await StemeDB.open(dir);
  try {
    for (let i = 0; i < entitiesCount; i += 300) await db.memory.createEntities(Array.from({ length: Math.min(300, entitiesCount - i) }, (_, k) => entity(i + k)), 'mcp');
    for (let i = 0; i < entitiesCount; i += 500) await db.memory.createRelations(Array.from({ length: Math.min(500, entitiesCount - i) }, (_, k) => relationsOf(i + k)).flat(), 'mcp');
    await db.sync();
  } finally {
    await db.close();
  }
  return (performance.now() - started) / 1000;
}

/** Calls in a closed loop for about `seconds` (at least 3 calls). */
async function timed(client: Client, tool: string, args: Args, offset: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; latencies.length < 3 || performance.now() < end; i++) latencies.push(...(await loop(client, tool, args, 1, offset + i)));
  return latencies;
}

interface MemoryRow {
  name: string;
  ours: number[];
  reference: number[];
  target: number;
}

async function memoryRows(): Promise<{ rows: MemoryRow[]; loadSeconds: number; defaultBuffer: string }> {
  const file = path.join(benchDir('mcp-reference'), 'memory.jsonl');
  writeReferenceFile(file);
  const data = benchDir('mcp-memory');
  const loadSeconds = await loadStemeDB(data);
  const referenceBin = path.join(path.dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-memory/package.json')), 'dist', 'index.js');
  // The reference answers read_graph with the whole graph, ~30 MB here: over the SDK client's
  // default 10 MiB stdio read buffer, which closes the connection. Measured once, then both
  // clients get a buffer that holds it.
  const plain = await connect(new StdioClientTransport({ command: process.execPath, args: [referenceBin], env: { MEMORY_FILE_PATH: file }, stderr: 'ignore' }));
  const defaultBuffer = await plain.callTool({ name: 'read_graph', arguments: {} }, undefined, { timeout: callTimeoutMs }).then(() => 'answered', (error: Error) => `failed: ${error.message}`);
  await plain.close().catch(() => undefined);
  const maxBufferSize = 256 * 1024 * 1024;
  const reference = await connect(new StdioClientTransport({ command: process.execPath, args: [referenceBin], env: { MEMORY_FILE_PATH: file }, stderr: 'ignore', maxBufferSize }));
  const ours = await connect(new StdioClientTransport({ command: process.execPath, args: [bin, '--data', data, 'mcp'], stderr: 'ignore', maxBufferSize }));
  try {
    const searchArgs: Args = (i) => ({ query: nameOf((i * 37) % entitiesCount).slice(0, -1) });
    const openArgs: Args = (i) => ({ names: Array.from({ length: 10 }, (_, k) => nameOf((i * 7 + k * 1_999) % entitiesCount)) });
    const readArgs: Args = () => ({});
    const structured = async (client: Client, tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>> =>
      (await client.callTool({ name: tool, arguments: args }, undefined, { timeout: callTimeoutMs })).structuredContent as Record<string, unknown>;
    // The same answers first: search and open alike; our read_graph page is the reference's graph's first items.
    for (const i of [0, 1, 2]) {
      deepStrictEqual(await structured(ours, 'search_nodes', searchArgs(i)), await structured(reference, 'search_nodes', searchArgs(i)));
      deepStrictEqual(await structured(ours, 'open_nodes', openArgs(i)), await structured(reference, 'open_nodes', openArgs(i)));
    }
    const page = await structured(ours, 'read_graph', {});
    const whole = await structured(reference, 'read_graph', {});
    deepStrictEqual(page.entities, (whole.entities as unknown[]).slice(0, (page.entities as unknown[]).length));
    const cases: Array<[string, string, Args, number]> = [
      ['search_nodes (10 of 20k match)', 'search_nodes', searchArgs, 10],
      ['open_nodes, 10 names', 'open_nodes', openArgs, 1],
      ['read_graph: a page (ours: 1,000 items) vs the whole graph (reference)', 'read_graph', readArgs, 1],
    ];
    const rows: MemoryRow[] = [];
    for (const [name, tool, args, target] of cases) {
      process.stderr.write(`bench:mcp: ${name}\n`);
      const row: MemoryRow = { name, ours: [], reference: [], target };
      // Three turns each, alternating, so a slow spell of the machine hits both.
      for (let turn = 0; turn < 3; turn++) {
        row.ours.push(...(await timed(ours, tool, args, turn * 1000)));
        row.reference.push(...(await timed(reference, tool, args, turn * 1000)));
      }
      rows.push(row);
    }
    return { rows, loadSeconds, defaultBuffer };
  } finally {
    await Promise.all([ours.close(), reference.close()]);
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rate = (latenciesUs: number[]): number => 1e6 / (latenciesUs.reduce((a, b) => a + b, 0) / latenciesUs.length);

if (only === undefined || only.includes('calls')) {
  const rows = await callRows();
  console.log(`MCP tool calls (${callsPerCase} a case; beliefs over 50 subjects of ~20 assertions each)\n`);
  console.log(formatTable(rows));
  console.log();
}
if (only === undefined || only.includes('memory')) {
  const { rows, loadSeconds, defaultBuffer } = await memoryRows();
  console.log(`Memory graph: ${fmt(entitiesCount)} entities x ${observationsPer} observations, ${fmt(2 * entitiesCount)} relations; StemeDB (stemedb mcp) vs @modelcontextprotocol/server-memory, both over stdio, ~${seconds} s x 3 turns each`);
  console.log(`StemeDB's load through db.memory: ${loadSeconds.toFixed(1)} s`);
  console.log(`The reference's read_graph through an SDK client with its default 10 MiB stdio buffer: ${defaultBuffer}\n`);
  const header = ['case', 'StemeDB calls/s', 'p50 µs', 'reference calls/s', 'p50 µs', 'ratio', 'target'];
  const body = rows.map((r) => {
    const ratio = rate(r.ours) / rate(r.reference);
    return [r.name, fmt(rate(r.ours)), fmt(percentile(r.ours, 50)), fmt(rate(r.reference)), fmt(percentile(r.reference, 50)), `${ratio.toFixed(1)}x`, `${r.target}x: ${ratio >= r.target ? 'MET' : 'MISSED'}`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log([line(header), `|${widths.map((w, i) => (i === 0 || i === 6 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n'));
}
