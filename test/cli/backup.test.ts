// `stemedb backup` through the real bin: copies, verifies the copy, prints both reports; the
// copy opens as --data; a taken target exits 1; `serve --backup-dir` without a token is a usage error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/temp-dir.js';
import { stemedb } from './fixtures/cli.js';
import { assertionLines } from './fixtures/records.js';

test('backup copies the database, verifies the copy, and the copy opens as a data directory', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  assert.equal(stemedb(data, ['import', '-'], { input: assertionLines(500) }).status, 0);
  const target = path.join(root, 'copy');
  const result = stemedb(data, ['backup', target, '--compact']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^backed up to .*copy in [\d.]+ s \(KV compacted\)\n {2}KV snapshot at LSN \d+; WAL LSN 0\.\.\d+: 1 segment\(s\), .*\nverify of the copy: WAL 500 records, .*; KV 500 records\nOK: no damage found\n$/);
  const stats = JSON.parse(stemedb(target, ['--json', 'stats']).stdout) as { records: { assertions: number } };
  assert.equal(stats.records.assertions, 500);
  const json = JSON.parse(stemedb(data, ['--json', 'backup', path.join(root, 'second')]).stdout) as { backup: { walEndLsn: number }; verify: { ok: boolean } };
  assert.equal(json.verify.ok, true);
  assert.ok(json.backup.walEndLsn > 0);
});

test('backup into a directory that is not empty exits 1 with BACKUP_TARGET_EXISTS', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  assert.equal(stemedb(data, ['import', '-'], { input: assertionLines(10) }).status, 0);
  fs.mkdirSync(path.join(root, 'taken'));
  fs.writeFileSync(path.join(root, 'taken', 'x'), '');
  const result = stemedb(data, ['backup', path.join(root, 'taken')]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: BACKUP_TARGET_EXISTS: /);
});

test('serve --backup-dir without a token is a usage error', (t) => {
  const root = tempDir(t);
  const result = stemedb(path.join(root, 'data'), ['serve', '--port', '0', '--backup-dir', path.join(root, 'b')]);
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /--backup-dir needs --token/);
});
