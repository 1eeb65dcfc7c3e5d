// Writing claims over time over HTTP: POST /v1/retractions, `supersedes` on POST
// /v1/assertions, and both kinds in POST /v1/batch; then every refusal of docs/claims.md
// (unknown or malformed targets, another source, another subject), each answered with its
// code while nothing is logged and the server keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StemeDB } from '../../src/index.js';
import { assertError, getJson, postJson, postText, startServer, type TestServer } from './support/server.js';
import { assertionBody, nothingLogged, unknownHash, type RecordAnswer, type WriteAnswer } from './support/records.js';

interface BatchAnswer {
  results: WriteAnswer[];
}

async function created(server: TestServer, route: string, body: unknown): Promise<WriteAnswer> {
  const answer = await postJson<WriteAnswer>(server, route, body);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body;
}

async function record(server: TestServer, hash: string): Promise<RecordAnswer['record']> {
  const read = await getJson<RecordAnswer>(server, `/v1/assertions/${hash}`);
  assert.equal(read.status, 200);
  return read.body.record;
}

describe('writing retractions and superseding assertions', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  test('a retraction is answered 201 with its content hash and LSN, and takes the assertion back', async () => {
    const target = await created(server, '/v1/assertions', assertionBody('retracted', 1));
    const body = { assertion: target.hash, source: 'http-test', reason: 'a typo', createdAt: 1_700_000_000_500 };
    const answer = await postJson<WriteAnswer>(server, '/v1/retractions', body);
    assert.equal(answer.status, 201);
    assert.deepEqual(Object.keys(answer.body).sort(), ['hash', 'lsn']);
    assert.equal(answer.body.hash, StemeDB.hashOf({ type: 'retraction', ...body }));
    assert.ok(answer.body.lsn > target.lsn);
    assert.deepEqual(await record(server, answer.body.hash), { type: 'retraction', ...body, hash: answer.body.hash });
    const taken = await record(server, target.hash);
    assert.equal(taken.status, 'retracted');
    assert.equal(taken.retractedBy, answer.body.hash);
  });

  test('a retraction without reason or createdAt gets the server clock', async () => {
    const target = await created(server, '/v1/assertions', assertionBody('retracted', 2));
    const start = Date.now();
    const answer = await created(server, '/v1/retractions', { assertion: target.hash, source: 'http-test' });
    const read = await record(server, answer.hash);
    assert.ok(read.createdAt >= start);
    assert.equal(read.reason, undefined);
  });

  test('an assertion that supersedes another is 201; the old one is superseded and the new one says what it replaces', async () => {
    const old = await created(server, '/v1/assertions', assertionBody('superseded', 1));
    const replacement = { ...assertionBody('superseded', 2), supersedes: old.hash };
    const answer = await created(server, '/v1/assertions', replacement);
    assert.equal(answer.hash, StemeDB.hashOf({ type: 'assertion', ...replacement }));
    const read = await record(server, answer.hash);
    assert.deepEqual(read, { type: 'assertion', ...replacement, hash: answer.hash, lsn: answer.lsn, status: 'live' });
    const replaced = await record(server, old.hash);
    assert.equal(replaced.status, 'superseded');
    assert.equal(replaced.supersededBy, answer.hash);
  });

  test('a batch may retract and supersede assertions earlier in the same batch', async () => {
    const first = { type: 'assertion', ...assertionBody('batch-claims', 1) };
    const second = { type: 'assertion', ...assertionBody('batch-claims', 2), supersedes: StemeDB.hashOf(first) };
    const retraction = { type: 'retraction', assertion: StemeDB.hashOf(second), source: 'http-test', reason: 'both wrong', createdAt: 1_700_000_000_900 };
    const answer = await postJson<BatchAnswer>(server, '/v1/batch', [first, second, retraction]);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.results.map((r) => r.hash), [first, second, retraction].map((r) => StemeDB.hashOf(r)));
    assert.equal((await record(server, StemeDB.hashOf(first))).status, 'superseded');
    assert.equal((await record(server, StemeDB.hashOf(second))).retractedBy, StemeDB.hashOf(retraction));
  });

  test('an NDJSON batch takes retractions too', async () => {
    const target = await created(server, '/v1/assertions', assertionBody('ndjson-claims', 1));
    const line = JSON.stringify({ type: 'retraction', assertion: target.hash, source: 'http-test' });
    const answer = await postText<BatchAnswer>(server, '/v1/batch', `${line}\n`, 'application/x-ndjson');
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal((await record(server, target.hash)).retractedBy, answer.body.results[0]!.hash);
  });
});

