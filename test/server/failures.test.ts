// Server-side failures: a closed database is 503 CLOSED; an unexpected error is 500 INTERNAL,
// logged with its stack, and its message and stack never reach the client.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { StemeDB } from '../../src/index.js';
import { assertError, getJson, postJson, startServer } from './support/server.js';
import { assertionBody } from './support/records.js';

function failingStats(db: StemeDB): StemeDB {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'stats') {
        return () => {
          throw new TypeError('gremlin in /srv/secret/path');
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('server-side failures', () => {
  test('requests to a closed database are 503 CLOSED', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    await server.db.close();
    assertError(await getJson(server, '/v1/stats'), 503, 'CLOSED');
    assertError(await getJson(server, `/v1/assertions/${'a'.repeat(64)}`), 503, 'CLOSED');
    assertError(await postJson(server, '/v1/assertions', assertionBody('late')), 503, 'CLOSED');
  });

  test('an unexpected error is 500 INTERNAL without its message, and is logged with its stack', async (t) => {
    const logLines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
        callback();
      },
    });
    const server = await startServer({ server: { logger: { level: 'info', stream } }, wrap: failingStats });
    t.after(() => server.close());

    const answer = await getJson(server, '/v1/stats');
    const error = assertError(answer, 500, 'INTERNAL');
    assert.doesNotMatch(error.message, /gremlin|secret|TypeError|at /);
    assert.match(error.message, /request/);

    const logged = logLines.map((line) => JSON.parse(line) as { level: number; err?: { message: string; stack: string } }).find((entry) => entry.err !== undefined);
    assert.ok(logged, 'the error is logged');
    assert.equal(logged.level, 50, 'at error level');
    assert.match(logged.err?.message ?? '', /gremlin/);
    assert.match(logged.err?.stack ?? '', /TypeError/);
    assert.equal((await getJson(server, '/v1/health')).status, 200, 'the server keeps serving');
  });
});
