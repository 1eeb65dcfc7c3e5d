// The worked example of docs/claims.md, row by row, over HTTP: a claim, a vote on it, a
// correction that supersedes it, and a retraction of the correction; then every read of the
// table, as of now and as of earlier LSNs, and the two writes the rules refuse.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, getJson, postJson, startServer, type TestServer } from './support/server.js';
import {
  endLsn,
  nothingLogged,
  subjectPath,
  type HistoryItemBody,
  type PageAnswer,
  type RecordAnswer,
  type VotesAnswer,
  type WriteAnswer,
} from './support/records.js';

const paris = 'city:paris';

describe('the worked example of docs/claims.md, over HTTP', () => {
  let server: TestServer;
  let a1: WriteAnswer;
  let vote: WriteAnswer;
  let a2: WriteAnswer;
  let retraction: WriteAnswer;

  async function created(route: string, body: unknown): Promise<WriteAnswer> {
    const answer = await postJson<WriteAnswer>(server, route, body);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body;
  }

  before(async () => {
    server = await startServer();
    a1 = await created('/v1/assertions', { subject: paris, predicate: 'population', object: 2148000, source: 'insee', createdAt: 1000 });
    vote = await created('/v1/votes', { assertion: a1.hash, voter: 'ada', stance: 'support', createdAt: 1100 });
    a2 = await created('/v1/assertions', { subject: paris, predicate: 'population', object: 2102650, source: 'insee', supersedes: a1.hash, createdAt: 1200 });
    retraction = await created('/v1/retractions', { assertion: a2.hash, source: 'insee', reason: 'census revision pending', createdAt: 1300 });
    assert.ok(a1.lsn < vote.lsn && vote.lsn < a2.lsn && a2.lsn < retraction.lsn, 'logged in order');
  });
  after(async () => {
    await server.close();
  });

  test('get(a1) is superseded by a2', async () => {
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${a1.hash}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.record.status, 'superseded');
    assert.equal(read.body.record.supersededBy, a2.hash);
    assert.equal(read.body.record.lsn, a1.lsn);
  });

  test('get(a1) as of the supersession\'s own LSN is live: only records below the cut count', async () => {
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${a1.hash}?asOf=${a2.lsn}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.record.status, 'live');
    assert.equal(read.body.record.supersededBy, undefined);
    assert.equal(read.body.tally?.atLsn, a2.lsn);
  });

  test('the assertions about city:paris are none: a1 is superseded, a2 retracted', async () => {
    const page = await getJson<PageAnswer>(server, subjectPath(paris, 'assertions'));
    assert.equal(page.status, 200);
    assert.deepEqual(page.body, { items: [], atLsn: await endLsn(server) });
  });

  test('as of a point between a2 and its retraction, a2 is the live assertion', async () => {
    const asOf = a2.lsn + 1;
    const page = await getJson<PageAnswer>(server, subjectPath(paris, 'assertions', `?asOf=${asOf}`));
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.items.map((a) => [a.hash, a.status, a.supersedes]), [[a2.hash, 'live', a1.hash]]);
    assert.equal(page.body.atLsn, asOf);
  });

  test('find by predicate and object with includeRetracted is [a1], superseded', async () => {
    const page = await getJson<PageAnswer>(server, '/v1/assertions?predicate=population&object=2148000&includeRetracted=true');
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.items.map((a) => [a.hash, a.status, a.supersededBy]), [[a1.hash, 'superseded', a2.hash]]);
  });

  test('the history of city:paris is a1, the vote, a2 and the retraction, in LSN order', async () => {
    const page = await getJson<PageAnswer<HistoryItemBody>>(server, subjectPath(paris, 'history'));
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.items.map((item) => [item.lsn, item.type, item.hash]), [
      [a1.lsn, 'assertion', a1.hash],
      [vote.lsn, 'vote', vote.hash],
      [a2.lsn, 'assertion', a2.hash],
      [retraction.lsn, 'retraction', retraction.hash],
    ]);
    assert.equal(page.body.items[2]!.record.supersedes, a1.hash, 'the superseding assertion says what it replaces');
    assert.equal(page.body.items[3]!.record.reason, 'census revision pending');
  });

  test('the tally of a1 as of the vote\'s LSN has no votes yet', async () => {
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${a1.hash}?asOf=${vote.lsn}`);
    assert.deepEqual(read.body.tally, { support: 0, oppose: 0, score: 0, voters: 0, atLsn: vote.lsn });
    const votes = await getJson<VotesAnswer>(server, `/v1/assertions/${a1.hash}/votes?asOf=${vote.lsn}`);
    assert.deepEqual(votes.body, { votes: [], tally: { support: 0, oppose: 0, score: 0, voters: 0, atLsn: vote.lsn } });
    const now = await getJson<VotesAnswer>(server, `/v1/assertions/${a1.hash}/votes`);
    assert.deepEqual(now.body.votes.map((v) => v.hash), [vote.hash]);
    assert.equal(now.body.tally.support, 1);
  });

  test('a retraction of a1 by wikidata is 403 NOT_AUTHOR, and nothing is logged', async () => {
    await nothingLogged(server, async () => {
      const error = assertError(await postJson(server, '/v1/retractions', { assertion: a1.hash, source: 'wikidata' }), 403, 'NOT_AUTHOR');
      assert.match(error.message, /insee/);
    });
  });

  test('an assertion about city:lyon superseding a1 is 400 INVALID_RECORD at supersedes, and nothing is logged', async () => {
    await nothingLogged(server, async () => {
      const body = { subject: 'city:lyon', predicate: 'population', object: 522250, source: 'insee', supersedes: a1.hash };
      const error = assertError(await postJson(server, '/v1/assertions', body), 400, 'INVALID_RECORD');
      assert.match(error.message, /^supersedes/);
    });
  });

  test('a second retraction of a2 is logged, and a2 stays retracted by the first', async () => {
    const again = await created('/v1/retractions', { assertion: a2.hash, source: 'insee', reason: 'census revision pending', createdAt: 1400 });
    assert.notEqual(again.hash, retraction.hash);
    const read = await getJson<RecordAnswer>(server, `/v1/assertions/${a2.hash}`);
    assert.equal(read.body.record.status, 'retracted');
    assert.equal(read.body.record.retractedBy, retraction.hash);
    const history = await getJson<PageAnswer<HistoryItemBody>>(server, subjectPath(paris, 'history'));
    assert.deepEqual(history.body.items.map((item) => item.hash).slice(-2), [retraction.hash, again.hash], 'both retractions stay in the history');
  });
});
