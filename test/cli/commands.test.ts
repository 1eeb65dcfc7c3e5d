// The everyday commands, run through the real bin: assert, vote, epoch, get, subject, votes,
// stats, rebuild. Each test gets a fresh data directory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../support/temp-dir.js';
import { ndjson, stemedb } from './fixtures/cli.js';

const hashPattern = /^[0-9a-f]{64}$/;

function assertOk(data: string, args: string[]): string {
  const result = stemedb(data, args);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

function assertHash(data: string, args: string[]): string {
  const hash = assertOk(data, args).trim();
  assert.match(hash, hashPattern);
  return hash;
}

/** The end of the log: the LSN a read without --as-of is answered at (a tally's atLsn). */
function endLsn(data: string): number {
  return (JSON.parse(assertOk(data, ['--json', 'stats'])) as { wal: { endLsn: number } }).wal.endLsn;
}

test('assert prints the new assertion hash, and get prints the assertion with its LSN, status and tally', (t) => {
  const data = tempDir(t);
  const hash = assertHash(data, ['assert', '--subject', 'city:paris', '--predicate', 'population', '--object', '2148000', '--confidence', '0.9']);
  const record = JSON.parse(assertOk(data, ['get', hash])) as Record<string, unknown>;
  assert.equal(record.type, 'assertion');
  assert.equal(record.hash, hash);
  assert.equal(record.object, 2148000);
  assert.equal(record.confidence, 0.9);
  assert.equal(record.status, 'live');
  assert.equal(typeof record.lsn, 'number');
  assert.deepEqual(record.tally, { support: 0, oppose: 0, score: 0, voters: 0, atLsn: endLsn(data) });
});

test('assert takes --object as JSON when it is valid JSON, else as a string', (t) => {
  const data = tempDir(t);
  const values = ['Paris', '"42"', '42', 'true', '{"lat":48.85,"lon":2.35}'];
  values.forEach((value, i) => assertHash(data, ['assert', '--subject', 's', '--predicate', `p${i}`, '--object', value]));
  const stored = ndjson(assertOk(data, ['subject', 's'])) as Array<{ predicate: string; object: unknown }>;
  const objectOf = (i: number): unknown => stored.find((a) => a.predicate === `p${i}`)?.object;
  assert.equal(objectOf(0), 'Paris');
  assert.equal(objectOf(1), '42');
  assert.equal(objectOf(2), 42);
  assert.equal(objectOf(3), true);
  assert.deepEqual(objectOf(4), { lat: 48.85, lon: 2.35 });
});

test('assert records "cli" as the source unless --source is given', (t) => {
  const data = tempDir(t);
  const plain = assertHash(data, ['assert', '--subject', 's', '--predicate', 'p', '--object', '1']);
  const sourced = assertHash(data, ['assert', '--subject', 's', '--predicate', 'p', '--object', '1', '--source', 'census']);
  assert.equal((JSON.parse(assertOk(data, ['get', plain])) as { source: string }).source, 'cli');
  assert.equal((JSON.parse(assertOk(data, ['get', sourced])) as { source: string }).source, 'census');
});

test('assert --json prints the hash and LSN as one JSON line', (t) => {
  const data = tempDir(t);
  const out = JSON.parse(assertOk(data, ['--json', 'assert', '--subject', 's', '--predicate', 'p', '--object', '1'])) as { hash: string; lsn: number };
  assert.match(out.hash, hashPattern);
  assert.equal(typeof out.lsn, 'number');
});

test('vote prints the vote hash, and votes lists the votes then the tally', (t) => {
  const data = tempDir(t);
  const claim = assertHash(data, ['assert', '--subject', 's', '--predicate', 'p', '--object', '1']);
  const first = assertHash(data, ['vote', '--assertion', claim, '--voter', 'alice', '--stance', 'support', '--weight', '2']);
  assertHash(data, ['vote', '--assertion', claim, '--voter', 'bob', '--stance', 'oppose']);
  const lines = ndjson(assertOk(data, ['votes', claim])) as Array<Record<string, unknown>>;
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.slice(0, 2).map((v) => v.voter).sort(), ['alice', 'bob']);
  assert.ok(lines.slice(0, 2).some((v) => v.hash === first));
  assert.deepEqual(lines[2], { tally: { support: 2, oppose: 1, score: 1, voters: 2, atLsn: endLsn(data) } });
  const vote = JSON.parse(assertOk(data, ['get', first])) as Record<string, unknown>;
  assert.equal(vote.type, 'vote');
  assert.equal(vote.assertion, claim);
});

test('vote on an unknown assertion fails with UNKNOWN_ASSERTION and exit 1', (t) => {
  const data = tempDir(t);
  const result = stemedb(data, ['vote', '--assertion', 'a'.repeat(64), '--voter', 'v', '--stance', 'support']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: UNKNOWN_ASSERTION: /);
});

