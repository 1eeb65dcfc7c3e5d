// The read routes over real HTTP: records by hash (with tallies), votes, subjects (encoded
// with encodeURIComponent, paged with an opaque cursor), epochs, stats and health. Reads as
// of an LSN, find and history are in claims.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StemeStats } from '../../src/index.js';
import { assertError, getJson, postJson, startServer, type TestServer } from './support/server.js';
import { assertionBody, endLsn, unknownHash, type PageAnswer, type RecordAnswer, type StoredBody, type VotesAnswer, type WriteAnswer } from './support/records.js';

function subjectRoute(subject: string, query = ''): string {
  return `/v1/subjects/${encodeURIComponent(subject)}/assertions${query}`;
}

describe('reading records', () => {
  let server: TestServer;
  let assertion: string;
  let votes: string[];
  let epoch: string;

  before(async () => {
    server = await startServer();
    epoch = (await postJson<WriteAnswer>(server, '/v1/epochs', { id: 2, name: 'second', parent: 1 })).body.hash;
    assertion = (await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody('read-me', 1))).body.hash;
    votes = [];
    for (const [voter, stance, createdAt, epochId] of [['ada', 'support', 1, 2], ['bo', 'oppose', 2, undefined], ['ada', 'oppose', 3, 2]] as const) {
      const vote = { assertion, voter, stance, createdAt, ...(epochId !== undefined && { epoch: epochId }) };
      votes.push((await postJson<WriteAnswer>(server, '/v1/votes', vote)).body.hash);
    }
  });
  after(async () => {
    await server.close();
  });

  test('an assertion is returned with its tally, counting each voter\'s latest vote', async () => {
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${assertion}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.record.type, 'assertion');
    assert.equal(read.body.record.hash, assertion);
    assert.equal(read.body.record.status, 'live');
    assert.deepEqual(read.body.tally, { support: 0, oppose: 2, score: -2, voters: 2, atLsn: await endLsn(server) });
  });

  test('?epoch= restricts the tally to votes cast in that epoch', async () => {
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${assertion}?epoch=2`);
    assert.deepEqual(read.body.tally, { support: 0, oppose: 1, score: -1, voters: 1, atLsn: await endLsn(server) });
  });

  test('a vote is found by its hash, without a tally', async () => {
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${votes[0]!}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.record.type, 'vote');
    assert.equal(read.body.record.weight, 1, 'a vote without weight is stored with weight 1');
    assert.equal(read.body.tally, undefined);
  });

  test('an epoch is found by its hash', async () => {
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${epoch}`);
    assert.equal(read.body.record.type, 'epoch');
    assert.equal(read.body.record.parent, 1);
  });

  test('an unknown hash is 404 NOT_FOUND', async () => {
    assertError(await getJson(server, `/v1/assertions/${unknownHash}`), 404, 'NOT_FOUND');
  });

  test('a hash that is not 64 lowercase hex characters is 400', async () => {
    for (const bad of ['abc', assertion.toUpperCase(), `${assertion}0`, 'g'.repeat(64)]) {
      assertError(await getJson(server, `/v1/assertions/${bad}`), 400, 'INVALID_REQUEST');
    }
  });

  test('the votes on an assertion are listed oldest first, with the tally', async () => {
    const read = await getJson<VotesAnswer>(server, `/v1/assertions/${assertion}/votes`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.votes.map((v) => v.hash), votes);
    assert.deepEqual(read.body.tally, { support: 0, oppose: 2, score: -2, voters: 2, atLsn: await endLsn(server) });
  });

  test('?epoch= restricts the listed votes and the tally to that epoch', async () => {
    const read = await getJson<VotesAnswer>(server, `/v1/assertions/${assertion}/votes?epoch=2`);
    assert.deepEqual(read.body.votes.map((v) => v.hash), [votes[0], votes[2]]);
    assert.equal(read.body.tally.voters, 1);
  });

  test('votes of an unknown assertion are 404 NOT_FOUND rather than an empty list', async () => {
    assertError(await getJson(server, `/v1/assertions/${unknownHash}/votes`), 404, 'NOT_FOUND');
  });

  test('epochs are listed in id order and found by id', async () => {
    await postJson(server, '/v1/epochs', { id: 1, name: 'first' });
    const list = await getJson<{ epochs: StoredBody[] }>(server, '/v1/epochs');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.epochs.map((e) => e.id), [1, 2]);
    const one = await getJson<{ epoch: StoredBody }>(server, '/v1/epochs/2');
    assert.equal(one.status, 200);
    assert.equal(one.body.epoch.name, 'second');
    assert.equal(one.body.epoch.hash, epoch);
  });

  test('an unknown epoch id is 404 NOT_FOUND and a malformed one is 400', async () => {
    assertError(await getJson(server, '/v1/epochs/99'), 404, 'NOT_FOUND');
    for (const bad of ['-1', '1.5', 'one', '9007199254740992']) {
      assertError(await getJson(server, `/v1/epochs/${bad}`), 400, 'INVALID_REQUEST');
    }
  });

  test('stats count the records, and ingest lag drains to zero', async () => {
    let stats = await getJson<StemeStats>(server, '/v1/stats');
    assert.equal(stats.status, 200);
    // Writes are visible (from memory) before the ingest worker has committed them: the counts
    // include them at once, and the lag drains once the worker has caught up.
    assert.deepEqual(stats.body.records, { assertions: 1, votes: 3, epochs: 2, retractions: 0 });
    await server.db.sync();
    stats = await getJson<StemeStats>(server, '/v1/stats');
    assert.equal(stats.body.ingest.lagBytes, 0);
    assert.deepEqual(stats.body.records, { assertions: 1, votes: 3, epochs: 2, retractions: 0 });
    assert.ok(stats.body.wal.endLsn > 0);
  });

  test('health is 200 and writable, liveness 200', async () => {
    const health = await getJson<{ writable: boolean; wal: unknown }>(server, '/v1/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.writable, true);
    assert.deepEqual(health.body.wal, { status: 'ok' });
    const live = await getJson(server, '/v1/health/live');
    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { status: 'ok' });
  });
});

