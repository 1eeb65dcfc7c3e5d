// Rate limiting (@fastify/rate-limit) is off by default; when set, one client address may make
// `max` requests per window on every route together, and the next is 429 RATE_LIMITED in the
// error shape with Retry-After, until the window passes.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { httpRateLimitWindowMsDefault } from '../../src/limits.js';
import { assertError, getJson, postJson, startServer } from './support/server.js';

describe('rate limiting', () => {
  test('is off by default: many requests from one client, no rate headers', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    for (let i = 0; i < 200; i++) {
      const answer = await getJson(server, '/v1/stats');
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-ratelimit-limit'), null);
    }
  });

  test('past the limit, every route answers 429 RATE_LIMITED with Retry-After until the window passes', async (t) => {
    // Long enough that eight requests fit in it on a loaded machine.
    const windowMs = 4000;
    const server = await startServer({ server: { logger: false, rateLimit: { max: 5, windowMs } } });
    t.after(() => server.close());
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      const answer = await getJson(server, i % 2 === 0 ? '/v1/stats' : '/v1/health/live');
      assert.equal(answer.status, 200, `request ${i + 1} of 5`);
      assert.equal(answer.headers.get('x-ratelimit-limit'), '5');
    }
    const refused = [
      await getJson(server, '/v1/stats'),
      await postJson(server, '/v1/assertions', { subject: 's', predicate: 'p', object: 1, source: 'test' }),
      await getJson(server, '/v1/changes'),
    ];
    assert.ok(Date.now() - started < windowMs, 'the refusals came inside the window');
    for (const answer of refused) {
      assertError(answer, 429, 'RATE_LIMITED');
      const retryAfter = Number(answer.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 4, `Retry-After ${retryAfter} s`);
    }
    await sleep(windowMs + 100);
    assert.equal((await getJson(server, '/v1/stats')).status, 200, 'a new window');
  });

  test('the window is one minute unless set', () => {
    assert.equal(httpRateLimitWindowMsDefault, 60_000);
  });
});
