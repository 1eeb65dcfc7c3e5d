// GET /v1/changes against a real server: a real SSE client (the eventsource package) that
// follows 1,000 writes from several writers across a server restart and sees each record once,
// in LSN order, queryable on arrival; NDJSON with and without follow; filters; cursor errors
// (400 INVALID_CURSOR, 410 CURSOR_EXPIRED); heartbeats; reads without a token; the OpenAPI entry.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import type { FastifyInstance } from 'fastify';
import { StemeDB, type Change } from '../../src/index.js';
import { createServer, shutdown } from '../../src/server/index.js';
import { tempDir } from '../support/temp-dir.js';
import { assertError, getJson, postJson, startServer, type TestServer } from './support/server.js';

interface Running {
  app: FastifyInstance;
  db: StemeDB;
  url: string;
  port: number;
}

/** A server over the database in `dir` (kept across restarts), on `port` (0: any free one). */
async function serveDir(dir: string, port: number): Promise<Running> {
  const db = await StemeDB.open(dir, { log: () => undefined });
  const app = await createServer(db, { logger: false });
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  assert.ok(typeof address === 'object' && address !== null);
  return { app, db, url: `http://127.0.0.1:${address.port}`, port: address.port };
}

/** Reads an NDJSON answer to the end: its lines, parsed. */
async function ndjsonLines(url: string, headers: Record<string, string> = {}): Promise<{ status: number; lines: Array<Record<string, unknown>> }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, lines: text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

async function writeOne(server: { url: string }, subject: string, object: number): Promise<{ hash: string; lsn: number }> {
  const result = await postJson<{ hash: string; lsn: number }>(server as TestServer, '/v1/assertions', { subject, predicate: 'n', object, source: 'test', createdAt: object });
  assert.equal(result.status, 201, JSON.stringify(result.body));
  return result.body;
}

