// Public answers carry no absolute path. A remote client (HTTP, MCP) sees a server-side
// error's code and message with every absolute path cut to its last component (a WAL
// segment's file name and byte offset stay: an operator needs them); /v1/health and
// /v1/stats name no directory; BACKUP_TARGET_EXISTS names the target as the client sent it.
// Checked on real answers: a damaged WAL segment read by the change feed, a backup target
// that exists, health and stats; and on the one rule every surface uses (remoteMessage).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  BackupTargetExistsError,
  InvalidRecordError,
  LockedError,
  NotAuthorError,
  remoteMessage,
  StemeDB,
  StorageError,
  WalCorruptError,
  WalFailedError,
} from '../../src/index.js';
import { toolErrorFrom } from '../../src/mcp/tool-result.js';
import { errorReply } from '../../src/server/error-reply.js';
import { createServer, shutdown } from '../../src/server/index.js';
import { tempDir } from '../support/temp-dir.js';
import { postJson, startServer } from './support/server.js';

describe('what a remote client sees of a server-side error', () => {
  const cases: Array<[string, Error, string]> = [
    ['WAL damage: the segment file and byte offset, not its directory', new WalCorruptError('/srv/stemedb/wal/0000000000000000.wal', 4100, 'payload checksum mismatch'), '0000000000000000.wal at byte 4100: payload checksum mismatch'],
    ['the lock file', new LockedError('/srv/stemedb/wal/LOCK.1234.5678', 1234), 'LOCK.1234.5678 is held by process 1234'],
    ['a backup target', new BackupTargetExistsError('/srv/backups/nightly/one'), 'one exists and is not empty; a backup goes to a new or empty directory'],
    ['the KV store', new StorageError('cannot open LMDB at /srv/stemedb/kv: Permission denied'), 'cannot open LMDB at kv: Permission denied'],
    ['an OS error quoting a path with a space', new WalFailedError("WAL write or fsync failed: EACCES: permission denied, open '/srv/my data/wal/0000000000004000.wal'"), "WAL write or fsync failed: EACCES: permission denied, open '0000000000004000.wal'"],
    ['a Windows path', new StorageError('cannot open LMDB at C:\\data\\stemedb\\kv: busy'), 'cannot open LMDB at kv: busy'],
  ];
  for (const [what, error, shown] of cases) {
    test(`${what}: HTTP and MCP show "${shown}"`, () => {
      assert.equal(errorReply(error).message, shown);
      const tool = toolErrorFrom(error, () => undefined);
      assert.equal((tool.structuredContent as { error: { message: string } }).error.message, shown);
      assert.ok(!JSON.stringify(tool).includes('/srv') && !JSON.stringify(tool).includes('C:\\\\'), JSON.stringify(tool));
    });
  }

  test('a message quoting the request is the client\'s own text and is left as it is, even when it looks like a path', () => {
    const invalid = new InvalidRecordError('subject', 'is 2000 bytes of UTF-8; the limit is 1024');
    assert.equal(remoteMessage(invalid), invalid.message);
    const notAuthor = new NotAuthorError('ab'.repeat(32), '/home/ada', '/home/bob');
    assert.equal(errorReply(notAuthor).message, notAuthor.message);
    assert.match(notAuthor.message, /"\/home\/ada"/);
  });
});

describe('answers over HTTP', () => {
  test('/v1/health and /v1/stats name no directory', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    await postJson(server, '/v1/assertions', { subject: 's', predicate: 'p', object: 1, source: 'x' });
    for (const route of ['/v1/health', '/v1/stats', '/v1/health/live']) {
      const text = await (await fetch(`${server.url}${route}`)).text();
      assert.ok(!text.includes(server.db.dir) && !text.includes(os.tmpdir()), `${route}: ${text}`);
    }
  });

  test('BACKUP_TARGET_EXISTS names the target as the client sent it, never the backup directory', async (t) => {
    const root = tempDir(t);
    const backups = path.join(root, 'backups');
    const server = await startServer({ server: { token: 't', backupDir: backups } });
    t.after(() => server.close());
    fs.mkdirSync(path.join(backups, 'nightly'), { recursive: true });
    fs.writeFileSync(path.join(backups, 'nightly', 'something'), 'x');
    const auth = { authorization: 'Bearer t' };
    for (const target of ['nightly', path.join(backups, 'nightly')]) {
      const answer = await postJson<{ error: { code: string; message: string } }>(server, '/v1/admin/backup', { target }, auth);
      assert.equal(answer.status, 409);
      assert.equal(answer.body.error.code, 'BACKUP_TARGET_EXISTS');
      assert.equal(answer.body.error.message, 'nightly exists and is not empty; a backup goes to a new or empty directory');
    }
  });

  test('WAL damage found by the change feed is WAL_CORRUPT naming the segment file and offset, not the data directory', async (t) => {
    const dir = tempDir(t);
    // Small segments, so the damaged one is sealed: open's recovery reads only the newest.
    const options = { log: () => undefined, segmentBytesMax: 64 * 1024 };
    const writer = await StemeDB.open(dir, options);
    for (let i = 0; i < 200; i++) await writer.assert({ subject: `s${i}`, predicate: 'p', object: { n: i, pad: 'x'.repeat(900), mark: `mark-${i}-mark` }, source: 'x' });
    await writer.close();
    const segments = fs.readdirSync(path.join(dir, 'wal')).filter((name) => name.endsWith('.wal')).sort();
    assert.ok(segments.length >= 3, segments.join(','));
    const file = path.join(dir, 'wal', segments[0]!);
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf('mark-3-mark');
    assert.ok(at > 0);
    bytes[at]! ^= 0x01;
    fs.writeFileSync(file, bytes);

    const db = await StemeDB.open(dir, options);
    const app = await createServer(db, { logger: false });
    t.after(() => shutdown(app, db));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const text = await (await fetch(`http://127.0.0.1:${port}/v1/changes?since=0&limit=100`, { headers: { accept: 'application/x-ndjson' } })).text();
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as { error?: { code: string; message: string } });
    const failure = lines.find((line) => line.error !== undefined)?.error;
    assert.equal(failure?.code, 'WAL_CORRUPT', text.slice(-500));
    assert.match(failure.message, new RegExp(`^${segments[0]!.replace('.', '\\.')} at byte \\d+: `));
    assert.ok(!text.includes(dir), 'no absolute path in the answer');
  });
});
