// shutdown(app, db): stops accepting, lets a request already running finish, answers a request
// that arrives meanwhile with 503 SHUTTING_DOWN, and only then closes the database.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { StemeError, type StemeDB } from '../../src/index.js';
import { startServer } from './support/server.js';
import { assertionBody } from './support/records.js';

/** A door the test opens: writes wait behind it, and the test learns when one is waiting. */
class Gate {
  private open!: () => void;
  private enter!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  readonly waiting = new Promise<void>((resolve) => (this.enter = resolve));
  arrive(): Promise<void> {
    this.enter();
    return this.opened;
  }
  release(): void {
    this.open();
  }
}

function gatedAsserts(db: StemeDB, gate: Gate): StemeDB {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'assert') {
        return async (...args: Parameters<StemeDB['assert']>) => {
          await gate.arrive();
          return target.assert(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function httpText(method: string, route: string, port: number, body?: string): string {
  const head = [`${method} ${route} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: keep-alive'];
  if (body !== undefined) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${head.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

/**
 * Resolves when `server` stops listening. fastify calls server.close() right after the preClose
 * hooks, the one that starts refusing requests included; net.Server has no event for it (its
 * 'close' waits for open connections), so the test watches the call.
 */
function stopsListening(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    const close = server.close.bind(server);
    server.close = (callback?: (error?: Error) => void) => {
      const closed = close(callback);
      resolve();
      return closed;
    };
  });
}

describe('shutting down', () => {
  test('a running request finishes, a new one on the same connection gets 503 SHUTTING_DOWN, then the database closes', async () => {
    const gate = new Gate();
    const server = await startServer({ wrap: (db) => gatedAsserts(db, gate) });
    const port = Number(new URL(server.url).port);
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

    socket.write(httpText('POST', '/v1/assertions', port, JSON.stringify(assertionBody('in-flight'))));
    await gate.waiting;
    const stoppedListening = stopsListening(server.app.server);
    const stopping = server.close();
    await stoppedListening;
    assert.equal(server.app.server.listening, false);
    socket.write(httpText('GET', '/v1/health', port));
    gate.release();
    await stopping;
    await ended;

    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [201, 503]);
    assert.match(received, /"code":"SHUTTING_DOWN"/);
    assert.throws(() => server.db.stats(), (error: unknown) => error instanceof StemeError && error.code === 'CLOSED');
  });

  test('after shutdown the port no longer accepts connections', async () => {
    const server = await startServer();
    await server.close();
    await assert.rejects(fetch(`${server.url}/v1/health`));
  });
});