describe('Server-Sent Events', () => {
  test('1,000 records from several writers, across a server restart: each seen once, in LSN order, queryable on arrival', async (t) => {
    const dir = tempDir(t);
    let server = await serveDir(dir, 0);
    t.after(() => shutdown(server.app, server.db));
    const seen: Change[] = [];
    let opens = 0;
    let notQueryable = 0;
    let closing = false;
    const recheck: string[] = [];
    const source = new EventSource(`${server.url}/v1/changes`);
    t.after(() => source.close());
    source.addEventListener('open', () => void (opens += 1));
    source.addEventListener('assertion', (event) => {
      const change = JSON.parse(event.data) as Change;
      assert.equal(event.lastEventId, String(change.lsn));
      // During the restart the old database is closed: check against the reopened one.
      if (closing) recheck.push(change.hash);
      else if (server.db.get(change.hash) === undefined) notQueryable += 1;
      seen.push(change);
    });
    while (opens === 0) await sleep(5);
    const writers = 4;
    const phase = async (from: number, count: number): Promise<void> => {
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = from + w; i < from + count; i += writers) await writeOne(server, `w${w}`, i);
        }),
      );
    };
    await phase(0, 500);
    // Restart while the stream is live: events not yet delivered come after the reconnect.
    closing = true;
    await shutdown(server.app, server.db);
    server = await serveDir(dir, server.port);
    closing = false;
    for (const hash of recheck) if (server.db.get(hash) === undefined) notQueryable += 1;
    await phase(500, 500);
    for (let i = 0; i < 400 && seen.length < 1000; i++) await sleep(25);
    source.close();
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen.map((c) => c.hash)).size, 1000, 'each record once');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.lsn > seen[i - 1]!.lsn, 'in LSN order');
    assert.deepEqual(new Set(seen.map((c) => (c.record as { object: number }).object)), new Set(Array.from({ length: 1000 }, (_, i) => i)));
    assert.equal(notQueryable, 0);
    assert.ok(opens >= 2, `the client reconnected (${opens} opens)`);
  });

  test("since=now, subject and types filters; Last-Event-ID resumes like since; a cursor event carries the start", async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    const before = await writeOne(server, 'a', 1);
    const url = `${server.url}/v1/changes?since=now&subject=a&types=assertion`;
    const source = new EventSource(url);
    t.after(() => source.close());
    const cursors: number[] = [];
    const changes: Change[] = [];
    source.addEventListener('cursor', (event) => cursors.push((JSON.parse(event.data) as { lastLsn: number }).lastLsn));
    source.addEventListener('assertion', (event) => changes.push(JSON.parse(event.data) as Change));
    source.addEventListener('vote', () => assert.fail('types=assertion'));
    while (cursors.length === 0) await sleep(5);
    assert.ok(cursors[0]! >= before.lsn);
    await writeOne(server, 'b', 2);
    const wanted = await writeOne(server, 'a', 3);
    await postJson(server, '/v1/votes', { assertion: wanted.hash, voter: 'ada', stance: 'support' });
    while (changes.length < 1) await sleep(5);
    await sleep(50);
    source.close();
    assert.deepEqual(changes.map((c) => c.hash), [wanted.hash]);
    // Last-Event-ID stands for since, and wins over the query's since.
    const resumed = await ndjsonLines(`${server.url}/v1/changes?since=0`, { 'last-event-id': String(before.lsn) });
    assert.equal(resumed.lines.length, 4);
    assert.deepEqual(resumed.lines.slice(0, 3).map((line) => line.type), ['assertion', 'assertion', 'vote']);
  });

  test('heartbeat comments arrive on an idle stream, and reads need no token', async (t) => {
    const server = await startServer({ server: { token: 'secret', changesHeartbeatMs: 30 } });
    t.after(() => server.close());
    const stop = new AbortController();
    const response = await fetch(`${server.url}/v1/changes`, { headers: { accept: 'text/event-stream' }, signal: stop.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes(': heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /^retry: \d+\nid: 0\nevent: cursor\ndata: \{"lastLsn":0\}\n\n/);
    stop.abort();
    await reader.cancel().catch(() => undefined);
  });
});

describe('NDJSON', () => {
  test('without follow: what exists up to limit, then {"lastLsn"}; since is exclusive and lastLsn resumes', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    const written = [];
    for (let i = 0; i < 5; i++) written.push(await writeOne(server, 's', i));
    const first = await ndjsonLines(`${server.url}/v1/changes?limit=2`);
    assert.equal(first.status, 200);
    assert.deepEqual(first.lines.slice(0, 2).map((line) => line.hash), written.slice(0, 2).map((w) => w.hash));
    assert.deepEqual(first.lines[2], { lastLsn: written[1]!.lsn });
    const rest = await ndjsonLines(`${server.url}/v1/changes?since=${written[1]!.lsn}`);
    assert.deepEqual(rest.lines.slice(0, 3).map((line) => line.hash), written.slice(2).map((w) => w.hash));
    assert.deepEqual(rest.lines[3], { lastLsn: written[4]!.lsn });
    const record = rest.lines[0]!.record as { object: number; subject: string };
    assert.deepEqual([record.subject, record.object], ['s', 2]);
    const none = await ndjsonLines(`${server.url}/v1/changes?since=${written[4]!.lsn}`);
    assert.deepEqual(none.lines, [{ lastLsn: written[4]!.lsn }]);
  });

  test('with follow=true: a long-lived stream of new changes; the client going away frees it', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    const stop = new AbortController();
    const response = await fetch(`${server.url}/v1/changes?since=now&follow=true`, { signal: stop.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const reader = response.body!.getReader();
    const written = [await writeOne(server, 'f', 1), await writeOne(server, 'f', 2)];
    let text = '';
    while (text.split('\n').length < 3) text += new TextDecoder().decode((await reader.read()).value);
    const lines = text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { hash: string });
    assert.deepEqual(lines.map((line) => line.hash), written.map((w) => w.hash));
    stop.abort();
    await reader.cancel().catch(() => undefined);
  });

  test('with follow=true, an idle stream carries {"lastLsn"} heartbeat lines, past records the filter skipped', async (t) => {
    const server = await startServer({ server: { changesHeartbeatMs: 30 } });
    t.after(() => server.close());
    const skipped = await writeOne(server, 'other', 1);
    const stop = new AbortController();
    const response = await fetch(`${server.url}/v1/changes?since=0&follow=true&subject=wanted`, { signal: stop.signal });
    const reader = response.body!.getReader();
    let text = '';
    while (text.split('\n').filter((line) => line !== '').length < 2) text += new TextDecoder().decode((await reader.read()).value);
    const lines = text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
    for (const line of lines) assert.deepEqual(line, { lastLsn: skipped.lsn });
    const wanted = await writeOne(server, 'wanted', 2);
    while (!text.includes(wanted.hash)) text += new TextDecoder().decode((await reader.read()).value);
    stop.abort();
    await reader.cancel().catch(() => undefined);
  });

  test('server shutdown ends a following stream with its lastLsn, and close does not wait for it', async (t) => {
    const server = await startServer();
    const written = await writeOne(server, 'x', 1);
    const response = await fetch(`${server.url}/v1/changes?follow=true`);
    const reading = response.text();
    await sleep(50);
    await server.close();
    const lines = (await reading).split('\n').filter((line) => line !== '');
    assert.deepEqual(JSON.parse(lines[lines.length - 1]!), { lastLsn: written.lsn });
    t.diagnostic('the server closed with a stream open');
  });
});

