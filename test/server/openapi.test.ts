// GET /v1/openapi.json: an OpenAPI 3.1 document generated from the route schemas. Responses
// are serialized by those schemas too, so a field a schema leaves out would be missing from
// the document (or, without additionalProperties, dropped from the answer): real answers of
// every read route are checked against the document, field by field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, postJson, startServer, type TestServer } from './support/server.js';
import { assertionBody, type WriteAnswer } from './support/records.js';

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  enum?: unknown[];
}

interface Parameter {
  name: string;
  in: string;
  schema: Schema;
  description?: string;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  security?: unknown[];
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
}

/** Every field of `value` the schema does not describe, and every required field it lacks. */
function mismatches(value: unknown, schema: Schema, at: string): string[] {
  if (Array.isArray(value)) return schema.items === undefined ? [] : value.flatMap((item, i) => mismatches(item, schema.items!, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const fields = value as Record<string, unknown>;
  if (schema.oneOf !== undefined) {
    const branch = schema.oneOf.find((option) => option.properties?.type?.enum?.includes(fields.type));
    return branch === undefined ? [`${at}: no schema for type ${JSON.stringify(fields.type)}`] : mismatches(value, branch, at);
  }
  // A schema without properties (an assertion's `object`) takes any value.
  if (schema.properties === undefined) return [];
  const problems = (schema.required ?? []).filter((name) => !(name in fields)).map((name) => `${at}.${name}: required but absent`);
  for (const [name, field] of Object.entries(fields)) {
    const described = schema.properties[name];
    if (described === undefined) problems.push(`${at}.${name}: not in the schema`);
    else problems.push(...mismatches(field, described, `${at}.${name}`));
  }
  return problems;
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

  function operation(method: string, path: string): Operation {
    const found = document.paths[path]?.[method];
    assert.ok(found, `${method.toUpperCase()} ${path} is in the document`);
    return found;
  }

  function responseSchema(method: string, path: string, status: string): Schema {
    const schema = operation(method, path).responses[status]?.content?.['application/json']?.schema;
    assert.ok(schema, `${method.toUpperCase()} ${path} documents its ${status}`);
    return schema;
  }

  test('is OpenAPI 3.1', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.info.title, 'StemeDB HTTP API');
  });

  test('lists every route with its methods', () => {
    const routes = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual(routes.sort(), [
      'GET /metrics',
      'GET /v1/assertions',
      'GET /v1/assertions/{hash}',
      'GET /v1/assertions/{hash}/votes',
      'GET /v1/changes',
      'GET /v1/contested',
      'GET /v1/epochs',
      'GET /v1/epochs/{id}',
      'GET /v1/health',
      'GET /v1/health/live',
      'GET /v1/stats',
      'GET /v1/subjects/{subject}/assertions',
      'GET /v1/subjects/{subject}/beliefs',
      'GET /v1/subjects/{subject}/history',
      'POST /v1/admin/backup',
      'POST /v1/assertions',
      'POST /v1/batch',
      'POST /v1/epochs',
      'POST /v1/retractions',
      'POST /v1/votes',
    ]);
  });

  test('documents the error responses and the token on every write', () => {
    for (const path of ['/v1/assertions', '/v1/votes', '/v1/retractions', '/v1/epochs', '/v1/batch', '/v1/admin/backup']) {
      const post = operation('post', path);
      assert.deepEqual(Object.keys(post.responses).sort(), ['201', '4XX', '5XX'], path);
      assert.deepEqual(post.security, [{ bearerAuth: [] }], path);
    }
  });

  test('says the batch route takes JSON and NDJSON', () => {
    const batch = operation('post', '/v1/batch');
    assert.deepEqual(Object.keys(batch.requestBody?.content ?? {}).sort(), ['application/json', 'application/x-ndjson']);
  });

  test('describes the retraction body, supersedes, and the retraction kind in a batch', () => {
    const retraction = operation('post', '/v1/retractions').requestBody?.content['application/json']?.schema;
    assert.deepEqual(Object.keys(retraction?.properties ?? {}).sort(), ['assertion', 'createdAt', 'reason', 'source']);
    assert.deepEqual(retraction?.required, ['assertion', 'source']);
    const assertion = operation('post', '/v1/assertions').requestBody?.content['application/json']?.schema;
    assert.ok(assertion?.properties?.supersedes, 'an assertion may name the one it supersedes');
    const batch = operation('post', '/v1/batch').requestBody?.content['application/json']?.schema;
    const kinds = batch?.items?.oneOf?.map((option) => option.properties?.type?.enum?.[0]);
    assert.deepEqual(kinds, ['assertion', 'vote', 'epoch', 'retraction']);
    assert.ok(batch?.items?.oneOf?.[0]?.properties?.supersedes, 'a batch assertion may supersede');
  });

  test('every read of claims takes ?asOf= as an integer from 0', () => {
    const reads = ['/v1/assertions', '/v1/assertions/{hash}', '/v1/assertions/{hash}/votes', '/v1/subjects/{subject}/assertions', '/v1/subjects/{subject}/history', '/v1/subjects/{subject}/beliefs'];
    for (const path of reads) {
      const asOf = operation('get', path).parameters?.find((p) => p.name === 'asOf');
      assert.equal(asOf?.in, 'query', path);
      assert.equal(asOf?.schema.type, 'integer', path);
    }
  });

  test('documents the query parameters of find, subject assertions and history', () => {
    const names = (path: string): string[] => (operation('get', path).parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort();
    assert.deepEqual(names('/v1/assertions'), ['asOf', 'cursor', 'includeRetracted', 'limit', 'object', 'predicate', 'source', 'subject']);
    assert.deepEqual(names('/v1/subjects/{subject}/assertions'), ['asOf', 'cursor', 'includeRetracted', 'limit', 'predicate']);
    assert.deepEqual(names('/v1/subjects/{subject}/history'), ['asOf', 'cursor', 'limit', 'predicate']);
  });

  test('documents the belief reads: their query parameters, the epoch as an id, best as an object or null', () => {
    const parameters = (path: string): Parameter[] => (operation('get', path).parameters ?? []).filter((p) => p.in === 'query');
    assert.deepEqual(parameters('/v1/subjects/{subject}/beliefs').map((p) => p.name).sort(), ['asOf', 'candidates', 'cursor', 'epoch', 'limit', 'predicate']);
    assert.deepEqual(parameters('/v1/contested').map((p) => p.name).sort(), ['cursor', 'epoch', 'limit']);
    for (const path of ['/v1/subjects/{subject}/beliefs', '/v1/contested']) {
      const epoch = parameters(path).find((p) => p.name === 'epoch');
      assert.equal(epoch?.schema.type, 'integer', path);
      assert.match(epoch?.description ?? '', /UNKNOWN_EPOCH/, path);
    }
    const beliefs = responseSchema('get', '/v1/subjects/{subject}/beliefs', '200');
    assert.deepEqual(beliefs.required, ['subject', 'atLsn', 'predicates']);
    const predicate = beliefs.properties?.predicates?.items;
    assert.deepEqual(predicate?.required, ['predicate', 'contested', 'consensus', 'best', 'candidates', 'candidateCount']);
    assert.deepEqual(predicate?.properties?.best?.type, ['object', 'null']);
    const candidate = predicate?.properties?.candidates?.items;
    assert.deepEqual(candidate?.required, ['object', 'support', 'oppose', 'score', 'supporters', 'assertions', 'assertionCount']);
    assert.equal(beliefs.properties?.cursor?.type, 'string', 'beliefs are paged by predicate');
    assert.deepEqual(predicate?.properties?.best?.required, candidate?.required, 'best is a candidate');
    const contested = responseSchema('get', '/v1/contested', '200');
    assert.deepEqual(contested.required, ['items'], 'contested reads the current state: no atLsn');
    assert.deepEqual(contested.properties?.items?.items?.required, ['subject', 'predicate', 'consensus']);
    assert.equal(contested.properties?.cursor?.type, 'string');
  });

  test('cursors are opaque strings, not hashes', () => {
    for (const path of ['/v1/assertions', '/v1/subjects/{subject}/assertions', '/v1/subjects/{subject}/history']) {
      const cursor = operation('get', path).parameters?.find((p) => p.name === 'cursor');
      assert.equal(cursor?.schema.type, 'string', path);
      assert.equal((cursor?.schema as { pattern?: string }).pattern, undefined, path);
      const page = responseSchema('get', path, '200');
      assert.deepEqual(page.required, ['items', 'atLsn'], path);
      assert.equal(page.properties?.cursor?.type, 'string', path);
    }
  });

  test('every field of a real answer is in the document, and every required field is in the answer', async () => {
    const subject = 'openapi:claims';
    const write = async (route: string, body: unknown): Promise<WriteAnswer> => (await postJson<WriteAnswer>(server, route, body)).body;
    const epoch = await write('/v1/epochs', { id: 1, name: 'one', description: 'the first', parent: 0 });
    const first = await write('/v1/assertions', { ...assertionBody(subject, 1), confidence: 0.5, epoch: 1 });
    const vote = await write('/v1/votes', { assertion: first.hash, voter: 'ada', stance: 'support', weight: 2, epoch: 1 });
    const second = await write('/v1/assertions', { ...assertionBody(subject, 2), supersedes: first.hash });
    const retraction = await write('/v1/retractions', { assertion: second.hash, source: 'http-test', reason: 'wrong' });
    // A contested pair (two values, one vote each way) and, above, a predicate with best null.
    const red = await write('/v1/assertions', { subject, predicate: 'colour', object: 'red', source: 'one' });
    await write('/v1/assertions', { subject, predicate: 'colour', object: { shade: 'blue' }, source: 'two' });
    await write('/v1/votes', { assertion: red.hash, voter: 'ada', stance: 'oppose', weight: 0.5 });
    const reads: Array<[string, string]> = [
      ['/v1/assertions/{hash}', `/v1/assertions/${first.hash}`],
      ['/v1/assertions/{hash}', `/v1/assertions/${second.hash}`],
      ['/v1/assertions/{hash}', `/v1/assertions/${vote.hash}`],
      ['/v1/assertions/{hash}', `/v1/assertions/${epoch.hash}`],
      ['/v1/assertions/{hash}', `/v1/assertions/${retraction.hash}`],
      ['/v1/assertions/{hash}/votes', `/v1/assertions/${first.hash}/votes`],
      ['/v1/assertions', '/v1/assertions?predicate=measure&includeRetracted=true&limit=1'],
      ['/v1/subjects/{subject}/assertions', `/v1/subjects/${encodeURIComponent(subject)}/assertions?includeRetracted=true&limit=1`],
      ['/v1/subjects/{subject}/history', `/v1/subjects/${encodeURIComponent(subject)}/history`],
      ['/v1/subjects/{subject}/beliefs', `/v1/subjects/${encodeURIComponent(subject)}/beliefs`],
      ['/v1/subjects/{subject}/beliefs', `/v1/subjects/${encodeURIComponent(subject)}/beliefs?epoch=1&asOf=${vote.lsn}`],
      ['/v1/contested', '/v1/contested'],
      ['/v1/contested', '/v1/contested?limit=1&epoch=1'],
      ['/v1/epochs', '/v1/epochs'],
      ['/v1/epochs/{id}', '/v1/epochs/1'],
      ['/v1/stats', '/v1/stats'],
      ['/v1/health', '/v1/health'],
      ['/v1/health/live', '/v1/health/live'],
    ];
    for (const [path, route] of reads) {
      const answer = await getJson(server, route);
      assert.equal(answer.status, 200, route);
      assert.deepEqual(mismatches(answer.body, responseSchema('get', path, '200'), route), []);
    }
    // The belief answers checked above hold each shape: a best that is null and one that is not, a contested pair.
    const beliefs = (await getJson<{ predicates: Array<{ predicate: string; best: unknown }> }>(server, `/v1/subjects/${encodeURIComponent(subject)}/beliefs`)).body;
    assert.deepEqual(beliefs.predicates.map((p) => [p.predicate, p.best === null]).sort(), [['colour', false], ['measure', true]]);
    const contested = (await getJson<{ items: unknown[] }>(server, '/v1/contested')).body;
    assert.equal(contested.items.length, 1);
    const batch = await postJson(server, '/v1/batch', [{ type: 'retraction', assertion: first.hash, source: 'http-test' }]);
    assert.equal(batch.status, 201);
    assert.deepEqual(mismatches(batch.body, responseSchema('post', '/v1/batch', '201'), 'batch'), []);
  });
});
