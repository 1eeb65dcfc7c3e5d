// verify through the real bin: a clean database exits 0; a flipped bit in the middle of a
// WAL segment is damage (exit 1) and the report names the segment file and byte offset.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/temp-dir.js';
import { stemedb } from './fixtures/cli.js';
import { assertionLines } from './fixtures/records.js';

function load(data: string, count: number): void {
  const result = stemedb(data, ['import', '-'], { input: assertionLines(count) });
  assert.equal(result.status, 0, result.stderr);
}

test('verify of a clean database reports no damage and exits 0', (t) => {
  const data = tempDir(t);
  load(data, 1000);
  const result = stemedb(data, ['verify']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^WAL: 1000 records, .*\nKV: +1000 records\nOK: no damage found\n$/);
  const json = JSON.parse(stemedb(data, ['--json', 'verify']).stdout) as { ok: boolean; problems: unknown[] };
  assert.deepEqual([json.ok, json.problems], [true, []]);
});

test('verify finds a bit flipped in the middle of a WAL segment and names the file and offset', (t) => {
  const data = tempDir(t);
  load(data, 1000);
  const [segment] = fs.readdirSync(path.join(data, 'wal')).filter((name) => name.endsWith('.wal'));
  assert.ok(segment !== undefined);
  const file = path.join(data, 'wal', segment);
  const bytes = fs.readFileSync(file);
  // Flip a bit inside a record's payload (a known string), not in alignment padding.
  const at = bytes.indexOf('value-500"');
  assert.ok(at > 0);
  bytes[at + 2]! ^= 0x01;
  fs.writeFileSync(file, bytes);
  const result = stemedb(data, ['verify']);
  assert.equal(result.status, 1, result.stderr);
  const offset = new RegExp(`${segment.replace('.', '\\.')} at byte (\\d+): `).exec(result.stdout);
  assert.ok(offset, result.stdout);
  const reported = Number(offset[1]);
  assert.ok(reported <= at && reported > at - 512, `offset ${reported} should be the start of the frame holding byte ${at}`);
  assert.match(result.stdout, /^DAMAGE: 1 problem\n/m);
});
