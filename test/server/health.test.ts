// /v1/health tells the truth: 200 while the node takes writes; after an ENOSPC on a WAL write
// (injected through the FileSystem seam) writes are 503 WAL_FAILED and health is 503 with the
// reason, while reads and /v1/health/live stay 200. A closed database is 503 on both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Health } from '../../src/index.js';
import { FaultyFileSystem } from '../wal/fixtures/faulty-fs.js';
import { assertError, getJson, postJson, startServer } from './support/server.js';
import { assertionBody, type WriteAnswer } from './support/records.js';

test('after an ENOSPC on a WAL write, writes and health are 503 with the reason; reads and liveness stay 200', async (t) => {
  const fileSystem = new FaultyFileSystem();
  const server = await startServer({ db: { fileSystem } });
  t.after(() => server.close());

  const ok = await getJson<Health>(server, '/v1/health');
  assert.equal(ok.status, 200);
  assert.equal(ok.body.writable, true);
  const created = await postJson<WriteAnswer>(server, '/v1/assertions', assertionBody('before'));
  assert.equal(created.status, 201);

  fileSystem.failOn('write', 'ENOSPC');
  const refused = assertError(await postJson(server, '/v1/assertions', assertionBody('during')), 503, 'WAL_FAILED');
  assert.match(refused.message, /ENOSPC/);
  assert.match(assertError(await postJson(server, '/v1/assertions', assertionBody('after')), 503, 'WAL_FAILED').message, /ENOSPC/);

  const health = await getJson<Health>(server, '/v1/health');
  assert.equal(health.status, 503);
  assert.equal(health.body.status, 'unavailable');
  assert.equal(health.body.writable, false);
  assert.equal(health.body.wal.status, 'failed');
  assert.match(health.body.wal.error ?? '', /ENOSPC/);
  assert.match(health.body.reasons[0] ?? '', /^wal failed: .*ENOSPC/);
  assert.equal(typeof health.body.disk.freeBytes, 'number');
  assert.equal(health.body.ingest.status, 'ok');

  assert.equal((await getJson(server, '/v1/health/live')).status, 200);
  assert.equal((await getJson(server, `/v1/assertions/${created.body.hash}`)).status, 200);
});

test('a closed database is 503 CLOSED on health and liveness, in the error shape', async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  await server.db.close();
  assertError(await getJson(server, '/v1/health'), 503, 'CLOSED');
  assertError(await getJson(server, '/v1/health/live'), 503, 'CLOSED');
});
