// GET /metrics: Prometheus text that a standard parser reads, with counters that move when
// writes, group commits, ingest batches and HTTP requests happen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { assertionBody } from './support/records.js';
import { postJson, startServer, type TestServer } from './support/server.js';

type Families = ReturnType<typeof parsePrometheusTextFormat>;

async function scrape(server: TestServer): Promise<Families> {
  const response = await fetch(`${server.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await response.text());
}

function family(families: Families, name: string): Families[number] {
  const found = families.find((f) => f.name === name);
  assert.ok(found, `metric ${name} is exposed`);
  return found;
}

/** The value of a counter or gauge sample with exactly these labels (0 when absent). */
function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  const sample = family(families, name).metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels));
  return sample === undefined ? 0 : Number(sample.value);
}

/**
 * An unlabelled histogram's observation count. (parse-prometheus-text-format 1.1.1 keeps
 * `count` only for histograms without labels; the HTTP duration histogram is checked by type.)
 */
function count(families: Families, name: string): number {
  const [sample] = family(families, name).metrics;
  assert.ok(sample?.count !== undefined, `${name} has a count`);
  return Number(sample.count);
}

const expected: Array<[string, string]> = [
  ['stemedb_writes_total', 'COUNTER'],
  ['stemedb_write_duration_seconds', 'HISTOGRAM'],
  ['stemedb_wal_sync_duration_seconds', 'HISTOGRAM'],
  ['stemedb_wal_group_commit_records', 'HISTOGRAM'],
  ['stemedb_wal_group_commit_bytes', 'HISTOGRAM'],
  ['stemedb_wal_bytes', 'GAUGE'],
  ['stemedb_wal_segments', 'GAUGE'],
  ['stemedb_ingest_lag_bytes', 'GAUGE'],
  ['stemedb_ingest_lag_records', 'GAUGE'],
  ['stemedb_ingest_batch_records', 'HISTOGRAM'],
  ['stemedb_ingest_commit_duration_seconds', 'HISTOGRAM'],
  ['stemedb_dead_letters', 'GAUGE'],
  ['stemedb_overlay_records', 'GAUGE'],
  ['stemedb_http_requests_total', 'COUNTER'],
  ['stemedb_http_request_duration_seconds', 'HISTOGRAM'],
  ['stemedb_change_streams_open', 'GAUGE'],
  ['stemedb_change_streams_stalled_total', 'COUNTER'],
];

describe('GET /metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('parses as Prometheus text and lists every documented metric with its type', async () => {
    const families = await scrape(server);
    for (const [name, type] of expected) assert.equal(family(families, name).type, type, name);
    assert.deepEqual(families.map((f) => f.name).filter((name) => !expected.some(([e]) => e === name)), [], 'nothing undocumented (no default process metrics)');
  });

  test('counters and histograms move when writes happen', async () => {
    const start = await scrape(server);
    const first = await postJson<{ hash: string }>(server, '/v1/assertions', assertionBody('metrics', 1));
    assert.equal(first.status, 201);
    await postJson(server, '/v1/assertions', assertionBody('metrics', 2));
    const vote = await postJson(server, '/v1/votes', { assertion: first.body.hash, voter: 'ada', stance: 'support' });
    assert.equal(vote.status, 201);
    const unknown = await postJson(server, '/v1/votes', { assertion: 'f'.repeat(64), voter: 'ada', stance: 'support' });
    assert.equal(unknown.status, 404);
    await server.db.sync();
    const end = await scrape(server);

    const moved = (name: string, labels: Record<string, string>): number => value(end, name, labels) - value(start, name, labels);
    assert.equal(moved('stemedb_writes_total', { kind: 'assertion', outcome: 'ok' }), 2);
    assert.equal(moved('stemedb_writes_total', { kind: 'vote', outcome: 'ok' }), 1);
    assert.equal(moved('stemedb_writes_total', { kind: 'vote', outcome: 'UNKNOWN_ASSERTION' }), 1);
    assert.equal(count(end, 'stemedb_write_duration_seconds') - count(start, 'stemedb_write_duration_seconds'), 4);
    assert.equal(count(end, 'stemedb_wal_sync_duration_seconds') - count(start, 'stemedb_wal_sync_duration_seconds'), 3, 'one group commit per sequential write');
    assert.equal(count(end, 'stemedb_wal_group_commit_records') - count(start, 'stemedb_wal_group_commit_records'), 3);
    assert.ok(count(end, 'stemedb_ingest_batch_records') > count(start, 'stemedb_ingest_batch_records'), 'ingest batches are counted');
    assert.ok(value(end, 'stemedb_wal_bytes') > value(start, 'stemedb_wal_bytes'));
    assert.equal(value(end, 'stemedb_wal_segments'), 1);
    assert.equal(value(end, 'stemedb_ingest_lag_bytes'), 0, 'caught up after sync');
    assert.equal(moved('stemedb_http_requests_total', { method: 'POST', route: '/v1/assertions', status: '201' }), 2);
    assert.equal(moved('stemedb_http_requests_total', { method: 'POST', route: '/v1/votes', status: '404' }), 1);
    assert.equal(moved('stemedb_http_requests_total', { method: 'GET', route: '/metrics', status: '200' }), 1, 'the first scrape is counted by the second');
  });

  test('a batch counts its records by kind, and an unmatched URL is one label, not the raw path', async () => {
    const start = await scrape(server);
    const batch = [
      { type: 'assertion', ...assertionBody('batch', 1) },
      { type: 'assertion', ...assertionBody('batch', 2) },
      { type: 'epoch', id: 3, name: 'three' },
    ];
    const answer = await postJson(server, '/v1/batch', batch);
    assert.equal(answer.status, 201);
    assert.equal((await fetch(`${server.url}/no/such/${'x'.repeat(8)}`)).status, 404);
    const end = await scrape(server);
    assert.equal(value(end, 'stemedb_writes_total', { kind: 'assertion', outcome: 'ok' }) - value(start, 'stemedb_writes_total', { kind: 'assertion', outcome: 'ok' }), 2);
    assert.equal(value(end, 'stemedb_writes_total', { kind: 'epoch', outcome: 'ok' }) - value(start, 'stemedb_writes_total', { kind: 'epoch', outcome: 'ok' }), 1);
    assert.equal(value(end, 'stemedb_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }) - value(start, 'stemedb_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1);
  });

  test('two servers in one process keep their own metrics', async () => {
    const other = await startServer();
    try {
      await postJson(other, '/v1/assertions', assertionBody('other', 1));
      const mine = await scrape(server);
      const theirs = await scrape(other);
      assert.equal(value(theirs, 'stemedb_writes_total', { kind: 'assertion', outcome: 'ok' }), 1);
      assert.notEqual(value(mine, 'stemedb_writes_total', { kind: 'assertion', outcome: 'ok' }), 1);
    } finally {
      await other.close();
    }
  });
});