describe('reading a subject', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  for (const subject of ['cities/europe/paris', 'São Paulo', '東京都', 'a b/c?d#e&f=g%h+i', '/', 'emoji 🦀 subject']) {
    test(`the subject ${JSON.stringify(subject)} round-trips through encodeURIComponent`, async () => {
      const { body: created } = await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody(subject, 1));
      const page = await getJson<PageAnswer>(server, subjectRoute(subject));
      assert.equal(page.status, 200);
      assert.deepEqual(page.body.items.map((a) => [a.subject, a.hash]), [[subject, created.hash]]);
      assert.equal(page.body.cursor, undefined, 'one page only');
    });
  }

  test('a subject at the 1024-byte limit, three bytes a character, is served', async () => {
    const subject = '東'.repeat(341);
    const { body: created } = await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody(subject, 1));
    const page = await getJson<PageAnswer>(server, subjectRoute(subject));
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.deepEqual(page.body.items.map((a) => a.hash), [created.hash]);
  });

  test('a path parameter longer than any subject can be is 400', async () => {
    assertError(await getJson(server, subjectRoute('東'.repeat(1100))), 400, 'INVALID_REQUEST');
  });

  test('a subject with no assertions is an empty page', async () => {
    const page = await getJson<PageAnswer>(server, subjectRoute('nobody'));
    assert.equal(page.status, 200);
    assert.deepEqual(page.body, { items: [], atLsn: await endLsn(server) });
  });

  test('pages follow the opaque cursor until every assertion is seen once, in hash order within a predicate', async () => {
    const hashes: string[] = [];
    for (let n = 0; n < 7; n++) hashes.push((await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody('paged', n))).body.hash);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await getJson<PageAnswer>(server, subjectRoute('paged', `?limit=3${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`));
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 3);
      seen.push(...page.body.items.map((a) => a.hash));
      cursor = page.body.cursor;
      if (cursor !== undefined) assert.ok(!hashes.includes(cursor), 'a cursor is opaque, not the last hash');
      pages++;
    } while (cursor !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...hashes].sort());
  });

  test('a limit outside 1..10000 or not an integer is 400', async () => {
    for (const limit of ['0', '10001', '-1', '2.5', 'ten', '']) {
      assertError(await getJson(server, subjectRoute('paged', `?limit=${limit}`)), 400, 'INVALID_REQUEST');
    }
  });

  test('a cursor that no page returned is 400 INVALID_CURSOR', async () => {
    for (const cursor of ['not-a-cursor', 'a'.repeat(64), '', '%2B%2F%3D']) {
      assertError(await getJson(server, subjectRoute('paged', `?cursor=${cursor}`)), 400, 'INVALID_CURSOR');
    }
  });

  test('an unknown query parameter is 400', async () => {
    assertError(await getJson(server, subjectRoute('paged', '?limt=3')), 400, 'INVALID_REQUEST');
  });

  test('an empty subject is 400', async () => {
    assertError(await getJson(server, '/v1/subjects//assertions'), 400, 'INVALID_REQUEST');
  });
});
