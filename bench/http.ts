// bench:http — `stemedb serve` against a fastify + better-sqlite3 peer (bench/http-peer.ts) in
// one run, under the same load: both are child processes started here (by pid, in fresh
// directories), and autocannon's programmatic API drives each in turn with the same requests
// for the same time: POST /v1/assertions (64 connections), GET /v1/assertions/:hash and GET
// /v1/subjects/:subject/assertions (10 assertions each). Cases alternate between the two
// servers, so a slow spell of the machine hits both. Before timing, both are loaded with the
// same assertions and their answers compared: same hashes, same JSON.
// Usage: node dist/bench/http.js [--seconds=N] (default 3 a case) [--cases=post,hash,subject]
// [--cpu-prof=DIR] (both servers write a V8 CPU profile there when they stop)
// [--cli=PATH] (another build's dist/src/cli/main.js, to compare two builds) [--json]
import { spawn, type ChildProcess } from 'node:child_process';
import { deepStrictEqual } from 'node:assert';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { StemeDB } from '../src/index.js';
import { benchDir } from './support.js';

const option = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = option('cases')?.split(',');
const cpuProfDir = option('cpu-prof');
const nodeFlags = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
const seconds = Number(option('seconds') ?? 3);
const warmupSeconds = 1;
const preloadSubjects = 2_000;
const perSubject = 10;
const postConnections = 64;
const getConnections = 16;

const cli = option('cli') ?? fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const peerScript = fileURLToPath(new URL('./http-peer.js', import.meta.url));

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