describe('refusing bad retractions and supersessions', () => {
  let server: TestServer;
  let target: WriteAnswer;
  before(async () => {
    server = await startServer();
    target = await created(server, '/v1/assertions', assertionBody('target', 1));
  });
  after(async () => {
    await server.close();
  });

  test('a retraction of an unknown assertion is 404 UNKNOWN_ASSERTION', async () => {
    await nothingLogged(server, async () => {
      assertError(await postJson(server, '/v1/retractions', { assertion: unknownHash, source: 'http-test' }), 404, 'UNKNOWN_ASSERTION');
    });
  });

  test('a retraction naming a malformed hash is 400 INVALID_REQUEST naming the field', async () => {
    await nothingLogged(server, async () => {
      for (const assertion of ['abc', target.hash.toUpperCase(), `${target.hash}0`, 42]) {
        const error = assertError(await postJson(server, '/v1/retractions', { assertion, source: 'http-test' }), 400, 'INVALID_REQUEST');
        assert.match(error.message, /body\.assertion/);
      }
    });
  });

  test('a retraction by another source is 403 NOT_AUTHOR', async () => {
    await nothingLogged(server, async () => {
      assertError(await postJson(server, '/v1/retractions', { assertion: target.hash, source: 'someone-else' }), 403, 'NOT_AUTHOR');
    });
  });

  test('a retraction missing its source, with an empty reason or an unknown field is 400 INVALID_REQUEST', async () => {
    await nothingLogged(server, async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ assertion: target.hash }, /"source"/],
        [{ assertion: target.hash, source: 'http-test', reason: '' }, /body\.reason/],
        [{ assertion: target.hash, source: 'http-test', stance: 'oppose' }, /"stance"/],
        [{ assertion: target.hash, source: '' }, /body\.source/],
      ];
      for (const [body, message] of cases) assert.match(assertError(await postJson(server, '/v1/retractions', body), 400, 'INVALID_REQUEST').message, message);
    });
  });

  test('superseding an unknown assertion is 404 UNKNOWN_ASSERTION; a malformed hash is 400 INVALID_REQUEST', async () => {
    await nothingLogged(server, async () => {
      assertError(await postJson(server, '/v1/assertions', { ...assertionBody('target', 2), supersedes: unknownHash }), 404, 'UNKNOWN_ASSERTION');
      const error = assertError(await postJson(server, '/v1/assertions', { ...assertionBody('target', 2), supersedes: 'not-a-hash' }), 400, 'INVALID_REQUEST');
      assert.match(error.message, /body\.supersedes/);
    });
  });

  test('superseding another source\'s assertion is 403 NOT_AUTHOR', async () => {
    await nothingLogged(server, async () => {
      assertError(await postJson(server, '/v1/assertions', { ...assertionBody('target', 2), source: 'someone-else', supersedes: target.hash }), 403, 'NOT_AUTHOR');
    });
  });

  test('superseding across subjects or predicates is 400 INVALID_RECORD at supersedes', async () => {
    await nothingLogged(server, async () => {
      for (const body of [{ ...assertionBody('elsewhere', 2), supersedes: target.hash }, { ...assertionBody('target', 2), predicate: 'other', supersedes: target.hash }]) {
        assert.match(assertError(await postJson(server, '/v1/assertions', body), 400, 'INVALID_RECORD').message, /^supersedes/);
      }
    });
  });

  test('one refused claim refuses the whole batch, and nothing of it is logged', async () => {
    await nothingLogged(server, async () => {
      const fine = { type: 'assertion', ...assertionBody('batch-refused', 1) };
      assertError(await postJson(server, '/v1/batch', [fine, { type: 'retraction', assertion: target.hash, source: 'someone-else' }]), 403, 'NOT_AUTHOR');
      assertError(await postJson(server, '/v1/batch', [fine, { type: 'retraction', assertion: unknownHash, source: 'http-test' }]), 404, 'UNKNOWN_ASSERTION');
      assertError(await postJson(server, '/v1/batch', [fine, { type: 'assertion', ...assertionBody('elsewhere', 3), supersedes: target.hash }]), 400, 'INVALID_RECORD');
      const error = assertError(await postJson(server, '/v1/batch', [fine, { type: 'retraction', assertion: target.hash }]), 400, 'INVALID_REQUEST');
      assert.match(error.message, /body\[1\] is missing the field "source"/);
    });
  });

  test('after all of that the target is still live, the server answers and the database verifies clean', async () => {
    assert.equal((await record(server, target.hash)).status, 'live');
    assert.equal((await getJson(server, '/v1/health')).status, 200);
    const report = await server.db.verify();
    assert.equal(report.ok, true, JSON.stringify(report.problems));
  });
});
