// POST /v1/batch: a JSON array or NDJSON of typed records, logged together (all or nothing)
// and answered with one {hash, lsn} per record, in order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StemeDB, type StemeStats } from '../../src/index.js';
import { assertError, getJson, postJson, postText, startServer, type TestServer } from './support/server.js';
import { assertionBody, endLsn, type RecordAnswer, type WriteAnswer } from './support/records.js';

interface BatchAnswer {
  results: WriteAnswer[];
}

const ndjson = 'application/x-ndjson';

function lines(records: unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

describe('writing a batch', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  async function recordCount(): Promise<number> {
    const { body } = await getJson<StemeStats>(server, '/v1/stats');
    return body.records.assertions + body.records.votes + body.records.epochs + body.records.retractions;
  }

  test('a JSON array is answered 201 with one result per record, in order', async () => {
    const records = [
      { type: 'epoch', id: 3, name: 'three', createdAt: 1_700_000_000_000 },
      { type: 'assertion', ...assertionBody('batch', 1), epoch: 3 },
      { type: 'assertion', ...assertionBody('batch', 2) },
    ];
    const created = await postJson<BatchAnswer>(server, '/v1/batch', records);
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.results.map((r) => r.hash), records.map((r) => StemeDB.hashOf(r)));
    const lsns = created.body.results.map((r) => r.lsn);
    assert.deepEqual([...lsns].sort((a, b) => a - b), lsns, 'LSNs increase in batch order');
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${created.body.results[1]!.hash}`);
    assert.equal(read.body.record.epoch, 3);
  });

  test('a vote may name an assertion earlier in the same batch', async () => {
    const assertion = { type: 'assertion', ...assertionBody('batch-vote', 3) };
    const vote = { type: 'vote', assertion: StemeDB.hashOf(assertion), voter: 'bo', stance: 'oppose' };
    const created = await postJson<BatchAnswer>(server, '/v1/batch', [assertion, vote]);
    assert.equal(created.status, 201);
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${created.body.results[0]!.hash}`);
    assert.deepEqual(read.body.tally, { support: 0, oppose: 1, score: -1, voters: 1, atLsn: await endLsn(server) });
  });

  test('NDJSON is answered 201 like a JSON array', async () => {
    const records = [1, 2, 3].map((n) => ({ type: 'assertion', ...assertionBody('ndjson', n) }));
    const created = await postText<BatchAnswer>(server, '/v1/batch', lines(records), ndjson);
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.results.map((r) => r.hash), records.map((r) => StemeDB.hashOf(r)));
  });

  test('NDJSON with CRLF line ends and no final newline is accepted', async () => {
    const records = [4, 5].map((n) => ({ type: 'assertion', ...assertionBody('ndjson', n) }));
    const created = await postText<BatchAnswer>(server, '/v1/batch', records.map((r) => JSON.stringify(r)).join('\r\n'), ndjson);
    assert.equal(created.status, 201);
    assert.equal(created.body.results.length, 2);
  });

  test('an NDJSON line that is not JSON is 400 INVALID_JSON naming its line, and nothing is written', async () => {
    const count = await recordCount();
    const text = `${lines([{ type: 'assertion', ...assertionBody('bad-line', 1) }, { type: 'epoch', id: 9, name: 'nine' }])}{"type": "epoch", "id": 10,\n`;
    const error = assertError(await postText(server, '/v1/batch', text, ndjson), 400, 'INVALID_JSON');
    assert.match(error.message, /^line 3:/);
    assert.equal(await recordCount(), count);
  });

  test('a blank line inside NDJSON is 400 INVALID_JSON naming its line', async () => {
    const text = `${JSON.stringify({ type: 'epoch', id: 11, name: 'eleven' })}\n\n${JSON.stringify({ type: 'epoch', id: 12, name: 'twelve' })}\n`;
    const error = assertError(await postText(server, '/v1/batch', text, ndjson), 400, 'INVALID_JSON');
    assert.match(error.message, /^line 2:/);
  });

  test('an NDJSON line with a "__proto__" key is 400 INVALID_JSON, as it is in a JSON body', async () => {
    const text = `${JSON.stringify({ type: 'epoch', id: 14, name: 'fourteen' })}\n{"type": "epoch", "id": 15, "name": "x", "__proto__": {"admin": true}}\n`;
    const error = assertError(await postText(server, '/v1/batch', text, ndjson), 400, 'INVALID_JSON');
    assert.match(error.message, /^line 2: .*__proto__/);
    const json = `[${JSON.stringify({ type: 'epoch', id: 15, name: 'x' }).slice(0, -1)}, "__proto__": {"admin": true}}]`;
    assertError(await postText(server, '/v1/batch', json, 'application/json'), 400, 'INVALID_JSON');
  });

  test('one invalid record refuses the whole batch with 400, naming its index', async () => {
    const count = await recordCount();
    const records = [{ type: 'assertion', ...assertionBody('refused', 1) }, { type: 'vote', voter: 'ada', stance: 'support' }];
    const error = assertError(await postJson(server, '/v1/batch', records), 400, 'INVALID_REQUEST');
    assert.match(error.message, /body\[1\]/);
    assert.match(error.message, /assertion/);
    assert.equal(await recordCount(), count);
  });

  test('a record the database refuses refuses the whole batch with 400 INVALID_RECORD', async () => {
    const count = await recordCount();
    // 600 two-byte characters: within the schema's 1024 characters, over the 1024-byte limit.
    const records = [{ type: 'assertion', ...assertionBody('fine', 1) }, { type: 'assertion', ...assertionBody('é'.repeat(600), 2) }];
    const error = assertError(await postJson(server, '/v1/batch', records), 400, 'INVALID_RECORD');
    assert.match(error.message, /^\[1\]\.subject/);
    assert.equal(await recordCount(), count);
  });

  test('a vote on an unknown assertion refuses the batch with 404 UNKNOWN_ASSERTION', async () => {
    const records = [{ type: 'vote', assertion: 'e'.repeat(64), voter: 'ada', stance: 'support' }];
    assertError(await postJson(server, '/v1/batch', records), 404, 'UNKNOWN_ASSERTION');
  });

  test('a record of unknown type is 400', async () => {
    const error = assertError(await postJson(server, '/v1/batch', [{ type: 'opinion', text: 'hm' }]), 400, 'INVALID_REQUEST');
    assert.match(error.message, /type/);
  });

  test('an empty batch is 400', async () => {
    assertError(await postJson(server, '/v1/batch', []), 400, 'INVALID_REQUEST');
  });

  test('a single object instead of an array is 400', async () => {
    assertError(await postJson(server, '/v1/batch', { type: 'epoch', id: 13, name: 'thirteen' }), 400, 'INVALID_REQUEST');
  });

  test('NDJSON sent to a single-record route is 415', async () => {
    const text = lines([{ type: 'assertion', ...assertionBody('wrong-route', 1) }]);
    assertError(await postText(server, '/v1/assertions', text, ndjson), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});
