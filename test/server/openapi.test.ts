// GET /v1/openapi.json: an OpenAPI 3.1 document generated from the route schemas.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, startServer, type TestServer } from './support/server.js';

interface Operation {
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, unknown>;
  security?: unknown[];
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
}

describe('the OpenAPI document', () => {
  let server: TestServer;
  let document: OpenApiDocument;
  before(async () => {
    server = await startServer();
    const answer = await getJson<OpenApiDocument>(server, '/v1/openapi.json');
    assert.equal(answer.status, 200);
    document = answer.body;
  });
  after(async () => {
    await server.close();
  });

  test('is OpenAPI 3.1', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.info.title, 'StemeDB HTTP API');
  });

  test('lists every route with its methods', () => {
    const routes = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual(routes.sort(), [
      'GET /v1/assertions/{hash}',
      'GET /v1/assertions/{hash}/votes',
      'GET /v1/epochs',
      'GET /v1/epochs/{id}',
      'GET /v1/health',
      'GET /v1/stats',
      'GET /v1/subjects/{subject}/assertions',
      'POST /v1/assertions',
      'POST /v1/batch',
      'POST /v1/epochs',
      'POST /v1/votes',
    ]);
  });

  test('documents the error responses and the token on writes', () => {
    const post = document.paths['/v1/assertions']?.post;
    assert.ok(post);
    assert.deepEqual(Object.keys(post.responses).sort(), ['201', '4XX', '5XX']);
    assert.deepEqual(post.security, [{ bearerAuth: [] }]);
  });

  test('says the batch route takes JSON and NDJSON', () => {
    const batch = document.paths['/v1/batch']?.post;
    assert.deepEqual(Object.keys(batch?.requestBody?.content ?? {}).sort(), ['application/json', 'application/x-ndjson']);
  });
});
