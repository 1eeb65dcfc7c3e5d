// Malformed and refused requests, each answered with its status and stable code in the one
// error shape; afterwards the server still answers and the database verifies clean.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, getJson, postJson, postText, startServer, type TestServer } from './support/server.js';
import { assertionBody, type WriteAnswer } from './support/records.js';

describe('refusing bad requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  test('malformed JSON is 400 INVALID_JSON', async () => {
    assertError(await postText(server, '/v1/assertions', '{"subject": "x",', 'application/json'), 400, 'INVALID_JSON');
  });

  test('an empty JSON body is 400 INVALID_JSON', async () => {
    assertError(await postText(server, '/v1/assertions', '', 'application/json'), 400, 'INVALID_JSON');
  });

  test('a JSON body that is not an object is 400 INVALID_REQUEST', async () => {
    for (const text of ['[]', '"text"', '42', 'null']) {
      assertError(await postText(server, '/v1/assertions', text, 'application/json'), 400, 'INVALID_REQUEST');
    }
  });

  test('a field of the wrong type is 400 INVALID_REQUEST naming the field, with no coercion', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['confidence', { ...assertionBody('types'), confidence: '0.5' }],
      ['subject', { ...assertionBody('types'), subject: ['types'] }],
      ['createdAt', { ...assertionBody('types'), createdAt: '1700000000000' }],
      ['createdAt', { ...assertionBody('types'), createdAt: 1.5 }],
      ['epoch', { ...assertionBody('types'), epoch: -1 }],
    ];
    for (const [field, body] of cases) {
      const error = assertError(await postJson(server, '/v1/assertions', body), 400, 'INVALID_REQUEST');
      assert.match(error.message, new RegExp(`body\\.${field}`));
    }
  });

  test('a value out of range is 400 INVALID_REQUEST', async () => {
    assertError(await postJson(server, '/v1/assertions', { ...assertionBody('range'), confidence: 1.5 }), 400, 'INVALID_REQUEST');
    assertError(await postJson(server, '/v1/votes', { assertion: 'a'.repeat(64), voter: 'v', stance: 'support', weight: 0 }), 400, 'INVALID_REQUEST');
    assertError(await postJson(server, '/v1/votes', { assertion: 'a'.repeat(64), voter: 'v', stance: 'maybe' }), 400, 'INVALID_REQUEST');
  });

  test('a missing field is 400 INVALID_REQUEST naming it', async () => {
    const { source: _source, ...body } = assertionBody('missing');
    const error = assertError(await postJson(server, '/v1/assertions', body), 400, 'INVALID_REQUEST');
    assert.match(error.message, /"source"/);
    assertError(await postJson(server, '/v1/epochs', { id: 1 }), 400, 'INVALID_REQUEST');
  });

  test('an unknown field is 400 INVALID_REQUEST naming it, not silently dropped', async () => {
    const error = assertError(await postJson(server, '/v1/assertions', { ...assertionBody('extra'), colour: 'red' }), 400, 'INVALID_REQUEST');
    assert.match(error.message, /"colour"/);
    assertError(await postJson(server, '/v1/votes', { assertion: 'a'.repeat(64), voter: 'v', stance: 'support', type: 'vote' }), 400, 'INVALID_REQUEST');
  });

  test('a record only the database can judge is 400 INVALID_RECORD', async () => {
    // 600 two-byte characters pass the schema's character count but not the 1024-byte limit.
    const error = assertError(await postJson(server, '/v1/assertions', assertionBody('é'.repeat(600))), 400, 'INVALID_RECORD');
    assert.match(error.message, /^subject/);
    // A lone surrogate is valid JSON text but not valid Unicode.
    assertError(await postText(server, '/v1/epochs', '{"id": 4, "name": "\\ud800"}', 'application/json'), 400, 'INVALID_RECORD');
  });

  test('a vote naming a malformed hash is 400', async () => {
    assertError(await postJson(server, '/v1/votes', { assertion: 'ABC', voter: 'v', stance: 'support' }), 400, 'INVALID_REQUEST');
  });

  test('a body that is neither JSON nor NDJSON is 415', async () => {
    assertError(await postText(server, '/v1/assertions', 'subject=x', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertError(await postText(server, '/v1/batch', 'hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('an unknown route is 404 NOT_FOUND', async () => {
    assertError(await getJson(server, '/v1/nothing-here'), 404, 'NOT_FOUND');
    assertError(await getJson(server, '/no-such-page'), 404, 'NOT_FOUND');
    assertError(await postJson(server, '/v1/stats', {}), 404, 'NOT_FOUND');
  });

  test('a malformed percent-escape in the path is 400', async () => {
    assertError(await getJson(server, '/v1/subjects/%E0%A4%A/assertions'), 400, 'INVALID_REQUEST');
  });

  test('after all of that the server still answers and the database verifies clean', async () => {
    const created = await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody('still-fine'));
    assert.equal(created.status, 201);
    assert.equal((await getJson(server, '/v1/health')).status, 200);
    const report = await server.db.verify();
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.deepEqual(report.problems, []);
  });
});

describe('refusing oversized requests', () => {
  const bodyLimitBytes = 4096;
  let server: TestServer;
  before(async () => {
    // A WAL record limit below the body limit, so a body can pass one limit and fail the other.
    server = await startServer({ server: { logger: false, bodyLimitBytes }, db: { recordBytesMax: 1024 } });
  });
  after(async () => {
    await server.close();
  });

  test('a body over the limit is 413 BODY_TOO_LARGE', async () => {
    const body = { ...assertionBody('big'), object: 'x'.repeat(bodyLimitBytes) };
    assertError(await postJson(server, '/v1/assertions', body), 413, 'BODY_TOO_LARGE');
  });

  test('an NDJSON batch over the limit is 413 BODY_TOO_LARGE', async () => {
    const line = `${JSON.stringify({ type: 'assertion', ...assertionBody('big') })}\n`;
    assertError(await postText(server, '/v1/batch', line.repeat(Math.ceil(bodyLimitBytes / line.length) + 1), 'application/x-ndjson'), 413, 'BODY_TOO_LARGE');
  });

  test('a record over the WAL record limit is 413 RECORD_SIZE', async () => {
    const body = { ...assertionBody('big'), object: 'x'.repeat(2048) };
    assertError(await postJson(server, '/v1/assertions', body), 413, 'RECORD_SIZE');
  });

  test('a body just under the limit is accepted, and the database verifies clean', async () => {
    const created = await postJson<WriteAnswer>(server, '/v1/assertions', { ...assertionBody('small'), object: 'x'.repeat(512) });
    assert.equal(created.status, 201);
    const report = await server.db.verify();
    assert.equal(report.ok, true, JSON.stringify(report.problems));
  });
});
