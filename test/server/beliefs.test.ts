// The worked example of docs/beliefs.md over HTTP, record by record: two epochs, four
// assertions, six votes and a retraction about city:springfield / population; then every
// number the doc gives (unscoped, epoch 1, epoch 2, as of the retraction's LSN, contested()
// and contested({ epoch: 1 })), and the bad inputs each read refuses, logging nothing.
import { assertClose, assertPair, type ExpectedCandidate, type ExpectedPair } from '../support/beliefs-example.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Beliefs, ContestedItem, Hash } from '../../src/index.js';
import { assertError, getJson, postJson, startServer, type TestServer } from './support/server.js';
import { endLsn, nothingLogged, type WriteAnswer } from './support/records.js';

const springfield = 'city:springfield';
const population = 'population';

interface ContestedPage {
  items: ContestedItem[];
  cursor?: string;
}

function beliefsPath(subject: string, query = ''): string {
  return `/v1/subjects/${encodeURIComponent(subject)}/beliefs${query}`;
}

describe('the worked example of docs/beliefs.md, over HTTP', () => {
  let server: TestServer;
  const written: Record<string, WriteAnswer> = {};

  async function created(name: string, route: string, body: unknown): Promise<WriteAnswer> {
    const answer = await postJson<WriteAnswer>(server, route, body);
    assert.equal(answer.status, 201, `${name}: ${JSON.stringify(answer.body)}`);
    written[name] = answer.body;
    return answer.body;
  }

  // Over HTTP a hash is plain text; typed as Hash here so the answers compare with Candidate.
  const hash = (name: string): Hash => written[name]!.hash as Hash;

  before(async () => {
    server = await startServer();
    await created('e1', '/v1/epochs', { id: 1, name: 'census-2010', createdAt: 1 });
    await created('e2', '/v1/epochs', { id: 2, name: 'census-2020', parent: 1, createdAt: 2 });
    const claim = (object: number, source: string, epoch: number | undefined, createdAt: number) => ({
      subject: springfield,
      predicate: population,
      object,
      source,
      ...(epoch !== undefined && { epoch }),
      createdAt,
    });
    await created('a1', '/v1/assertions', claim(30000, 'census', 1, 1));
    await created('a2', '/v1/assertions', claim(32000, 'wiki', undefined, 2));
    await created('a3', '/v1/assertions', claim(30000, 'atlas', 2, 3));
    await created('a4', '/v1/assertions', claim(35000, 'blog', 2, 4));
    await created('v1', '/v1/votes', { assertion: hash('a2'), voter: 'ada', stance: 'oppose', weight: 1, createdAt: 10 });
    await created('v2', '/v1/votes', { assertion: hash('a1'), voter: 'bob', stance: 'oppose', weight: 1, createdAt: 11 });
    await created('v3', '/v1/votes', { assertion: hash('a1'), voter: 'atlas', stance: 'support', weight: 0.5, createdAt: 12 });
    // Dated before v1 but logged after it: log order decides, v4 is ada's latest vote.
    await created('v4', '/v1/votes', { assertion: hash('a2'), voter: 'ada', stance: 'support', weight: 2, createdAt: 9 });
    await created('v6', '/v1/votes', { assertion: hash('a2'), voter: 'dan', stance: 'oppose', weight: 2, createdAt: 13, epoch: 2 });
    await created('r', '/v1/retractions', { assertion: hash('a4'), source: 'blog', createdAt: 14 });
    await created('v5', '/v1/votes', { assertion: hash('a4'), voter: 'carl', stance: 'support', weight: 1, createdAt: 15 });
    const order = ['a1', 'a2', 'a3', 'a4', 'v1', 'v2', 'v3', 'v4', 'v6', 'r', 'v5'].map((name) => written[name]!.lsn);
    assert.deepEqual(order, [...order].sort((x, y) => x - y), 'logged in the order of the doc');
  });
  after(async () => {
    await server.close();
  });

  async function beliefs(query = ''): Promise<Beliefs> {
    const answer = await getJson<Beliefs>(server, beliefsPath(springfield, query));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(Object.keys(answer.body).sort(), ['atLsn', 'predicates', 'subject']);
    assert.equal(answer.body.subject, springfield);
    assert.deepEqual(answer.body.predicates.map((p) => p.predicate), [population]);
    return answer.body;
  }

  async function contested(query = ''): Promise<ContestedPage> {
    const answer = await getJson<ContestedPage>(server, `/v1/contested${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  }

  // The candidates as the doc computes them; `assertions` are in log order.
  const c32000 = (): ExpectedCandidate => ({ object: 32000, support: 3, oppose: 2, score: 1, supporters: 2, assertions: [hash('a2')] });
  const c30000 = (): ExpectedCandidate => ({ object: 30000, support: 1.5, oppose: 1, score: 0.5, supporters: 2, assertions: [hash('a1'), hash('a3')] });
  const unscoped = (): ExpectedPair => ({ contested: true, consensus: 3 / (1.5 + 3 + 2), candidates: [c32000(), c30000()] });

  test('unscoped, now: 32000 is best (score 1) over 30000 (score 0.5); consensus 0.4615…; contested', async () => {
    const answer = await beliefs();
    assert.equal(answer.atLsn, await endLsn(server));
    assertPair(answer.predicates[0], population, unscoped(), 'unscoped');
    assert.match(String(answer.predicates[0]!.consensus), /^0\.4615/, 'consensus as the doc writes it');
  });

  test('?predicate=population answers the same; another predicate is not listed', async () => {
    assertPair((await beliefs('?predicate=population')).predicates[0], population, unscoped(), 'one predicate');
    const other = await getJson<Beliefs>(server, beliefsPath(springfield, '?predicate=area'));
    assert.equal(other.status, 200);
    assert.deepEqual(other.body.predicates, []);
  });

  test('epoch 1: a3, a4 and v6 are out of scope; 32000 scores 3, consensus 0.667, not contested', async () => {
    const answer = await beliefs('?epoch=1');
    assertPair(
      answer.predicates[0],
      population,
      {
        contested: false,
        consensus: 3 / 4.5,
        candidates: [
          { object: 32000, support: 3, oppose: 0, score: 3, supporters: 2, assertions: [hash('a2')] },
          // atlas counts as a voter only (+0.5): its own assertion a3 is out of scope.
          { object: 30000, support: 1.5, oppose: 1, score: 0.5, supporters: 2, assertions: [hash('a1')] },
        ],
      },
      'epoch 1',
    );
    assert.equal(answer.predicates[0]!.consensus.toFixed(3), '0.667', 'consensus as the doc rounds it');
  });

  test('epoch 2 (scope {2, 1}): everything is in scope, the same as unscoped', async () => {
    const scoped = await beliefs('?epoch=2');
    assertPair(scoped.predicates[0], population, unscoped(), 'epoch 2');
    assert.deepEqual(scoped, await beliefs(), 'the same answer, to the bit');
  });

  test('as of r\'s LSN: a4 is live, 35000 ties 32000 on score and loses on supporters; consensus 0.4; contested', async () => {
    const answer = await beliefs(`?asOf=${written.r!.lsn}`);
    assert.equal(answer.atLsn, written.r!.lsn);
    assertPair(
      answer.predicates[0],
      population,
      {
        contested: true,
        consensus: 3 / (3 + 1 + 1.5 + 2),
        candidates: [c32000(), { object: 35000, support: 1, oppose: 0, score: 1, supporters: 1, assertions: [hash('a4')] }, c30000()],
      },
      'as of r',
    );
    assertClose(answer.predicates[0]!.consensus, 0.4, 'consensus');
  });

  test('v5, on the retracted a4, does not count: as of v5\'s LSN and after it the answer is the same', async () => {
    const before = await beliefs(`?asOf=${written.v5!.lsn}`);
    const now = await beliefs();
    assert.deepEqual(before.predicates, now.predicates);
  });

  test('contested() lists city:springfield / population with consensus 0.4615…', async () => {
    const page = await contested();
    assert.deepEqual(Object.keys(page), ['items'], 'one page: no cursor');
    assert.equal(page.items.length, 1);
    const [item] = page.items;
    assert.deepEqual(Object.keys(item!).sort(), ['consensus', 'predicate', 'subject']);
    assert.equal(item!.subject, springfield);
    assert.equal(item!.predicate, population);
    assertClose(item!.consensus, 3 / 6.5, 'consensus');
    assert.equal(item!.consensus, (await beliefs()).predicates[0]!.consensus, 'the same number beliefs gives');
  });

  test('contested({ epoch: 1 }) lists nothing; contested({ epoch: 2 }) lists the pair', async () => {
    assert.deepEqual(await contested('?epoch=1'), { items: [] });
    const two = await contested('?epoch=2');
    assert.deepEqual(two.items.map((item) => [item.subject, item.predicate]), [[springfield, population]]);
    assertClose(two.items[0]!.consensus, 3 / 6.5, 'consensus in epoch 2');
  });

  test('an unknown epoch is 404 UNKNOWN_EPOCH on both reads, and nothing is logged', async () => {
    await nothingLogged(server, async () => {
      const error = assertError(await getJson(server, beliefsPath(springfield, '?epoch=3')), 404, 'UNKNOWN_EPOCH');
      assert.match(error.message, /3/);
      assertError(await getJson(server, '/v1/contested?epoch=3'), 404, 'UNKNOWN_EPOCH');
    });
  });

  test('an epoch that is not an epoch id (negative, fractional, text) is 400 INVALID_QUERY, like a bad asOf', async () => {
    await nothingLogged(server, async () => {
      for (const epoch of ['-1', '1.5', 'abc', '', '9007199254740993']) {
        const error = assertError(await getJson(server, beliefsPath(springfield, `?epoch=${epoch}`)), 400, 'INVALID_QUERY');
        assert.match(error.message, /epoch/, epoch);
        assertError(await getJson(server, `/v1/contested?epoch=${epoch}`), 400, 'INVALID_QUERY');
      }
    });
  });

  test('an asOf that is negative, fractional, text or beyond the end of the log is 400 INVALID_QUERY', async () => {
    await nothingLogged(server, async () => {
      const beyond = (await endLsn(server)) + 1;
      for (const asOf of ['-1', '1.5', 'abc', String(beyond)]) {
        const error = assertError(await getJson(server, beliefsPath(springfield, `?asOf=${asOf}`)), 400, 'INVALID_QUERY');
        assert.match(error.message, /asOf/, asOf);
      }
    });
  });

  test('a cursor contested did not issue is 400 INVALID_CURSOR', async () => {
    await nothingLogged(server, async () => {
      assertError(await getJson(server, '/v1/contested?cursor=abc'), 400, 'INVALID_CURSOR');
      assertError(await getJson(server, `/v1/contested?cursor=${'A'.repeat(40)}`), 400, 'INVALID_CURSOR');
      // A cursor of another query: the subject's assertions, paged one at a time.
      const other = await getJson<{ cursor?: string }>(server, `/v1/subjects/${encodeURIComponent(springfield)}/assertions?limit=1`);
      assert.ok(other.body.cursor !== undefined);
      assertError(await getJson(server, `/v1/contested?cursor=${encodeURIComponent(other.body.cursor)}`), 400, 'INVALID_CURSOR');
    });
  });

  test('a bad limit, an empty predicate or an unknown parameter is 400 INVALID_REQUEST', async () => {
    await nothingLogged(server, async () => {
      assertError(await getJson(server, '/v1/contested?limit=0'), 400, 'INVALID_REQUEST');
      assertError(await getJson(server, '/v1/contested?limit=ten'), 400, 'INVALID_REQUEST');
      assertError(await getJson(server, '/v1/contested?asOf=1'), 400, 'INVALID_REQUEST');
      assertError(await getJson(server, beliefsPath(springfield, '?predicate=')), 400, 'INVALID_REQUEST');
      assertError(await getJson(server, beliefsPath(springfield, '?colour=red')), 400, 'INVALID_REQUEST');
    });
  });
});

describe('beliefs and contested over HTTP, beyond the example', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  async function write(route: string, body: unknown): Promise<WriteAnswer> {
    const answer = await postJson<WriteAnswer>(server, route, body);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body;
  }

  test('contested pages with limit and cursor, by subject, until a page has no cursor', async () => {
    // Three pairs, each two sources for two values: tied scores, so contested.
    for (const subject of ['tie:c', 'tie:a', 'tie:b']) {
      await write('/v1/assertions', { subject, predicate: 'colour', object: 'red', source: 'one', createdAt: 1 });
      await write('/v1/assertions', { subject, predicate: 'colour', object: 'blue', source: 'two', createdAt: 1 });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await getJson<ContestedPage>(server, `/v1/contested?limit=1${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.items.length <= 1);
      seen.push(...page.body.items.map((item) => item.subject));
      cursor = page.body.cursor;
    } while (cursor !== undefined);
    assert.deepEqual(seen, ['tie:a', 'tie:b', 'tie:c']);
    // The first page's cursor is bound to its parameters: with an epoch it is another query.
    await write('/v1/epochs', { id: 7, name: 'seven', createdAt: 1 });
    const first = await getJson<ContestedPage>(server, '/v1/contested?limit=1');
    assertError(await getJson(server, `/v1/contested?epoch=7&limit=1&cursor=${encodeURIComponent(first.body.cursor!)}`), 400, 'INVALID_CURSOR');
  });

  test('a subject with "/", spaces and Unicode is one percent-encoded path segment', async () => {
    const subject = 'cities/europe/São Paulo?x=1';
    await write('/v1/assertions', { subject, predicate: 'name', object: 'São Paulo', source: 'one', createdAt: 1 });
    const answer = await getJson<Beliefs>(server, beliefsPath(subject));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.subject, subject);
    assert.deepEqual(answer.body.predicates.map((p) => [p.predicate, p.best?.object, p.consensus]), [['name', 'São Paulo', 1]]);
  });

  test('a predicate whose every assertion is taken back is listed with no candidates and best null', async () => {
    const claim = await write('/v1/assertions', { subject: 'gone:1', predicate: 'value', object: null, source: 'one', createdAt: 1 });
    await write('/v1/retractions', { assertion: claim.hash, source: 'one', createdAt: 2 });
    const answer = await getJson<Beliefs>(server, beliefsPath('gone:1'));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.predicates, [{ predicate: 'value', contested: false, consensus: 0, best: null, candidates: [], candidateCount: 0 }]);
    // As of the retraction, the null object is the best value: null is a value, not "no best".
    const before = await getJson<Beliefs>(server, beliefsPath('gone:1', `?asOf=${claim.lsn + 1}`));
    assert.deepEqual(before.body.predicates[0]!.best, { object: null, support: 1, oppose: 0, score: 1, supporters: 1, assertions: [claim.hash], assertionCount: 1 });
  });

  test('?limit=&cursor=&candidates= page the predicates and cap the candidates; out of range is 400', async () => {
    for (let i = 0; i < 3; i++) {
      for (const object of ['a', 'b', 'c']) await write('/v1/assertions', { subject: 'paged:1', predicate: `p${i}`, object, source: object, createdAt: 1 });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await getJson<Beliefs>(server, beliefsPath('paged:1', `?limit=2&candidates=1${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`));
      assert.equal(page.status, 200, JSON.stringify(page.body));
      for (const p of page.body.predicates) {
        assert.deepEqual([p.candidates.length, p.candidateCount], [1, 3]);
        seen.push(p.predicate);
      }
      cursor = page.body.cursor;
    } while (cursor !== undefined);
    assert.deepEqual(seen.sort(), ['p0', 'p1', 'p2']);
    assertError(await getJson(server, beliefsPath('paged:1', '?limit=0')), 400, 'INVALID_REQUEST');
    assertError(await getJson(server, beliefsPath('paged:1', '?candidates=101')), 400, 'INVALID_REQUEST');
    assertError(await getJson(server, beliefsPath('paged:1', '?limit=1000&candidates=100')), 400, 'INVALID_ARGUMENT');
    assertError(await getJson(server, beliefsPath('paged:1', '?cursor=AAAAAAAAAAAAAAAAAAAAAAAA')), 400, 'INVALID_CURSOR');
  });

  test('a record dated more than five minutes ahead of the server\'s clock is 400 CREATED_AT_IN_FUTURE, and nothing is logged', async () => {
    await nothingLogged(server, async () => {
      const error = assertError(await postJson(server, '/v1/assertions', { subject: 'future:1', predicate: 'p', object: 1, source: 's', createdAt: 8.64e15 }), 400, 'CREATED_AT_IN_FUTURE');
      assert.match(error.message, /ahead of the server's clock/);
    });
  });

  test('an unknown subject has no predicates', async () => {
    const answer = await getJson<Beliefs>(server, beliefsPath('nobody'));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { subject: 'nobody', atLsn: await endLsn(server), predicates: [] });
  });
});