describe('cursor errors', () => {
  test('a since beyond the end or inside a record is 400 INVALID_CURSOR', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    const { lsn } = await writeOne(server, 's', 1);
    assertError(await getJson(server, '/v1/changes?since=99999999'), 400, 'INVALID_CURSOR');
    assertError(await getJson(server, `/v1/changes?since=${lsn + 3}`), 400, 'INVALID_CURSOR');
    assertError(await getJson(server, '/v1/changes?since=yesterday'), 400, 'INVALID_CURSOR');
    const sse = await fetch(`${server.url}/v1/changes?since=99999999`, { headers: { accept: 'text/event-stream' } });
    assert.equal(sse.status, 400);
    await sse.text();
    assertError(await getJson(server, '/v1/changes?types=assertion,nope'), 400, 'INVALID_ARGUMENT');
  });

  test('a since in deleted WAL segments is 410 CURSOR_EXPIRED with the oldest LSN; since=oldestLsn reads what remains', async (t) => {
    const server = await startServer({ db: { retainWal: false, segmentBytesMax: 16 * 1024 } });
    t.after(() => server.close());
    const batch = Array.from({ length: 400 }, (_, i) => ({ type: 'assertion', subject: 's', predicate: 'p', object: i, source: 'x', createdAt: i }));
    assert.equal((await postJson(server, '/v1/batch', batch)).status, 201);
    await server.db.sync();
    // Paused, ingest deletes no more segments (pausing waits for a deletion under way): the oldest LSN holds still.
    await server.db.pauseIngest();
    const oldestLsn = server.db.stats().wal.firstLsn;
    assert.ok(oldestLsn > 0);
    const expired = await getJson<{ error: { code: string; message: string; oldestLsn: number } }>(server, '/v1/changes?since=0');
    assert.equal(expired.status, 410);
    assert.equal(expired.body.error.code, 'CURSOR_EXPIRED');
    assert.equal(expired.body.error.oldestLsn, oldestLsn);
    const rest = await ndjsonLines(`${server.url}/v1/changes?since=${oldestLsn}&limit=10000`);
    assert.equal(rest.status, 200);
    assert.ok(rest.lines.length > 1);
  });
});

test('the OpenAPI document describes GET /v1/changes', async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  const { body } = await getJson<{ paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> }>(server, '/v1/openapi.json');
  const route = body.paths['/v1/changes']?.get;
  assert.ok(route);
  assert.deepEqual(route.parameters?.map((p) => p.name).sort(), ['follow', 'limit', 'since', 'subject', 'types']);
});
