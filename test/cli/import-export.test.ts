// import and export through the real bin: bulk loads, the round trip to identical hashes,
// and bad lines (abort keeps every earlier line durable; skip counts them and goes on).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/temp-dir.js';
import { ndjson, stemedb, type CliResult } from './fixtures/cli.js';
import { assertionLine, assertionLines } from './fixtures/records.js';

function ok(result: CliResult): CliResult {
  assert.equal(result.status, 0, result.stderr);
  return result;
}

function counts(data: string): Record<string, number> {
  return (JSON.parse(ok(stemedb(data, ['--json', 'stats'])).stdout) as { records: Record<string, number> }).records;
}

function hashesOf(exported: string): string[] {
  return (ndjson(exported) as Array<{ hash: string }>).map((r) => r.hash).sort();
}

test('import loads a few thousand generated lines from a file', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'input.ndjson');
  fs.writeFileSync(file, assertionLines(5000, 10));
  const data = path.join(dir, 'db');
  const result = ok(stemedb(data, ['import', file]));
  assert.match(result.stderr, /^imported 5000 records in [\d.]+ s \(\d+ records\/s\)\n$/);
  assert.deepEqual(counts(data), { assertions: 5000, votes: 0, epochs: 0, retractions: 0 });
  assert.equal(ndjson(ok(stemedb(data, ['subject', 'subject-3'])).stdout).length, 500);
});

test('import --json prints the summary as JSON on stdout', (t) => {
  const data = tempDir(t);
  const result = ok(stemedb(data, ['--json', 'import', '-'], { input: assertionLines(20) }));
  const summary = JSON.parse(result.stdout) as Record<string, number>;
  assert.equal(summary.records, 20);
  assert.equal(summary.skipped, 0);
  assert.equal(typeof summary.seconds, 'number');
  assert.equal(typeof summary.recordsPerSecond, 'number');
});

test('export then import into a fresh directory gives identical hashes', (t) => {
  const source = tempDir(t);
  ok(stemedb(source, ['import', '-'], { input: assertionLines(300) }));
  ok(stemedb(source, ['epoch', 'define', '--id', '7', '--name', 'seven']));
  const claim = ok(stemedb(source, ['assert', '--subject', 's', '--predicate', 'p', '--object', '{"deep":[1,2.5,"x",null]}', '--epoch', '7'])).stdout.trim();
  ok(stemedb(source, ['vote', '--assertion', claim, '--voter', 'v', '--stance', 'support', '--weight', '0.5']));
  ok(stemedb(source, ['vote', '--assertion', claim, '--voter', 'w', '--stance', 'oppose'])); // default weight
  ok(stemedb(source, ['epoch', 'define', '--id', '8', '--name', 'eight', '--parent', '7', '--description', 'after seven']));
  const exported = ok(stemedb(source, ['export'])).stdout;
  const kinds = (ndjson(exported) as Array<{ type: string }>).map((r) => r.type);
  assert.deepEqual([kinds[0], kinds[kinds.length - 1]], ['epoch', 'vote']); // epochs first, votes last
  const target = tempDir(t);
  ok(stemedb(target, ['import', '-'], { input: exported }));
  assert.deepEqual(hashesOf(ok(stemedb(target, ['export'])).stdout), hashesOf(exported));
  assert.equal(hashesOf(exported).length, 305);
});

test('export --kind prints only records of that kind', (t) => {
  const data = tempDir(t);
  ok(stemedb(data, ['import', '-'], { input: assertionLines(5) }));
  ok(stemedb(data, ['epoch', 'define', '--id', '1', '--name', 'one']));
  const epochs = ndjson(ok(stemedb(data, ['export', '--kind', 'epoch'])).stdout) as Array<{ type: string }>;
  assert.deepEqual(epochs.map((r) => r.type), ['epoch']);
});

test('empty lines are ignored but still counted in line numbers', (t) => {
  const data = tempDir(t);
  const input = `\n${JSON.stringify(assertionLine(1))}\n\n   \n${JSON.stringify(assertionLine(2))}\n{oops\n`;
  const result = stemedb(data, ['import', '-'], { input });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /line 6: /);
  assert.equal(counts(data).assertions, 2);
});

