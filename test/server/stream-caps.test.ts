// Change-feed streams are bounded: a server serves at most changesStreamsMax of them at once
// (503 STREAMS_FULL past it) and one client address at most changesStreamsPerClientMax (429
// TOO_MANY_STREAMS), both with Retry-After and before anything is read; a slot frees when its
// stream ends; a client that stops reading is disconnected after the stall limit, so it holds
// neither a slot nor memory; and the request timeouts never end a following stream.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import type { Change } from '../../src/index.js';
import { changesStreamsMaxDefault, changesStreamsPerClientMaxDefault, changesStreamsRetryAfterSeconds } from '../../src/limits.js';
import { hostOf, openSocket, openStream, type OpenStream } from './support/raw-http.js';
import { assertError, postJson, startServer, type Answer, type TestServer } from './support/server.js';

const sse = { accept: 'text/event-stream' };

/** A refused stream's answer as the test helpers check errors. */
function answerOf(stream: OpenStream): Answer<unknown> {
  return { status: stream.status, headers: new Headers(stream.headers as Record<string, string>), body: JSON.parse(stream.text() || '{}') as unknown };
}

async function refusal(server: TestServer, path: string, status: number, code: string): Promise<void> {
  const stream = await openStream(server.url, path, sse);
  await stream.ended;
  assertError(answerOf(stream), status, code);
  assert.equal(stream.headers['retry-after'], String(changesStreamsRetryAfterSeconds));
}

/** A metric's value from /metrics (0 when absent). */
async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match === null ? 0 : Number(match[1]);
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

