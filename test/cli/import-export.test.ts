// import and export through the real bin: bulk loads, the round trip to identical hashes
// (retractions and supersessions included), and bad lines (abort keeps every earlier line
// durable; skip counts them and goes on).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StemeDB } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { ndjson, stemedb, type CliResult } from './fixtures/cli.js';
import { assertionLine, assertionLines, createdAtMs } from './fixtures/records.js';

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

test('export then import into a fresh directory gives identical hashes, with supersessions and retractions', (t) => {
  const source = tempDir(t);
  ok(stemedb(source, ['import', '-'], { input: assertionLines(300) }));
  ok(stemedb(source, ['epoch', 'define', '--id', '7', '--name', 'seven']));
  const claim = ok(stemedb(source, ['assert', '--subject', 's', '--predicate', 'p', '--object', '{"deep":[1,2.5,"x",null]}', '--epoch', '7'])).stdout.trim();
  ok(stemedb(source, ['vote', '--assertion', claim, '--voter', 'v', '--stance', 'support', '--weight', '0.5']));
  ok(stemedb(source, ['vote', '--assertion', claim, '--voter', 'w', '--stance', 'oppose'])); // default weight
  ok(stemedb(source, ['epoch', 'define', '--id', '8', '--name', 'eight', '--parent', '7', '--description', 'after seven']));
  // A claim replaced twice, then taken back: each record names one logged before it.
  const replaced = ok(stemedb(source, ['assert', '--subject', 's', '--predicate', 'p', '--object', '2', '--source', 'cli', '--supersedes', claim])).stdout.trim();
  const latest = ok(stemedb(source, ['assert', '--subject', 's', '--predicate', 'p', '--object', '3', '--source', 'cli', '--supersedes', replaced])).stdout.trim();
  ok(stemedb(source, ['vote', '--assertion', latest, '--voter', 'v', '--stance', 'support']));
  const retraction = ok(stemedb(source, ['retract', latest, '--source', 'cli', '--reason', 'withdrawn'])).stdout.trim();
  const exported = ok(stemedb(source, ['export'])).stdout;
  const kinds = (ndjson(exported) as Array<{ type: string }>).map((r) => r.type);
  assert.deepEqual([...new Set(kinds)], ['epoch', 'assertion', 'vote', 'retraction']); // each kind in one run, in this order
  const target = tempDir(t);
  ok(stemedb(target, ['import', '-'], { input: exported }));
  assert.equal(ok(stemedb(target, ['export'])).stdout, exported);
  assert.equal(hashesOf(exported).length, 309);
  // The imported records mean the same: statuses, what replaced what, the retraction's reason.
  const statusOf = (hash: string): unknown[] => {
    const record = JSON.parse(ok(stemedb(target, ['--json', 'get', hash])).stdout) as Record<string, unknown>;
    return [record.status, record.supersededBy ?? record.retractedBy];
  };
  assert.deepEqual([statusOf(claim), statusOf(replaced), statusOf(latest)], [['superseded', replaced], ['superseded', latest], ['retracted', retraction]]);
  assert.equal((JSON.parse(ok(stemedb(target, ['--json', 'get', retraction])).stdout) as { reason: string }).reason, 'withdrawn');
  assert.equal(counts(target).retractions, 1);
});

test('export --kind prints only records of that kind', (t) => {
  const data = tempDir(t);
  ok(stemedb(data, ['import', '-'], { input: assertionLines(5) }));
  ok(stemedb(data, ['epoch', 'define', '--id', '1', '--name', 'one']));
  const epochs = ndjson(ok(stemedb(data, ['export', '--kind', 'epoch'])).stdout) as Array<{ type: string }>;
  assert.deepEqual(epochs.map((r) => r.type), ['epoch']);
});

test('export --kind retraction prints only the retractions', (t) => {
  const data = tempDir(t);
  const claim = ok(stemedb(data, ['assert', '--subject', 's', '--predicate', 'p', '--object', '1', '--source', 'x'])).stdout.trim();
  const retraction = ok(stemedb(data, ['retract', claim, '--source', 'x'])).stdout.trim();
  const exported = ndjson(ok(stemedb(data, ['export', '--kind', 'retraction'])).stdout) as Array<{ type: string; hash: string; assertion: string }>;
  assert.deepEqual(exported.map((r) => [r.type, r.hash, r.assertion]), [['retraction', retraction, claim]]);
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

/** An assertion line by `source` about `subject` (predicate p), and its hash. */
function claimLine(subject: string, source: string, object: number): { line: Record<string, unknown>; hash: string } {
  const line = { type: 'assertion', subject, predicate: 'p', object, source, createdAt: createdAtMs };
  return { line, hash: StemeDB.hashOf(line) };
}

test('a retraction by another source aborts the import at its line with NOT_AUTHOR', (t) => {
  const data = tempDir(t);
  const claim = claimLine('s', 'insee', 1);
  const retraction = { type: 'retraction', assertion: claim.hash, source: 'wikidata', createdAt: createdAtMs };
  const input = [assertionLines(3).trim(), JSON.stringify(claim.line), JSON.stringify(retraction), JSON.stringify(assertionLine(9))].join('\n');
  const result = stemedb(data, ['import', '-'], { input });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: NOT_AUTHOR: line 5: assertion [0-9a-f]{64} is by source "insee"; .*\(lines 1\.\.4 are durable\)\n$/);
  assert.deepEqual(counts(data), { assertions: 4, votes: 0, epochs: 0, retractions: 0 });
});

test('--on-error skip reports refused retractions and supersessions at their lines and keeps the rest', (t) => {
  const data = tempDir(t);
  const claim = claimLine('s', 'insee', 1);
  const records = [
    claim.line,
    { type: 'retraction', assertion: 'e'.repeat(64), source: 'insee', createdAt: createdAtMs }, // unknown assertion
    { ...claimLine('other', 'insee', 2).line, supersedes: claim.hash }, // another subject
    { ...claimLine('s', 'wikidata', 3).line, supersedes: claim.hash }, // another source
    { ...claimLine('s', 'insee', 4).line, supersedes: claim.hash }, // fine
    { type: 'retraction', assertion: claim.hash, source: 'insee', reason: 'late', createdAt: createdAtMs }, // fine: the supersession came first
  ];
  const result = stemedb(data, ['--json', 'import', '--on-error', 'skip', '-'], { input: records.map((r) => JSON.stringify(r)).join('\n') });
  assert.equal(result.status, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as { records: number; skipped: number };
  assert.deepEqual([summary.records, summary.skipped], [3, 3]);
  const reported = result.stderr.trim().split('\n');
  assert.equal(reported.length, 3, result.stderr);
  assert.match(reported[0]!, /^stemedb: UNKNOWN_ASSERTION: line 2: .*\(skipped\)$/);
  assert.match(reported[1]!, /^stemedb: INVALID_RECORD: line 3: supersedes: names an assertion about "s" \/ "p"; .*\(skipped\)$/);
  assert.match(reported[2]!, /^stemedb: NOT_AUTHOR: line 4: .*\(skipped\)$/);
  assert.deepEqual(counts(data), { assertions: 2, votes: 0, epochs: 0, retractions: 1 });
  const original = JSON.parse(ok(stemedb(data, ['--json', 'get', claim.hash])).stdout) as { status: string; supersededBy: string };
  assert.deepEqual([original.status, original.supersededBy], ['superseded', StemeDB.hashOf(records[4])]);
});
