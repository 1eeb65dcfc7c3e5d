// bench:changes — the change feed. Write -> event latency at a paced 1,000 writes/s with 1, 10
// and 100 following subscribers (in-process db.changes; latency from the write call to the
// event, so the write's own fsync is in it); write throughput with 64 writers while 10
// subscribers follow, against the same run with none; 1,000 SSE subscribers on one server
// (raw HTTP clients) receiving every event; what 160 SSE clients from LSN 0 that never read
// make the server hold (the memory a stalled reader costs); catch-up read rate from since 0
// over the sample. Prints a table; asserts nothing. Usage: node dist/bench/changes.js [--quick]
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { StemeDB } from '../src/index.js';
import { sampleRecords } from '../src/sample/cities.js';
import { createServer, shutdown } from '../src/server/index.js';
import { benchDir, formatTable, percentile, type Row } from './support.js';

const quick = process.argv.includes('--quick');
const pacedSeconds = quick ? 1 : 3;
const writesPerSec = 1000;
const throughputRecords = quick ? 2_000 : 8_000;
const sseSubscribers = quick ? 200 : 1000;
const sseWrites = quick ? 50 : 200;
const catchUpCities = quick ? 10_000 : undefined;
const stalledClients = 160;
const stalledCities = quick ? 10_000 : 50_000;

// A full collection before each memory reading, so garbage is not counted as held.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function assertion(i: number) {
  return { subject: `city:${i % 5000}`, predicate: 'population', object: { n: i }, source: 'bench', createdAt: 1_700_000_000_000 + i };
}

/** Starts `count` following subscribers; each records, per LSN, when its change arrived. */
function follow(db: StemeDB, count: number, signal: AbortSignal): { arrivals: Array<Map<number, number>>; done: Promise<void> } {
  setMaxListeners(0, signal);
  const arrivals = Array.from({ length: count }, () => new Map<number, number>());
  const done = Promise.all(
    arrivals.map(async (seen) => {
      for await (const change of db.changes({ since: 'now', follow: true, signal })) seen.set(change.lsn, performance.now());
    }),
  ).then(() => undefined);
  return { arrivals, done };
}

async function pacedLatency(subscribers: number): Promise<Row> {
  const db = await StemeDB.open(benchDir('changes-latency'), { log: () => undefined });
  const stop = new AbortController();
  const { arrivals, done } = follow(db, subscribers, stop.signal);
  const started = new Map<number, number>();
  const acks: number[] = [];
  const total = pacedSeconds * writesPerSec;
  const begin = performance.now();
  const writes: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    // Paced: write i is issued at begin + i ms (a timer wait when ahead of schedule).
    const due = begin + (i * 1000) / writesPerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const start = performance.now();
    writes.push(
      db.assert(assertion(i)).then(({ lsn }) => {
        started.set(lsn, start);
        acks.push((performance.now() - start) * 1000);
      }),
    );
  }
  await Promise.all(writes);
  while (arrivals.some((seen) => seen.size < total)) await new Promise((resolve) => setTimeout(resolve, 5));
  const elapsed = (performance.now() - begin) / 1000;
  stop.abort();
  await done;
  const latenciesUs: number[] = [];
  for (const seen of arrivals) for (const [lsn, at] of seen) latenciesUs.push((at - started.get(lsn)!) * 1000);
  await db.close();
  return {
    name: `write -> event, ${subscribers} subscriber${subscribers === 1 ? '' : 's'}`,
    opsPerSec: total / elapsed,
    p50Us: percentile(latenciesUs, 50),
    p99Us: percentile(latenciesUs, 99),
    note: `${total} writes paced at ${writesPerSec}/s; the write's own ack p50 ${Math.round(percentile(acks, 50))} µs`,
  };
}

async function writeThroughput(subscribers: number): Promise<Row> {
  const db = await StemeDB.open(benchDir('changes-throughput'), { log: () => undefined });
  const stop = new AbortController();
  const { arrivals, done } = follow(db, subscribers, stop.signal);
  let next = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < throughputRecords) await db.assert(assertion(next++));
    }),
  );
  const seconds = (performance.now() - begin) / 1000;
  while (arrivals.some((seen) => seen.size < throughputRecords)) await new Promise((resolve) => setTimeout(resolve, 5));
  stop.abort();
  await done;
  await db.close();
  return { name: `64 writers, ${subscribers} subscribers following`, opsPerSec: throughputRecords / seconds, note: `${throughputRecords} durable, visible writes` };
}

/** One raw SSE client: counts change events (id lines other than cursor events). */
function sseClient(url: string, seen: (lsn: number) => void, failed: (error: Error) => void): http.ClientRequest {
  const request = http.get(url, { headers: { accept: 'text/event-stream' } }, (response) => {
    if (response.statusCode !== 200) failed(new Error(`status ${response.statusCode}`));
    let buffered = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
        const id = /^id: (\d+)$/m.exec(block);
        if (id !== null && !block.includes('event: cursor')) seen(Number(id[1]));
      }
    });
  });
  request.on('error', (error) => failed(error));
  return request;
}