describe('change stream caps', () => {
  test('the defaults are named limits: 256 streams, 32 per client', () => {
    assert.equal(changesStreamsMaxDefault, 256);
    assert.equal(changesStreamsPerClientMaxDefault, 32);
  });

  test('one stream past the server\'s cap is 503 STREAMS_FULL with Retry-After; a slot frees when a stream ends', async (t) => {
    const server = await startServer({ server: { logger: false, changesStreamsMax: 2, changesStreamsPerClientMax: 10 } });
    t.after(() => server.close());
    const first = await openStream(server.url, '/v1/changes', sse);
    const second = await openStream(server.url, '/v1/changes?follow=true');
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(await metric(server, 'stemedb_change_streams_open'), 2);
    await refusal(server, '/v1/changes', 503, 'STREAMS_FULL');
    // Refused before the cursor is read: a bad cursor is not even looked at.
    await refusal(server, '/v1/changes?since=12345', 503, 'STREAMS_FULL');
    first.close();
    await until('the first stream\'s slot is free', async () => (await metric(server, 'stemedb_change_streams_open')) === 1);
    const third = await openStream(server.url, '/v1/changes', sse);
    assert.equal(third.status, 200);
    third.close();
    second.close();
  });

  test('one stream past a client\'s cap is 429 TOO_MANY_STREAMS with Retry-After, while the server has room', async (t) => {
    const server = await startServer({ server: { logger: false, changesStreamsMax: 10, changesStreamsPerClientMax: 2 } });
    t.after(() => server.close());
    const open = [await openStream(server.url, '/v1/changes', sse), await openStream(server.url, '/v1/changes', sse)];
    await refusal(server, '/v1/changes', 429, 'TOO_MANY_STREAMS');
    for (const stream of open) stream.close();
  });

  test('an answer that does not follow takes a slot only while it is sent', async (t) => {
    const server = await startServer({ server: { logger: false, changesStreamsMax: 1, changesStreamsPerClientMax: 1 } });
    t.after(() => server.close());
    await postJson(server, '/v1/assertions', { subject: 's', predicate: 'p', object: 1, source: 'test' });
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${server.url}/v1/changes`);
      assert.equal(response.status, 200, `request ${i}`);
      assert.match(await response.text(), /"lastLsn"/);
    }
    // A refused stream took no slot: after a refusal the next one is served.
    const held = await openStream(server.url, '/v1/changes', sse);
    await refusal(server, '/v1/changes', 429, 'TOO_MANY_STREAMS');
    held.close();
    await until('the slot is free', async () => (await metric(server, 'stemedb_change_streams_open')) === 0);
    const response = await fetch(`${server.url}/v1/changes`);
    assert.equal(response.status, 200);
    await response.text();
  });
});

/** ~24 MiB of changes: more than the loopback socket buffers take, so the server's writes must wait. */
async function writeBig(server: TestServer, prefix: string): Promise<void> {
  const object = { text: 'x'.repeat(60 * 1024) };
  for (let batch = 0; batch < 4; batch++) {
    const records = Array.from({ length: 100 }, (_, i) => ({ type: 'assertion', subject: `${prefix}-${batch}-${i}`, predicate: 'p', object, source: 'test' }));
    assert.equal((await postJson(server, '/v1/batch', records)).status, 201);
  }
}

/** An SSE client from LSN 0 that never reads: the kernel's buffers fill, then the server's writes wait for a drain that never comes. */
async function stalledClient(server: TestServer): Promise<Awaited<ReturnType<typeof openSocket>>> {
  const client = await openSocket(server.url);
  client.socket.write(`GET /v1/changes?since=0 HTTP/1.1\r\nHost: ${hostOf(server.url)}\r\nAccept: text/event-stream\r\n\r\n`);
  client.socket.pause();
  return client;
}

describe('a client that stops reading', () => {
  test('is disconnected after the stall limit, and its slot is free again', async (t) => {
    const server = await startServer({ server: { logger: false, changesStallMs: 300, changesStreamsMax: 1, changesStreamsPerClientMax: 1 } });
    t.after(() => server.close());
    await writeBig(server, 'big');
    const client = await stalledClient(server);
    await until('the stalled stream is dropped', async () => (await metric(server, 'stemedb_change_streams_stalled_total')) === 1);
    await until('its slot is free', async () => (await metric(server, 'stemedb_change_streams_open')) === 0);
    const next = await openStream(server.url, '/v1/changes?since=now', sse);
    assert.equal(next.status, 200);
    next.close();
    client.socket.destroy();
  });

  test('does not hold up shutdown: the server closes within moments, long before the stall limit', async () => {
    const server = await startServer();
    await writeBig(server, 'shutdown');
    const client = await stalledClient(server);
    await until('the server\'s writes wait for the client', async () => (await metric(server, 'stemedb_change_streams_open')) === 1);
    await sleep(1000);
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 5000, `closed in ${Date.now() - started} ms`);
    client.socket.destroy();
  });

  test('a client that reads slowly is not dropped: each drain restarts the clock', async (t) => {
    const server = await startServer({ server: { logger: false, changesStallMs: 1000 } });
    t.after(() => server.close());
    const object = { text: 'y'.repeat(60 * 1024) };
    const records = Array.from({ length: 100 }, (_, i) => ({ type: 'assertion', subject: `slow-${i}`, predicate: 'p', object, source: 'test' }));
    assert.equal((await postJson(server, '/v1/batch', records)).status, 201);
    const client = await openSocket(server.url);
    client.socket.write(`GET /v1/changes?since=0&limit=100 HTTP/1.1\r\nHost: ${hostOf(server.url)}\r\n\r\n`);
    // Read in short bursts with pauses shorter than the stall limit, until the answer's last line.
    let done = false;
    void client.closed.then(() => (done = true));
    for (let i = 0; i < 400 && !done && !/"lastLsn"/.test(client.received()); i++) {
      client.socket.pause();
      await sleep(100);
      client.socket.resume();
      await sleep(20);
    }
    assert.match(client.received(), /\{"lastLsn":\d+\}/, 'the whole answer arrived');
    assert.equal(await metric(server, 'stemedb_change_streams_stalled_total'), 0);
    client.socket.destroy();
  });
});

describe('timeouts and streams', () => {
  test('a following stream outlives the request, headers and keep-alive timeouts, and still delivers', async (t) => {
    // Timeouts far below the quiet time, and no heartbeat in between: nothing moves on the socket.
    const server = await startServer({ server: { logger: false, requestTimeoutMs: 1000, headersTimeoutMs: 500, keepAliveTimeoutMs: 300, changesHeartbeatMs: 60_000 } });
    t.after(() => server.close());
    const events: Change[] = [];
    const source = new EventSource(`${server.url}/v1/changes?since=now`);
    t.after(() => source.close());
    let opens = 0;
    source.addEventListener('open', () => void (opens += 1));
    source.addEventListener('assertion', (event) => events.push(JSON.parse(event.data) as Change));
    const ndjson = await openStream(server.url, '/v1/changes?since=now&follow=true');
    assert.equal(ndjson.status, 200);
    await until('the SSE stream is open', async () => opens === 1);
    // Three times the request timeout, and Node checks timeouts every second.
    await sleep(3500);
    const { body } = await postJson<{ hash: string }>(server, '/v1/assertions', { subject: 'late', predicate: 'p', object: 1, source: 'test' });
    await until('both streams deliver the write', async () => events.length === 1 && ndjson.text().includes(body.hash));
    assert.equal(events[0]!.hash, body.hash);
    assert.equal(opens, 1, 'the SSE stream was never cut and reopened');
    ndjson.close();
  });
});