test('epoch define prints a hash, is idempotent, and epoch list shows the epoch', (t) => {
  const data = tempDir(t);
  const hash = assertHash(data, ['epoch', 'define', '--id', '1', '--name', 'first', '--description', 'the first one']);
  assert.equal(assertHash(data, ['epoch', 'define', '--id', '1', '--name', 'first', '--description', 'the first one']), hash);
  assertHash(data, ['epoch', 'define', '--id', '2', '--name', 'second', '--parent', '1']);
  const listed = assertOk(data, ['epoch', 'list']).trim().split('\n');
  assert.equal(listed.length, 2);
  assert.match(listed[0]!, new RegExp(`^1\\tfirst\\t-\\t${hash}$`));
  assert.match(listed[1]!, /^2\tsecond\tparent 1\t/);
  const json = ndjson(assertOk(data, ['--json', 'epoch', 'list'])) as Array<Record<string, unknown>>;
  assert.deepEqual(json.map((e) => [e.id, e.name, e.hash === hash]), [[1, 'first', true], [2, 'second', false]]);
});

test('epoch define of a known id with other content fails with EPOCH_CONFLICT', (t) => {
  const data = tempDir(t);
  assertHash(data, ['epoch', 'define', '--id', '1', '--name', 'first']);
  const result = stemedb(data, ['epoch', 'define', '--id', '1', '--name', 'other']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: EPOCH_CONFLICT: .*\n$/);
});

test('get of a hash that is not stored fails with NOT_FOUND and exit 1', (t) => {
  const data = tempDir(t);
  const result = stemedb(data, ['get', 'b'.repeat(64)]);
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, `stemedb: NOT_FOUND: no record with hash ${'b'.repeat(64)}\n`);
});

test('subject prints one assertion per line with its hash and status; --limit caps them, --predicate narrows them', (t) => {
  const data = tempDir(t);
  const hashes = [1, 2, 3].map((n) => assertHash(data, ['assert', '--subject', 'city:lyon', '--predicate', `p${n}`, '--object', String(n)]));
  assertHash(data, ['assert', '--subject', 'city:nice', '--predicate', 'p', '--object', '0']);
  const lines = ndjson(assertOk(data, ['subject', 'city:lyon'])) as Array<{ hash: string; subject: string; status: string }>;
  assert.deepEqual(lines.map((l) => l.hash).sort(), [...hashes].sort());
  assert.ok(lines.every((l) => l.subject === 'city:lyon' && l.status === 'live'));
  const limited = ndjson(assertOk(data, ['subject', 'city:lyon', '--limit', '2'])) as Array<{ hash: string }>;
  assert.deepEqual(limited.map((l) => l.hash), lines.slice(0, 2).map((l) => l.hash));
  assert.equal(assertOk(data, ['subject', 'city:nowhere']), '');
  const p2 = ndjson(assertOk(data, ['subject', 'city:lyon', '--predicate', 'p2'])) as Array<{ hash: string }>;
  assert.deepEqual(p2.map((l) => l.hash), [hashes[1]]);
});

test('stats counts the records, in words and with --json', (t) => {
  const data = tempDir(t);
  const claim = assertHash(data, ['assert', '--subject', 's', '--predicate', 'p', '--object', '1']);
  assertHash(data, ['vote', '--assertion', claim, '--voter', 'v', '--stance', 'support']);
  const stats = JSON.parse(assertOk(data, ['stats', '--json'])) as { records: Record<string, number> };
  assert.deepEqual(stats.records, { assertions: 1, votes: 1, epochs: 0, retractions: 0 });
  assert.match(assertOk(data, ['stats']), /assertions: +1\n/);
});

test('rebuild drops the KV store and rebuilds every record from the WAL', (t) => {
  const data = tempDir(t);
  const claim = assertHash(data, ['assert', '--subject', 's', '--predicate', 'p', '--object', '1']);
  assertHash(data, ['vote', '--assertion', claim, '--voter', 'v', '--stance', 'oppose']);
  assert.match(assertOk(data, ['rebuild']), /^rebuilt the KV store from the WAL: 2 records in /);
  assert.equal((JSON.parse(assertOk(data, ['get', claim])) as { tally: { oppose: number } }).tally.oppose, 1);
});

test('the global --data option takes precedence over STEMEDB_DATA', (t) => {
  const data = tempDir(t);
  const other = tempDir(t);
  const hash = assertHash(data, ['--data', other, 'assert', '--subject', 's', '--predicate', 'p', '--object', '1']);
  assert.equal(stemedb(data, ['get', hash]).status, 1);
  assert.equal(stemedb(other, ['get', hash]).status, 0);
});