test('a bad line aborts the import, names the line, and every earlier line is durable', (t) => {
  const data = tempDir(t);
  const lines = assertionLines(2500).split('\n');
  lines.splice(1999, 0, JSON.stringify({ ...assertionLine(99_999), subject: '' })); // line 2000: empty subject
  const result = stemedb(data, ['import', '-'], { input: lines.join('\n') });
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  const stderr = result.stderr.trim().split('\n');
  assert.equal(stderr.length, 1, result.stderr);
  assert.match(stderr[0]!, /^stemedb: INVALID_RECORD: line 2000: subject: .*\(lines 1\.\.1999 are durable\)$/);
  assert.equal(counts(data).assertions, 1999);
});

test('a line that is not JSON aborts the import at that line', (t) => {
  const data = tempDir(t);
  const result = stemedb(data, ['import', '-'], { input: `${JSON.stringify(assertionLine(1))}\nnot json\n${JSON.stringify(assertionLine(2))}\n` });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: INVALID_RECORD: line 2: not valid JSON .*\(lines 1\.\.1 are durable\)\n$/);
  assert.equal(counts(data).assertions, 1);
});

test('a vote on an unknown assertion in the middle of a batch aborts at its line', (t) => {
  const data = tempDir(t);
  const vote = { type: 'vote', assertion: 'c'.repeat(64), voter: 'v', stance: 'support', createdAt: 1 };
  const input = `${assertionLines(10)}${JSON.stringify(vote)}\n${assertionLines(20)}`;
  const result = stemedb(data, ['import', '-'], { input });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: UNKNOWN_ASSERTION: line 11: .*\(lines 1\.\.10 are durable\)\n$/);
  assert.equal(counts(data).assertions, 10);
});

test('--on-error skip reports each bad line, goes on, and counts the skipped lines', (t) => {
  const data = tempDir(t);
  const lines = assertionLines(100).split('\n').filter((l) => l !== '');
  lines[9] = '[1, 2]';
  lines[49] = JSON.stringify({ ...assertionLine(49), type: 'rumour' });
  lines[89] = JSON.stringify({ type: 'vote', assertion: 'd'.repeat(64), voter: 'v', stance: 'oppose', createdAt: 1 });
  const result = stemedb(data, ['--json', 'import', '--on-error', 'skip', '-'], { input: lines.join('\n') });
  assert.equal(result.status, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as { records: number; skipped: number };
  assert.deepEqual([summary.records, summary.skipped], [97, 3]);
  const reported = result.stderr.trim().split('\n');
  assert.equal(reported.length, 3);
  assert.match(reported[0]!, /^stemedb: INVALID_RECORD: line 10: not a JSON object \(skipped\)$/);
  assert.match(reported[1]!, /^stemedb: INVALID_RECORD: line 50: "type" must be/);
  assert.match(reported[2]!, /^stemedb: UNKNOWN_ASSERTION: line 90: /);
  assert.equal(counts(data).assertions, 97);
});

test('a line whose hash does not match its content is a bad line', (t) => {
  const data = tempDir(t);
  const source = tempDir(t);
  ok(stemedb(source, ['import', '-'], { input: assertionLines(3) }));
  const exported = ndjson(ok(stemedb(source, ['export'])).stdout) as Array<Record<string, unknown>>;
  exported[1] = { ...exported[1], object: 'tampered' };
  const result = stemedb(data, ['import', '-'], { input: exported.map((r) => JSON.stringify(r)).join('\n') });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: INVALID_RECORD: line 2: "hash" is "[0-9a-f]{64}" but the record hashes to [0-9a-f]{64} \(lines 1\.\.1 are durable\)\n$/);
  assert.equal(counts(data).assertions, 1);
});

test('import of a missing file fails with NOT_FOUND before opening the database', (t) => {
  const dir = tempDir(t);
  const data = path.join(dir, 'db');
  const result = stemedb(data, ['import', path.join(dir, 'missing.ndjson')]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: NOT_FOUND: no such file: .*missing\.ndjson\n$/);
  assert.equal(fs.existsSync(data), false);
});