/** Starts a server as a child process and resolves with its base URL once it prints it. */
function start(name: string, args: string[], urlPattern: RegExp): Promise<Server> {
  const child = spawn(process.execPath, [...nodeFlags, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = urlPattern.exec(out);
      if (match?.[1] !== undefined) resolve({ name, url: match[1], child });
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${String(code)} before listening`)));
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    process.kill(server.child.pid!, 'SIGTERM');
  });
}

function assertion(subject: string, i: number) {
  return { subject, predicate: `p${i % perSubject}`, object: { value: `v${i}`, n: i, tags: ['bench', 'geo'] }, source: 'bench', createdAt: 1_700_000_000_000 + i };
}
const preloaded = (i: number) => assertion(`city:${Math.floor(i / perSubject)}`, i);
const preloadCount = preloadSubjects * perSubject;
const hashes = Array.from({ length: preloadCount }, (_, i) => StemeDB.hashOf({ type: 'assertion', ...preloaded(i) }));

interface Measured {
  rps: number;
  /** The server process's CPU time (every thread) per request answered, µs; undefined off Linux. */
  cpuUsPerRequest: number | undefined;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

type RequestSetup = (i: number) => { method: 'GET' | 'POST'; path: string; body?: string };

/** Clock ticks a second of /proc's CPU times (USER_HZ: 100 on every common Linux build). */
const ticksPerSecond = 100;

/**
 * The CPU time a process has used so far (user + system, all threads) in µs, from
 * /proc/PID/stat; undefined where there is no /proc. Less disturbed by other load on the
 * machine than requests/s: it counts what the server spends, not how long it waited.
 */
function cpuUs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing paren).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond; // utime, stime
  } catch {
    return undefined;
  }
}

/** Drives `server` with `connections` connections for `durationS` seconds (or `amount` requests). */
async function drive(server: Server, connections: number, next: RequestSetup, limit: { durationS: number } | { amount: number }): Promise<Measured> {
  let i = 0;
  const cpuBefore = cpuUs(server.child.pid!);
  const result = await autocannon({
    url: server.url,
    connections,
    ...('amount' in limit ? { amount: limit.amount } : { duration: limit.durationS }),
    requests: [
      {
        setupRequest: (request) => {
          const { method, path, body } = next(i++);
          return { ...request, method, path, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body }) };
        },
      },
    ],
  });
  const cpuAfter = cpuUs(server.child.pid!);
  const cpuUsPerRequest = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / result['2xx'];
  return { cpuUsPerRequest, rps: result['2xx'] / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, errors: result.non2xx + result.errors };
}

async function getJson(server: Server, path: string): Promise<unknown> {
  const response = await fetch(new URL(path, server.url));
  if (response.status !== 200) throw new Error(`${server.name} GET ${path}: ${response.status}`);
  return response.json();
}

/** Loads the same assertions into both servers, then checks they answer alike. */
async function preload(servers: Server[]): Promise<void> {
  for (const server of servers) {
    const loaded = await drive(server, postConnections, (i) => ({ method: 'POST', path: '/v1/assertions', body: JSON.stringify(preloaded(i)) }), { amount: preloadCount });
    if (loaded.errors > 0) throw new Error(`${server.name}: ${loaded.errors} of ${preloadCount} preload writes failed`);
  }
  // The LSNs and the log's end differ by design (WAL byte offsets vs SQLite row ids), and so does
  // the order of a subject's assertions (StemeDB's is by predicate digest); all else must match.
  const byHash = (a: unknown, b: unknown): number => String((a as { hash: string }).hash).localeCompare((b as { hash: string }).hash);
  const comparable = (answer: unknown): string =>
    JSON.stringify(answer, (key, value: unknown) => (key === 'lsn' || key === 'atLsn' ? 0 : key === 'items' ? [...(value as unknown[])].sort(byHash) : value));
  for (const path of [`/v1/assertions/${hashes[7]!}`, `/v1/subjects/${encodeURIComponent('city:3')}/assertions`]) {
    const [ours, peer] = await Promise.all(servers.map((s) => getJson(s, path)));
    deepStrictEqual(JSON.parse(comparable(ours)), JSON.parse(comparable(peer)), `the two servers answer ${path} differently`);
  }
  const subject = (await getJson(servers[0]!, `/v1/subjects/${encodeURIComponent('city:3')}/assertions`)) as { items: unknown[] };
  if (subject.items.length !== perSubject) throw new Error(`expected ${perSubject} assertions about city:3, got ${subject.items.length}`);
}

interface Case {
  id: string;
  name: string;
  connections: number;
  next: (offset: number) => RequestSetup;
}

let written = 0;
const cases: Case[] = [
  {
    id: 'post',
    name: `POST /v1/assertions (${postConnections} connections)`,
    connections: postConnections,
    next: () => () => ({ method: 'POST', path: '/v1/assertions', body: JSON.stringify(assertion(`new:${written}`, preloadCount + written++)) }),
  },
  {
    id: 'hash',
    name: `GET /v1/assertions/:hash (${getConnections} connections)`,
    connections: getConnections,
    next: (offset) => (i) => ({ method: 'GET', path: `/v1/assertions/${hashes[((offset + i) * 7919) % preloadCount]!}` }),
  },
  {
    id: 'subject',
    name: `GET /v1/subjects/:subject/assertions, ${perSubject} each (${getConnections} connections)`,
    connections: getConnections,
    next: (offset) => (i) => ({ method: 'GET', path: `/v1/subjects/${encodeURIComponent(`city:${((offset + i) * 31) % preloadSubjects}`)}/assertions` }),
  },
];

const ours = await start('stemedb serve', [cli, '--data', benchDir('http-stemedb'), 'serve', '--port', '0', '--log-level', 'silent'], /at (http:\/\/127\.0\.0\.1:\d+) /);
const peer = await start('fastify + SQLite', [peerScript, '--dir', benchDir('http-peer')], /listening at (http:\/\/127\.0\.0\.1:\d+)/);
const results: Array<{ id: string; case: string; stemedb: Measured; peer: Measured; ratio: number }> = [];
try {
  await preload([ours, peer]);
  for (const c of cases.filter((c) => only === undefined || only.includes(c.id))) {
    const measured: Measured[] = [];
    for (const server of [ours, peer]) {
      await drive(server, c.connections, c.next(0), { durationS: warmupSeconds });
      measured.push(await drive(server, c.connections, c.next(1), { durationS: seconds }));
    }
    results.push({ id: c.id, case: c.name, stemedb: measured[0]!, peer: measured[1]!, ratio: measured[0]!.rps / measured[1]!.rps });
  }
} finally {
  await Promise.all([stop(ours), stop(peer)]);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
// autocannon records latency in whole milliseconds.
const cpu = (m: Measured): string => (m.cpuUsPerRequest === undefined ? '' : fmt(m.cpuUsPerRequest));
const header = ['case', 'StemeDB req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'fastify+SQLite req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'ratio', 'CPU ratio'];
const cpuRatio = (r: (typeof results)[number]): string =>
  r.stemedb.cpuUsPerRequest === undefined || r.peer.cpuUsPerRequest === undefined ? '' : `${(r.peer.cpuUsPerRequest / r.stemedb.cpuUsPerRequest).toFixed(2)}x`;
const body = results.map((r) => [r.case, fmt(r.stemedb.rps), fmt(r.stemedb.p50Ms), fmt(r.stemedb.p99Ms), cpu(r.stemedb), fmt(r.peer.rps), fmt(r.peer.p50Ms), fmt(r.peer.p99Ms), cpu(r.peer), `${r.ratio.toFixed(2)}x`, cpuRatio(r)]);
const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(`HTTP, ${seconds} s a case after ${warmupSeconds} s of warm-up; ${preloadCount} assertions preloaded (${preloadSubjects} subjects x ${perSubject})`);
console.log('ratio: StemeDB req/s over the peer\'s; CPU ratio: the peer\'s server CPU a request over StemeDB\'s (higher is better for StemeDB)\n');
console.log([line(header), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n'));
for (const r of results) {
  const failed = r.stemedb.errors + r.peer.errors;
  if (failed > 0) console.log(`WARNING ${r.case}: ${r.stemedb.errors} StemeDB and ${r.peer.errors} peer requests failed (not counted)`);
}
const goals: Record<string, { target: string; ratio: number }> = {
  post: { target: 'POST >= 3x the peer', ratio: 3 },
  hash: { target: 'GET by hash >= 1x the peer', ratio: 1 },
  subject: { target: 'GET a subject >= 1x the peer', ratio: 1 },
};
const targets = results.map((r) => ({ target: goals[r.id]!.target, ratio: r.ratio, met: r.ratio >= goals[r.id]!.ratio }));
for (const t of targets) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.ratio.toFixed(2)}x`);
if (process.argv.includes('--json')) console.log(JSON.stringify({ seconds, results, targets }, null, 2));
