// Every connection is bounded in time while its request arrives: a body sent slowly and headers
// sent slowly are cut off with 408 REQUEST_TIMEOUT (our error shape) and the connection closed,
// nothing is written; an idle keep-alive connection is closed; oversized headers are 431
// HEADERS_TOO_LARGE. The timeouts are options with named defaults, checked when the server is built.
import assert from 'node:assert/strict';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StemeDB, StemeError } from '../../src/index.js';
import { httpHeadersTimeoutMsDefault, httpKeepAliveTimeoutMsDefault, httpRequestTimeoutMsDefault } from '../../src/limits.js';
import { createServer } from '../../src/server/index.js';
import { hostOf, openSocket } from './support/raw-http.js';
import { nothingLogged } from './support/records.js';
import { startServer } from './support/server.js';

/** The status line and the error code of a raw answer. */
function refusalOf(text: string): { status: number; code: string | undefined } {
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  const code = body === '' ? undefined : (JSON.parse(body) as { error: { code: string } }).error.code;
  return { status, code };
}

describe('request timeouts', () => {
  test('the defaults are set, not left to fastify (whose request timeout is none)', () => {
    assert.equal(httpRequestTimeoutMsDefault, 60_000);
    assert.equal(httpHeadersTimeoutMsDefault, 10_000);
    assert.equal(httpKeepAliveTimeoutMsDefault, 5_000);
  });

  test('the server is built with them', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    assert.equal(server.app.server.requestTimeout, httpRequestTimeoutMsDefault);
    assert.equal(server.app.server.headersTimeout, httpHeadersTimeoutMsDefault);
    assert.equal(server.app.server.keepAliveTimeout, httpKeepAliveTimeoutMsDefault);
    assert.equal(server.app.server.timeout, 0, 'no idle timeout: quiet streams and long backups go on');
  });

  test('a body sent slowly is cut off with 408 REQUEST_TIMEOUT, and nothing is written', async (t) => {
    const server = await startServer({ server: { logger: false, requestTimeoutMs: 1000, headersTimeoutMs: 1000 } });
    t.after(() => server.close());
    await nothingLogged(server, async () => {
      const client = await openSocket(server.url);
      const body = JSON.stringify({ subject: 'slow', predicate: 'p', object: 1, source: 'test' });
      client.socket.write(`POST /v1/assertions HTTP/1.1\r\nHost: ${hostOf(server.url)}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
      // A byte now and then: the connection is busy, but the request never completes in time.
      const dribble = setInterval(() => client.socket.write(' '), 200);
      const started = Date.now();
      await client.closed;
      clearInterval(dribble);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 5000, `cut off after ${elapsed} ms (timeout 1 s, checked every 1 s)`);
      assert.deepEqual(refusalOf(client.received()), { status: 408, code: 'REQUEST_TIMEOUT' });
    });
  });

  test('headers sent slowly are cut off with 408 REQUEST_TIMEOUT', async (t) => {
    const server = await startServer({ server: { logger: false, requestTimeoutMs: 5000, headersTimeoutMs: 500 } });
    t.after(() => server.close());
    const client = await openSocket(server.url);
    client.socket.write(`GET /v1/stats HTTP/1.1\r\nHost: ${hostOf(server.url)}\r\n`);
    const dribble = setInterval(() => client.socket.write('X-Slow: 1\r\n'), 100);
    const started = Date.now();
    await client.closed;
    clearInterval(dribble);
    assert.ok(Date.now() - started < 4000, 'the headers timeout, not the request timeout, ended it');
    assert.deepEqual(refusalOf(client.received()), { status: 408, code: 'REQUEST_TIMEOUT' });
  });

  test('a connection that sends nothing is closed after the headers timeout', async (t) => {
    const server = await startServer({ server: { logger: false, requestTimeoutMs: 5000, headersTimeoutMs: 500 } });
    t.after(() => server.close());
    const client = await openSocket(server.url);
    const started = Date.now();
    await client.closed;
    assert.ok(Date.now() - started < 4000, `closed after ${Date.now() - started} ms`);
    assert.deepEqual(refusalOf(client.received()), { status: 408, code: 'REQUEST_TIMEOUT' });
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async (t) => {
    const server = await startServer({ server: { logger: false, keepAliveTimeoutMs: 300 } });
    t.after(() => server.close());
    const client = await openSocket(server.url);
    client.socket.write(`GET /v1/health/live HTTP/1.1\r\nHost: ${hostOf(server.url)}\r\n\r\n`);
    const started = Date.now();
    await client.closed;
    assert.match(client.received(), /^HTTP\/1\.1 200 /);
    assert.ok(Date.now() - started < 3000, 'closed soon after the answer');
  });

  test('headers over 16 KiB are 431 HEADERS_TOO_LARGE in the error shape', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    const client = await openSocket(server.url);
    client.socket.write(`GET /v1/stats HTTP/1.1\r\nHost: ${hostOf(server.url)}\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    await client.closed;
    assert.deepEqual(refusalOf(client.received()), { status: 431, code: 'HEADERS_TOO_LARGE' });
  });

  test('timeouts that are not positive integers, or a headers timeout over the request timeout, are INVALID_ARGUMENT', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-timeouts-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const db = await StemeDB.open(dir, { log: () => undefined });
    t.after(() => db.close());
    const invalid = (error: unknown): boolean => error instanceof StemeError && error.code === 'INVALID_ARGUMENT';
    for (const options of [{ requestTimeoutMs: 0 }, { headersTimeoutMs: -1 }, { keepAliveTimeoutMs: 1.5 }, { requestTimeoutMs: Number.POSITIVE_INFINITY }, { requestTimeoutMs: 1000, headersTimeoutMs: 2000 }, { changesStreamsMax: 0 }, { changesStreamsPerClientMax: Number.NaN }, { changesStallMs: 0 }, { rateLimit: { max: 0 } }]) {
      await assert.rejects(createServer(db, { logger: false, ...options }), invalid, JSON.stringify(options));
    }
    // A request timeout below the headers default lowers the headers timeout with it.
    const app = await createServer(db, { logger: false, requestTimeoutMs: 2000 });
    assert.equal(app.server.headersTimeout, 2000);
    await app.close();
  });
});
