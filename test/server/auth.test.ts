// With a token, every write needs "Authorization: Bearer <token>" (401 otherwise) and reads
// stay open. The comparison hashes both sides first, so it takes the same time at any length.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StemeError } from '../../src/index.js';
import { bearerToken, tokenMatches } from '../../src/server/auth.js';
import { assertError, getJson, postJson, postText, startServer, type TestServer } from './support/server.js';
import { assertionBody, type WriteAnswer } from './support/records.js';

const token = 's3cret-token';

describe('a server with a token', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ server: { logger: false, token } });
  });
  after(async () => {
    await server.close();
  });

  test('a write without a token is 401 UNAUTHORIZED with a Bearer challenge', async () => {
    const refused = await postJson(server, '/v1/assertions', assertionBody('no-token'));
    assertError(refused, 401, 'UNAUTHORIZED');
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
  });

  test('a write with the wrong token is 401 UNAUTHORIZED', async () => {
    for (const authorization of ['Bearer wrong', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, token, 'Bearer ']) {
      assertError(await postJson(server, '/v1/epochs', { id: 1, name: 'one' }, { authorization }), 401, 'UNAUTHORIZED');
    }
  });

  test('a write with the token is 201', async () => {
    const created = await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody('with-token'), { authorization: `Bearer ${token}` });
    assert.equal(created.status, 201);
  });

  test('a retraction needs the token like any other write', async () => {
    const { body: target } = await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody('retract-with-token', 1), { authorization: `Bearer ${token}` });
    const retraction = { assertion: target.hash, source: 'http-test' };
    assertError(await postJson(server, '/v1/retractions', retraction), 401, 'UNAUTHORIZED');
    assertError(await postJson(server, '/v1/retractions', retraction, { authorization: 'Bearer wrong' }), 401, 'UNAUTHORIZED');
    assert.equal((await postJson(server, '/v1/retractions', retraction, { authorization: `Bearer ${token}` })).status, 201);
  });

  test('the scheme name is case-insensitive', async () => {
    const created = await postJson(server, '/v1/epochs', { id: 2, name: 'two' }, { authorization: `bearer ${token}` });
    assert.equal(created.status, 201);
  });

  test('a batch without the token is 401 before its body is read', async () => {
    assertError(await postText(server, '/v1/batch', 'not even json', 'application/x-ndjson'), 401, 'UNAUTHORIZED');
  });

  test('reads work without a token', async () => {
    assert.equal((await getJson(server, '/v1/health')).status, 200);
    assert.equal((await getJson(server, '/v1/stats')).status, 200);
    assert.equal((await getJson(server, '/v1/subjects/with-token/assertions')).status, 200);
    assert.equal((await getJson(server, '/v1/subjects/with-token/history')).status, 200);
    assert.equal((await getJson(server, '/v1/assertions?source=http-test')).status, 200);
    assert.equal((await getJson(server, '/v1/openapi.json')).status, 200);
  });
});

describe('configuring a token', () => {
  test('an empty token is refused with INVALID_ARGUMENT', async () => {
    await assert.rejects(startServer({ server: { logger: false, token: '' } }), (error: unknown) => error instanceof StemeError && error.code === 'INVALID_ARGUMENT');
  });
});

describe('comparing tokens', () => {
  test('equal tokens match and different ones of any length do not', () => {
    assert.equal(tokenMatches('abc', 'abc'), true);
    assert.equal(tokenMatches('abd', 'abc'), false);
    assert.equal(tokenMatches('ab', 'abc'), false);
    assert.equal(tokenMatches('', 'abc'), false);
    assert.equal(tokenMatches('abc'.repeat(1000), 'abc'), false);
  });

  test('a bearer header yields its token and any other header yields none', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('BEARER abc'), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
