// Reading claims over time over HTTP: find (GET /v1/assertions), a subject's assertions with
// their status and its history, every read as of an LSN, and opaque cursors bound to their
// query; then each bad query answered with its code (INVALID_QUERY, INVALID_CURSOR,
// INVALID_REQUEST) while nothing is logged and the server keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, getJson, postJson, startServer, type TestServer } from './support/server.js';
import {
  endLsn,
  nothingLogged,
  subjectPath,
  unknownHash,
  type AssertionBody,
  type HistoryItemBody,
  type PageAnswer,
  type RecordAnswer,
  type VotesAnswer,
  type WriteAnswer,
} from './support/records.js';

const berlin = 'read:berlin';
const hamburg = 'read:hamburg';

async function created(server: TestServer, route: string, body: unknown): Promise<WriteAnswer> {
  const answer = await postJson<WriteAnswer>(server, route, body);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body;
}

async function page<T = AssertionBody>(server: TestServer, route: string): Promise<PageAnswer<T>> {
  const answer = await getJson<PageAnswer<T>>(server, route);
  assert.equal(answer.status, 200, `${route}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Every item of a paged read, following the cursor; `between` runs after each page. */
async function allPages<T>(server: TestServer, route: string, between: () => Promise<void> = async () => undefined): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const separator = route.includes('?') ? '&' : '?';
    const next = await page<T>(server, cursor === undefined ? route : `${route}${separator}cursor=${encodeURIComponent(cursor)}`);
    items.push(...next.items);
    cursor = next.cursor;
    pages++;
    await between();
  } while (cursor !== undefined);
  return { items, pages };
}

const hashes = (items: Array<{ hash: string }>): string[] => items.map((item) => item.hash);

describe('reading claims over time', () => {
  let server: TestServer;
  // Berlin: b1 superseded by b2 (census); m1 (wiki) voted on by ada, then retracted. Hamburg:
  // h1 (census), and s1 (wiki) whose object is the *string* "3645000".
  let b1: WriteAnswer, b2: WriteAnswer, m1: WriteAnswer, h1: WriteAnswer, s1: WriteAnswer, v1: WriteAnswer, r1: WriteAnswer;

  before(async () => {
    server = await startServer();
    b1 = await created(server, '/v1/assertions', { subject: berlin, predicate: 'population', object: 3645000, source: 'census', createdAt: 1 });
    b2 = await created(server, '/v1/assertions', { subject: berlin, predicate: 'population', object: 3677472, source: 'census', supersedes: b1.hash, createdAt: 2 });
    m1 = await created(server, '/v1/assertions', { subject: berlin, predicate: 'mayor', object: 'Wegner', source: 'wiki', createdAt: 3 });
    h1 = await created(server, '/v1/assertions', { subject: hamburg, predicate: 'population', object: 1841000, source: 'census', createdAt: 4 });
    s1 = await created(server, '/v1/assertions', { subject: hamburg, predicate: 'population', object: '3645000', source: 'wiki', createdAt: 5 });
    v1 = await created(server, '/v1/votes', { assertion: m1.hash, voter: 'ada', stance: 'support', createdAt: 6 });
    r1 = await created(server, '/v1/retractions', { assertion: m1.hash, source: 'wiki', reason: 'left office', createdAt: 7 });
  });
  after(async () => {
    await server.close();
  });

  test('find by predicate and object matches the JSON value: 3645000 the number, "3645000" the string', async () => {
    assert.deepEqual(hashes((await page(server, '/v1/assertions?predicate=population&object=3645000')).items), [], 'b1 is superseded');
    assert.deepEqual(hashes((await page(server, '/v1/assertions?predicate=population&object=3645000&includeRetracted=true')).items), [b1.hash]);
    assert.deepEqual(hashes((await page(server, `/v1/assertions?predicate=population&object=${encodeURIComponent('"3645000"')}`)).items), [s1.hash]);
  });

  test('find by source lists its live assertions in LSN order, and all of them with includeRetracted', async () => {
    assert.deepEqual(hashes((await page(server, '/v1/assertions?source=census')).items), [b2.hash, h1.hash]);
    const all = await page(server, '/v1/assertions?source=census&includeRetracted=true');
    assert.deepEqual(all.items.map((a) => [a.hash, a.status]), [[b1.hash, 'superseded'], [b2.hash, 'live'], [h1.hash, 'live']]);
  });

  test('find by predicate, alone or with subject or source, checks every field it names', async () => {
    assert.deepEqual(hashes((await page(server, '/v1/assertions?predicate=population')).items).sort(), [b2.hash, h1.hash, s1.hash].sort());
    assert.deepEqual(hashes((await page(server, `/v1/assertions?predicate=population&subject=${berlin}&includeRetracted=true`)).items).sort(), [b1.hash, b2.hash].sort());
    assert.deepEqual(hashes((await page(server, '/v1/assertions?predicate=population&source=wiki')).items), [s1.hash]);
    const retracted = await page(server, '/v1/assertions?predicate=mayor&source=wiki&includeRetracted=true');
    assert.deepEqual(retracted.items.map((a) => [a.hash, a.status, a.retractedBy]), [[m1.hash, 'retracted', r1.hash]]);
    assert.deepEqual((await page(server, '/v1/assertions?predicate=nothing')).items, []);
  });

  test('a read reports the LSN it was answered at, and ?asOf=atLsn repeats it exactly', async () => {
    const now = await page(server, '/v1/assertions?source=census&includeRetracted=true');
    assert.equal(now.atLsn, await endLsn(server));
    await created(server, '/v1/assertions', { subject: 'read:munich', predicate: 'population', object: 1488000, source: 'census', createdAt: 8 });
    assert.deepEqual(await page(server, `/v1/assertions?source=census&includeRetracted=true&asOf=${now.atLsn}`), now);
  });

  test('find as of an LSN counts only what was logged below it', async () => {
    const before = await page(server, `/v1/assertions?source=census&asOf=${b2.lsn}`);
    assert.deepEqual(before.items.map((a) => [a.hash, a.status]), [[b1.hash, 'live']]);
    assert.equal(before.atLsn, b2.lsn);
    assert.deepEqual((await page(server, '/v1/assertions?source=census&asOf=0')).items, []);
  });

  test('the assertions about a subject are its live ones, or all with their status, one predicate or all', async () => {
    assert.deepEqual(hashes((await page(server, subjectPath(berlin, 'assertions'))).items), [b2.hash]);
    const all = await page(server, subjectPath(berlin, 'assertions', '?includeRetracted=true'));
    const status = new Map(all.items.map((a) => [a.hash, [a.status, a.lsn]]));
    assert.deepEqual(Object.fromEntries(status), { [b1.hash]: ['superseded', b1.lsn], [b2.hash]: ['live', b2.lsn], [m1.hash]: ['retracted', m1.lsn] });
    const mayor = await page(server, subjectPath(berlin, 'assertions', '?predicate=mayor&includeRetracted=true'));
    assert.deepEqual(hashes(mayor.items), [m1.hash]);
    const explicit = await page(server, subjectPath(berlin, 'assertions', '?includeRetracted=false'));
    assert.deepEqual(hashes(explicit.items), [b2.hash]);
  });

  test('the assertions about a subject as of an LSN carry the status they had then', async () => {
    const then = await page(server, subjectPath(berlin, 'assertions', `?asOf=${r1.lsn}`));
    assert.deepEqual(hashes(then.items).sort(), [b2.hash, m1.hash].sort(), 'm1 was live before its retraction');
    assert.equal(then.atLsn, r1.lsn);
  });

  test('the history of a subject lists assertions, votes and retractions in LSN order, one predicate or all', async () => {
    const all = await page<HistoryItemBody>(server, subjectPath(berlin, 'history'));
    assert.deepEqual(all.items.map((item) => [item.lsn, item.type, item.hash]), [
      [b1.lsn, 'assertion', b1.hash],
      [b2.lsn, 'assertion', b2.hash],
      [m1.lsn, 'assertion', m1.hash],
      [v1.lsn, 'vote', v1.hash],
      [r1.lsn, 'retraction', r1.hash],
    ]);
    assert.deepEqual(all.items[3]!.record, { type: 'vote', assertion: m1.hash, voter: 'ada', stance: 'support', weight: 1, createdAt: 6 });
    assert.equal(all.atLsn, await endLsn(server));
    assert.deepEqual(hashes((await page<HistoryItemBody>(server, subjectPath(berlin, 'history', '?predicate=mayor'))).items), [m1.hash, v1.hash, r1.hash]);
    assert.deepEqual(hashes((await page<HistoryItemBody>(server, subjectPath(berlin, 'history', `?asOf=${v1.lsn}`))).items), [b1.hash, b2.hash, m1.hash]);
    assert.deepEqual(await page(server, subjectPath('read:nowhere', 'history')), { items: [], atLsn: await endLsn(server) });
  });

  test('the history pages with its cursor, each entry once', async () => {
    const whole = await page<HistoryItemBody>(server, subjectPath(berlin, 'history'));
    const paged = await allPages<HistoryItemBody>(server, subjectPath(berlin, 'history', '?limit=2'));
    assert.equal(paged.pages, 3);
    assert.deepEqual(paged.items, whole.items);
  });

  test('a record by hash as of an LSN: absent before it was logged, with the status and tally it had then', async () => {
    assertError(await getJson(server, `/v1/assertions/${v1.hash}?asOf=${v1.lsn}`), 404, 'NOT_FOUND');
    assert.equal((await getJson<RecordAnswer>(server, `/v1/assertions/${v1.hash}?asOf=${v1.lsn + 1}`)).body.record.type, 'vote');
    assertError(await getJson(server, `/v1/assertions/${r1.hash}?asOf=${r1.lsn}`), 404, 'NOT_FOUND');
    assertError(await getJson(server, `/v1/assertions/${m1.hash}?asOf=0`), 404, 'NOT_FOUND');
    const then = await getJson<RecordAnswer>(server, `/v1/assertions/${m1.hash}?asOf=${r1.lsn}`);
    assert.equal(then.body.record.status, 'live');
    assert.deepEqual(then.body.tally, { support: 1, oppose: 0, score: 1, voters: 1, atLsn: r1.lsn });
    const now = await getJson<RecordAnswer>(server, `/v1/assertions/${m1.hash}?asOf=${await endLsn(server)}`);
    assert.equal(now.body.record.status, 'retracted');
  });

  test('the votes on an assertion as of an LSN: none before the vote, 404 before the assertion', async () => {
    const before = await getJson<VotesAnswer>(server, `/v1/assertions/${m1.hash}/votes?asOf=${v1.lsn}`);
    assert.deepEqual(before.body, { votes: [], tally: { support: 0, oppose: 0, score: 0, voters: 0, atLsn: v1.lsn } });
    const after = await getJson<VotesAnswer>(server, `/v1/assertions/${m1.hash}/votes?asOf=${r1.lsn}`);
    assert.deepEqual(hashes(after.body.votes), [v1.hash]);
    assertError(await getJson(server, `/v1/assertions/${m1.hash}/votes?asOf=${m1.lsn}`), 404, 'NOT_FOUND');
  });

  test('find pages with its cursor: writes between pages are neither repeated nor skipped', async () => {
    const written: string[] = [];
    const write = async (n: number): Promise<void> => {
      written.push((await created(server, '/v1/assertions', { subject: `read:pager-${n}`, predicate: 'population', object: n, source: 'pager', createdAt: n })).hash);
    };
    for (let n = 0; n < 5; n++) await write(n);
    let n = 5;
    // Source order is LSN order: what is written after a page comes after it.
    const paged = await allPages<AssertionBody>(server, '/v1/assertions?source=pager&limit=2', async () => {
      if (n < 7) await write(n++);
    });
    assert.deepEqual(hashes(paged.items), written);
  });
});

describe('refusing bad queries', () => {
  let server: TestServer;
  let assertion: WriteAnswer;
  let cursor: string;
  before(async () => {
    server = await startServer();
    assertion = await created(server, '/v1/assertions', { subject: berlin, predicate: 'population', object: 1, source: 'census', createdAt: 1 });
    await created(server, '/v1/assertions', { subject: berlin, predicate: 'population', object: 2, source: 'census', createdAt: 2 });
    const first = await page(server, subjectPath(berlin, 'assertions', '?limit=1'));
    assert.ok(first.cursor !== undefined);
    cursor = encodeURIComponent(first.cursor);
  });
  after(async () => {
    await server.close();
  });

  const readRoutes = (): string[] => [
    `/v1/assertions/${assertion.hash}?`,
    `/v1/assertions/${assertion.hash}/votes?`,
    subjectPath(berlin, 'assertions', '?'),
    subjectPath(berlin, 'history', '?'),
    '/v1/assertions?predicate=population&',
  ];

  test('asOf negative, not an integer, or beyond the end of the log is 400 INVALID_QUERY on every read', async () => {
    await nothingLogged(server, async () => {
      const end = await endLsn(server);
      for (const route of readRoutes()) {
        for (const asOf of ['-1', '1.5', 'abc', '', '1e3', '0x10', String(end + 1), '9007199254740993', '99999999999999999999']) {
          const error = assertError(await getJson(server, `${route}asOf=${asOf}`), 400, 'INVALID_QUERY');
          assert.match(error.message, /asOf/, `${route}asOf=${asOf}`);
        }
        assert.equal((await getJson(server, `${route}asOf=${end}`)).status, 200, 'the end of the log is a valid asOf');
      }
    });
  });

  test('a cursor from another query, or the same query with other parameters, is 400 INVALID_CURSOR', async () => {
    await nothingLogged(server, async () => {
      const atLsn = await endLsn(server);
      for (const route of [
        subjectPath(hamburg, 'assertions', `?cursor=${cursor}`),
        subjectPath(berlin, 'assertions', `?includeRetracted=true&cursor=${cursor}`),
        subjectPath(berlin, 'assertions', `?predicate=population&cursor=${cursor}`),
        subjectPath(berlin, 'assertions', `?asOf=${atLsn}&cursor=${cursor}`),
        subjectPath(berlin, 'history', `?cursor=${cursor}`),
        `/v1/assertions?predicate=population&cursor=${cursor}`,
        subjectPath(berlin, 'assertions', `?cursor=${cursor.slice(0, 6)}`),
        subjectPath(berlin, 'assertions', '?cursor=not!a!cursor'),
      ]) {
        assertError(await getJson(server, route), 400, 'INVALID_CURSOR');
      }
      // The page size is not part of the query: any limit may follow the cursor.
      assert.equal((await getJson(server, subjectPath(berlin, 'assertions', `?limit=5&cursor=${cursor}`))).status, 200);
    });
  });

  test('find without a predicate or a source, or by object without a predicate, is 400 INVALID_QUERY', async () => {
    await nothingLogged(server, async () => {
      for (const query of ['', '?subject=read%3Aberlin', '?includeRetracted=true', '?object=1', '?source=census&object=1']) {
        assertError(await getJson(server, `/v1/assertions${query}`), 400, 'INVALID_QUERY');
      }
    });
  });

  test('an object that is not JSON text is 400 INVALID_QUERY, never a stack trace', async () => {
    await nothingLogged(server, async () => {
      for (const object of ['paris', '{', '', '[1,', '{"__proto__": {"x": 1}}', 'undefined', "'single'"]) {
        const error = assertError(await getJson(server, `/v1/assertions?predicate=population&object=${encodeURIComponent(object)}`), 400, 'INVALID_QUERY');
        assert.match(error.message, /object/);
        assert.doesNotMatch(error.message, /\n\s+at /);
      }
    });
  });

  test('a malformed parameter, an unknown one, or a flag that is not true or false is 400 INVALID_REQUEST', async () => {
    await nothingLogged(server, async () => {
      for (const route of [
        '/v1/assertions?predicate=',
        '/v1/assertions?predicate=population&includeRetracted=yes',
        '/v1/assertions?predicate=population&limit=0',
        '/v1/assertions?predicate=population&colour=red',
        subjectPath(berlin, 'assertions', '?includeRetracted=1'),
        subjectPath(berlin, 'history', '?includeRetracted=true'),
        subjectPath(berlin, 'history', '?limit=10001'),
        `/v1/assertions/${assertion.hash}?includeRetracted=true`,
      ]) {
        assertError(await getJson(server, route), 400, 'INVALID_REQUEST');
      }
    });
  });

  test('an unknown hash is 404 NOT_FOUND and a malformed one 400 INVALID_REQUEST, with or without asOf', async () => {
    await nothingLogged(server, async () => {
      assertError(await getJson(server, `/v1/assertions/${unknownHash}?asOf=0`), 404, 'NOT_FOUND');
      assertError(await getJson(server, `/v1/assertions/${unknownHash}/votes?asOf=0`), 404, 'NOT_FOUND');
      assertError(await getJson(server, `/v1/assertions/${'A'.repeat(64)}?asOf=0`), 400, 'INVALID_REQUEST');
    });
  });

  test('after all of that the server still answers', async () => {
    assert.equal((await getJson(server, '/v1/health')).status, 200);
    assert.equal((await page(server, subjectPath(berlin, 'assertions'))).items.length, 2);
  });
});
