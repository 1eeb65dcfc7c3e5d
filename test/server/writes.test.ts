// POST /v1/assertions, /v1/votes and /v1/epochs over real HTTP: 201 {hash, lsn} once the
// record is durable and queryable, and the database's refusals with their status and code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StemeDB } from '../../src/index.js';
import { assertError, getJson, postJson, startServer, type TestServer } from './support/server.js';
import { assertionBody, endLsn, unknownHash, type RecordAnswer, type WriteAnswer } from './support/records.js';

describe('writing one record', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  test('an assertion is answered 201 with its hash and LSN, and can be read back at once', async () => {
    const body = assertionBody('water', 1);
    const created = await postJson<WriteAnswer>(server, '/v1/assertions', body);
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.body).sort(), ['hash', 'lsn']);
    assert.equal(created.body.hash, StemeDB.hashOf({ type: 'assertion', ...body }), 'the hash is the content hash');
    assert.equal(typeof created.body.lsn, 'number');
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${created.body.hash}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.record, { type: 'assertion', ...body, hash: created.body.hash, lsn: created.body.lsn, status: 'live' });
  });

  test('an assertion without createdAt gets the server clock', async () => {
    const before = Date.now();
    const created = await postJson<WriteAnswer>(server, '/v1/assertions', { subject: 'clock', predicate: 'p', object: null, source: 's' });
    assert.equal(created.status, 201);
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${created.body.hash}`);
    assert.ok(read.body.record.createdAt >= before);
    assert.equal(read.body.record.object, null, 'null is a value');
  });

  test('a vote is answered 201 and counts in the tally', async () => {
    const { body: target } = await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody('voted', 2));
    const vote = await postJson<WriteAnswer>(server, '/v1/votes', { assertion: target.hash, voter: 'ada', stance: 'support', weight: 2 });
    assert.equal(vote.status, 201);
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${target.hash}`);
    assert.deepEqual(read.body.tally, { support: 2, oppose: 0, score: 2, voters: 1, atLsn: await endLsn(server) });
  });

  test('an epoch is answered 201', async () => {
    const created = await postJson<WriteAnswer>(server, '/v1/epochs', { id: 1, name: 'census-2020', description: 'the 2020 count' });
    assert.equal(created.status, 201);
    assert.match(created.body.hash, /^[0-9a-f]{64}$/);
  });

  test('defining the same epoch again is 201 with the same hash', async () => {
    const first = await postJson<WriteAnswer>(server, '/v1/epochs', { id: 5, name: 'five' });
    const again = await postJson<WriteAnswer>(server, '/v1/epochs', { id: 5, name: 'five' });
    assert.equal(again.status, 201);
    assert.equal(again.body.hash, first.body.hash);
  });

  test('an epoch id defined with other content is 409 EPOCH_CONFLICT', async () => {
    await postJson(server, '/v1/epochs', { id: 7, name: 'seven' });
    const conflict = await postJson(server, '/v1/epochs', { id: 7, name: 'not seven' });
    assertError(conflict, 409, 'EPOCH_CONFLICT');
  });

  test('a vote on an unknown assertion is 404 UNKNOWN_ASSERTION', async () => {
    const vote = await postJson(server, '/v1/votes', { assertion: unknownHash, voter: 'ada', stance: 'oppose' });
    assertError(vote, 404, 'UNKNOWN_ASSERTION');
  });
});
