// A real HTTP server for tests: the API on an ephemeral loopback port over a fresh StemeDB in
// a temporary directory, plus fetch helpers that return the status, headers and parsed body.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { StemeDB, type StemeDBOptions } from '../../../src/index.js';
import { createServer, shutdown, type ErrorBody, type ServerOptions } from '../../../src/server/index.js';

export interface TestServer {
  app: FastifyInstance;
  db: StemeDB;
  url: string;
  /** Stops the server, closes the database and removes the directory (safe to call twice). */
  close(): Promise<void>;
}

export interface StartOptions {
  server?: ServerOptions;
  db?: StemeDBOptions;
  /** Wraps the database before the server sees it (to simulate failures). */
  wrap?: (db: StemeDB) => StemeDB;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-http-'));
  const db = await StemeDB.open(dir, { log: () => undefined, ...options.db });
  const served = options.wrap === undefined ? db : options.wrap(db);
  let app: FastifyInstance;
  try {
    app = await createServer(served, { logger: false, ...options.server });
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const address = app.server.address();
  assert.ok(typeof address === 'object' && address !== null);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= shutdown(app, served).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
    return closed;
  };
  return { app, db, url: `http://127.0.0.1:${address.port}`, close };
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function answer<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text();
  // Every answer of this API is JSON, errors included; a non-JSON body fails the test here.
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as T };
}

export async function getJson<T>(server: TestServer, route: string): Promise<Answer<T>> {
  return answer<T>(await fetch(`${server.url}${route}`));
}

export async function postJson<T>(server: TestServer, route: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  return postText<T>(server, route, JSON.stringify(body), 'application/json', headers);
}

export async function postText<T>(server: TestServer, route: string, text: string, contentType: string, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const response = await fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: text });
  return answer<T>(response);
}

/** Asserts the one error shape: exactly {"error": {"code", "message"}}, with this status and code. */
export function assertError(result: Answer<unknown>, status: number, code: string): ErrorBody['error'] {
  const body = result.body as ErrorBody;
  assert.equal(result.status, status, `expected ${status} ${code}, got ${result.status} ${JSON.stringify(body)}`);
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  return body.error;
}