async function manySse(): Promise<Row> {
  const db = await StemeDB.open(benchDir('changes-sse'), { log: () => undefined });
  // Every subscriber is on one address here: both stream caps raised to the subscriber count.
  const app = await createServer(db, { logger: false, changesStreamsMax: sseSubscribers, changesStreamsPerClientMax: sseSubscribers });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let errors = 0;
  const counts = new Array<number>(sseSubscribers).fill(0);
  const started = new Map<number, number>();
  const latenciesUs: number[] = [];
  const clients = counts.map((_, i) =>
    sseClient(
      `http://127.0.0.1:${port}/v1/changes?since=now`,
      (lsn) => {
        counts[i]! += 1;
        const at = started.get(lsn);
        if (at !== undefined) latenciesUs.push((performance.now() - at) * 1000);
      },
      () => void (errors += 1),
    ),
  );
  // Let every client connect before writing (since=now starts where the log is on connect).
  await new Promise((resolve) => setTimeout(resolve, quick ? 1000 : 3000));
  const begin = performance.now();
  for (let i = 0; i < sseWrites; i++) {
    const start = performance.now();
    const { lsn } = await db.assert(assertion(i));
    started.set(lsn, start);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (let i = 0; i < 2000 && counts.some((n) => n < sseWrites); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const seconds = (performance.now() - begin) / 1000;
  const complete = counts.filter((n) => n === sseWrites).length;
  for (const client of clients) client.destroy();
  await shutdown(app, db);
  return {
    name: `SSE: ${sseSubscribers} subscribers on one server`,
    opsPerSec: (complete * sseWrites) / seconds,
    p50Us: percentile(latenciesUs, 50),
    p99Us: percentile(latenciesUs, 99),
    note: `${sseWrites} writes at ~100/s; ${complete}/${sseSubscribers} got every event; ${errors} errors; ops/s = events delivered`,
  };
}

async function loadSample(db: StemeDB, cities: number | undefined): Promise<void> {
  let batch: unknown[] = [];
  for (const record of sampleRecords(cities)) {
    batch.push(record);
    if (batch.length === 4096) {
      await db.appendBatch(batch as Array<Record<string, unknown>>, { visible: false });
      batch = [];
    }
  }
  if (batch.length > 0) await db.appendBatch(batch as Array<Record<string, unknown>>, { visible: false });
  await db.sync();
}

/** The JavaScript heap and the buffers outside it, after a full collection (RSS would count LMDB's mapped pages). */
function heldMiB(): { heap: number; buffers: number } {
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heap: heapUsed / 2 ** 20, buffers: arrayBuffers / 2 ** 20 };
}

/**
 * SSE clients from LSN 0 that never read their sockets (issue 22 measured 160 of them holding
 * 144 MiB): what the server holds with them open, against the same server with none, the
 * kernel's socket buffers aside (the clients' paused sockets hold nothing in the process).
 * Indicative: streams still moving data into the kernel's buffers hold more at some moments.
 */
async function stalledSse(): Promise<Row> {
  const db = await StemeDB.open(benchDir('changes-stalled'), { log: () => undefined, sync: 'none' });
  await loadSample(db, stalledCities);
  // The WAL's recent frames and ingest's buffers are let go a moment after ingest catches up.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const app = await createServer(db, { logger: false, changesStreamsMax: stalledClients, changesStreamsPerClientMax: stalledClients });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const statuses: string[] = [];
  const sockets: net.Socket[] = [];
  const open = async (count: number): Promise<ReturnType<typeof heldMiB>> => {
    // Sockets opened one by one; a status line read, then never another byte.
    for (let i = 0; i < count; i++) {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /v1/changes?since=0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`));
      socket.once('data', (chunk: Buffer) => {
        statuses.push(chunk.toString('latin1').split(' ')[1] ?? '?');
        socket.pause();
      });
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    for (let i = 0; i < 1200 && statuses.length < sockets.length; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    // Let every stream read its first chunk and fill what the kernel takes.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return heldMiB();
  };
  const before = heldMiB();
  const after = await open(stalledClients);
  for (const socket of sockets) socket.destroy();
  await shutdown(app, db);
  const ok = statuses.filter((status) => status === '200').length;
  const heldMiBTotal = after.heap + after.buffers - before.heap - before.buffers;
  return {
    name: `SSE: ${stalledClients} clients from LSN 0 that never read`,
    opsPerSec: Number.NaN,
    note: `${ok}/${stalledClients} streams open; the server holds +${heldMiBTotal.toFixed(0)} MiB (heap +${(after.heap - before.heap).toFixed(0)}, buffers +${(after.buffers - before.buffers).toFixed(0)}): ${((heldMiBTotal / stalledClients) * 1024).toFixed(0)} KiB a stream`,
  };
}

async function catchUp(): Promise<Row> {
  const db = await StemeDB.open(benchDir('changes-catchup'), { log: () => undefined, sync: 'none' });
  await loadSample(db, catchUpCities);
  let count = 0;
  const begin = performance.now();
  for await (const _ of db.changes({ since: 0 })) count += 1;
  const seconds = (performance.now() - begin) / 1000;
  await db.close();
  return { name: 'catch-up read from since 0', opsPerSec: count / seconds, note: `${count} sample records, each decoded and hashed` };
}

const rows: Row[] = [];
for (const subscribers of [1, 10, 100]) rows.push(await pacedLatency(subscribers));
const without = await writeThroughput(0);
const with10 = await writeThroughput(10);
rows.push(without, { ...with10, note: `${with10.note}; ${(with10.opsPerSec / without.opsPerSec).toFixed(2)}x the run without` });
rows.push(await manySse());
rows.push(await stalledSse());
rows.push(await catchUp());
process.stdout.write(`${formatTable(rows)}\n`);
