// POST /v1/admin/backup: a backup of the served database into the configured backup directory
// only, with the token; every way out of that directory is refused before anything is written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StemeDB, StemeError, type BackupReport } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { assertionBody } from './support/records.js';
import { assertError, postJson, startServer, type TestServer } from './support/server.js';

const token = 'backup-secret';
const auth = { authorization: `Bearer ${token}` };

/** The route answers the library's report, with the target relative to the backup directory instead of its path. */
type BackupAnswer = Omit<BackupReport, 'dir'> & { target: string };

describe('POST /v1/admin/backup', () => {
  let server: TestServer;
  let root: string;
  let backups: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-backups-'));
    backups = path.join(root, 'backups');
    server = await startServer({ server: { token, backupDir: backups } });
  });
  after(async () => {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('backs up into the backup directory; the copy opens, verifies and holds the writes made before', async () => {
    const hashes: string[] = [];
    for (let i = 0; i < 20; i++) hashes.push((await postJson<{ hash: string }>(server, '/v1/assertions', assertionBody('backed-up', i), auth)).body.hash);
    const answer = await postJson<BackupAnswer>(server, '/v1/admin/backup', { target: 'nightly/one' }, auth);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.target, 'nightly/one');
    assert.ok(answer.body.walEndLsn >= answer.body.kvCheckpointLsn);
    assert.equal(answer.body.compact, false);
    const copy = await StemeDB.open(path.join(backups, 'nightly', 'one'), { log: () => undefined });
    try {
      assert.equal((await copy.verify()).ok, true);
      for (const hash of hashes) assert.equal(copy.get(hash)?.type, 'assertion');
    } finally {
      await copy.close();
    }
    const compacted = await postJson<BackupAnswer>(server, '/v1/admin/backup', { target: path.join(backups, 'absolute-inside'), compact: true }, auth);
    assert.equal(compacted.status, 201, 'an absolute path inside the backup directory is fine');
    assert.equal(compacted.body.compact, true);
  });

  test('needs the token', async () => {
    assertError(await postJson(server, '/v1/admin/backup', { target: 'no-token' }), 401, 'UNAUTHORIZED');
    assert.equal(fs.existsSync(path.join(backups, 'no-token')), false);
  });

  test('a target outside the backup directory is refused: absolute, "..", or through a symlink', async () => {
    const outside = path.join(root, 'outside');
    assertError(await postJson(server, '/v1/admin/backup', { target: outside }, auth), 403, 'BACKUP_TARGET_FORBIDDEN');
    assertError(await postJson(server, '/v1/admin/backup', { target: '../outside' }, auth), 403, 'BACKUP_TARGET_FORBIDDEN');
    assertError(await postJson(server, '/v1/admin/backup', { target: 'a/../../outside' }, auth), 403, 'BACKUP_TARGET_FORBIDDEN');
    assertError(await postJson(server, '/v1/admin/backup', { target: 'a/../b' }, auth), 403, 'BACKUP_TARGET_FORBIDDEN');
    assertError(await postJson(server, '/v1/admin/backup', { target: '.' }, auth), 403, 'BACKUP_TARGET_FORBIDDEN');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(backups, 'escape'));
    assertError(await postJson(server, '/v1/admin/backup', { target: 'escape/copy' }, auth), 403, 'BACKUP_TARGET_FORBIDDEN');
    assertError(await postJson(server, '/v1/admin/backup', { target: 'escape' }, auth), 403, 'BACKUP_TARGET_FORBIDDEN');
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing was written outside');
    assertError(await postJson(server, '/v1/admin/backup', { target: 'nul\u0000byte' }, auth), 400, 'INVALID_REQUEST');
    assertError(await postJson(server, '/v1/admin/backup', { target: '' }, auth), 400, 'INVALID_REQUEST');
  });

  test('a target that exists and is not empty is 409 BACKUP_TARGET_EXISTS', async () => {
    fs.mkdirSync(path.join(backups, 'taken'), { recursive: true });
    fs.writeFileSync(path.join(backups, 'taken', 'file'), 'x');
    assertError(await postJson(server, '/v1/admin/backup', { target: 'taken' }, auth), 409, 'BACKUP_TARGET_EXISTS');
  });
});

describe('backups over HTTP are off unless configured', () => {
  test('without a backup directory the route answers 403 BACKUPS_DISABLED', async () => {
    const server = await startServer({ server: { token } });
    try {
      assertError(await postJson(server, '/v1/admin/backup', { target: 'x' }, auth), 403, 'BACKUPS_DISABLED');
    } finally {
      await server.close();
    }
  });

  test('a backup directory without a token is refused at start', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-backup-notoken-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const db = await StemeDB.open(path.join(dir, 'data'), { log: () => undefined });
    try {
      await assert.rejects(createServer(db, { logger: false, backupDir: path.join(dir, 'b') }), (error: unknown) => error instanceof StemeError && error.code === 'INVALID_ARGUMENT');
    } finally {
      await db.close();
    }
  });
});
