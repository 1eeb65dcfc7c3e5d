// Claims over time through the real bin (docs/claims.md): retract, assert --supersedes, find,
// history and --as-of on every read, the errors each ends in, and the worked example of
// docs/claims.md step by step. Each test gets a fresh data directory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageLimitMax } from '../../src/limits.js';
import { tempDir } from '../support/temp-dir.js';
import { failsWith as fails, ndjson, stemedb, succeeds as ok } from './fixtures/cli.js';
import { assertionLines } from './fixtures/records.js';

interface Written {
  hash: string;
  lsn: number;
}

type Json = Record<string, unknown>;


/** Runs a write with --json and returns its hash and LSN. */
function write(data: string, args: string[]): Written {
  return JSON.parse(ok(data, ['--json', ...args])) as Written;
}

function getJson(data: string, hash: string, extra: string[] = []): Json {
  return JSON.parse(ok(data, ['get', hash, ...extra])) as Json;
}

function lines(data: string, args: string[]): Json[] {
  return ndjson(ok(data, args)) as Json[];
}


function endLsn(data: string): number {
  return (JSON.parse(ok(data, ['--json', 'stats'])) as { wal: { endLsn: number } }).wal.endLsn;
}

const paris = ['--subject', 'city:paris', '--predicate', 'population'];

test("docs/claims.md's worked example, over the command line", (t) => {
  const data = tempDir(t);
  const a1 = write(data, ['assert', ...paris, '--object', '2148000', '--source', 'insee']);
  const vote = write(data, ['vote', '--assertion', a1.hash, '--voter', 'ada', '--stance', 'support']);
  const a2 = write(data, ['assert', ...paris, '--object', '2102650', '--source', 'insee', '--supersedes', a1.hash]);
  const retraction = write(data, ['retract', a2.hash, '--source', 'insee', '--reason', 'census revision pending']);
  assert.ok(a1.lsn < vote.lsn && vote.lsn < a2.lsn && a2.lsn < retraction.lsn);

  // get(a1): superseded by a2; as of a2's LSN (not below it) still live.
  assert.deepEqual(pick(getJson(data, a1.hash), 'status', 'supersededBy'), { status: 'superseded', supersededBy: a2.hash });
  assert.deepEqual(pick(getJson(data, a1.hash, ['--as-of', String(a2.lsn)]), 'status', 'supersededBy'), { status: 'live' });
  // assertionsAbout: a1 superseded, a2 retracted; between a2 and the retraction, a2 was live.
  assert.equal(ok(data, ['subject', 'city:paris']), '');
  const then = lines(data, ['subject', 'city:paris', '--as-of', String(a2.lsn + 1)]);
  assert.deepEqual(then.map((a) => [a.hash, a.status]), [[a2.hash, 'live']]);
  // find by the old value, including the ones no longer live.
  const found = lines(data, ['find', '--predicate', 'population', '--object', '2148000', '--include-retracted']);
  assert.deepEqual(found.map((a) => [a.hash, a.status]), [[a1.hash, 'superseded']]);
  // history: all four, in log order.
  const history = lines(data, ['history', 'city:paris']);
  assert.deepEqual(history.map((item) => [item.lsn, item.type, item.hash]), [
    [a1.lsn, 'assertion', a1.hash],
    [vote.lsn, 'vote', vote.hash],
    [a2.lsn, 'assertion', a2.hash],
    [retraction.lsn, 'retraction', retraction.hash],
  ]);
  assert.equal((history[2]!.record as Json).supersedes, a1.hash);
  assert.equal((history[3]!.record as Json).reason, 'census revision pending');
  // tally(a1) as of the vote's LSN: no votes yet.
  const zero = { support: 0, oppose: 0, score: 0, voters: 0, atLsn: vote.lsn };
  assert.deepEqual(lines(data, ['votes', a1.hash, '--as-of', String(vote.lsn)]), [{ tally: zero }]);
  assert.deepEqual(getJson(data, a1.hash, ['--as-of', String(vote.lsn)]).tally, zero);
  // Refused writes log nothing.
  const end = endLsn(data);
  assert.match(fails(data, ['retract', a1.hash, '--source', 'wikidata'], 'NOT_AUTHOR'), /only its author may/);
  const lyon = ['assert', '--subject', 'city:lyon', '--predicate', 'population', '--object', '1', '--source', 'insee', '--supersedes', a1.hash];
  assert.match(fails(data, lyon, 'INVALID_RECORD'), /INVALID_RECORD: supersedes: /);
  assert.equal(endLsn(data), end);
  // A second retraction of a2 is logged, but the first one decides.
  const again = write(data, ['retract', a2.hash, '--source', 'insee']);
  assert.notEqual(again.hash, retraction.hash);
  assert.ok(again.lsn >= end);
  assert.deepEqual(pick(getJson(data, a2.hash), 'status', 'retractedBy'), { status: 'retracted', retractedBy: retraction.hash });
  assert.deepEqual(lines(data, ['history', 'city:paris']).map((item) => item.hash).slice(-2), [retraction.hash, again.hash]);
});

function pick(record: Json, ...names: string[]): Json {
  return Object.fromEntries(names.filter((name) => record[name] !== undefined).map((name) => [name, record[name]]));
}

test('retract prints the retraction hash; get shows the assertion retracted and the retraction with its reason', (t) => {
  const data = tempDir(t);
  const claim = ok(data, ['assert', ...paris, '--object', '1', '--source', 'insee']).trim();
  const retraction = ok(data, ['retract', claim, '--source', 'insee', '--reason', 'typo']).trim();
  assert.match(retraction, /^[0-9a-f]{64}$/);
  const assertion = getJson(data, claim);
  assert.deepEqual(pick(assertion, 'status', 'retractedBy'), { status: 'retracted', retractedBy: retraction });
  assert.equal(typeof assertion.lsn, 'number');
  assert.deepEqual(pick(getJson(data, retraction), 'type', 'assertion', 'source', 'reason', 'hash'), { type: 'retraction', assertion: claim, source: 'insee', reason: 'typo', hash: retraction });
  // The subject lists live assertions only, unless asked for all.
  assert.equal(ok(data, ['subject', 'city:paris']), '');
  assert.deepEqual(lines(data, ['subject', 'city:paris', '--include-retracted']).map((a) => [a.hash, a.status, a.retractedBy]), [[claim, 'retracted', retraction]]);
  // stats counts it, in words and with --json.
  assert.match(ok(data, ['stats']), /\nretractions: +1\n/);
  assert.equal((JSON.parse(ok(data, ['--json', 'stats'])) as { records: Json }).records.retractions, 1);
});

test('retract --json prints the hash and LSN as one JSON line', (t) => {
  const data = tempDir(t);
  const claim = write(data, ['assert', ...paris, '--object', '1', '--source', 'insee']);
  const retraction = write(data, ['retract', claim.hash, '--source', 'insee']);
  assert.match(retraction.hash, /^[0-9a-f]{64}$/);
  assert.ok(retraction.lsn > claim.lsn);
});

test('retract by another source fails with NOT_AUTHOR, exit 1, and logs nothing', (t) => {
  const data = tempDir(t);
  const claim = ok(data, ['assert', ...paris, '--object', '1', '--source', 'insee']).trim();
  const end = endLsn(data);
  const message = fails(data, ['retract', claim, '--source', 'wikidata', '--reason', 'wrong'], 'NOT_AUTHOR');
  assert.match(message, new RegExp(`assertion ${claim} is by source "insee"; only its author may retract or supersede it, not "wikidata"`));
  assert.equal(endLsn(data), end);
  assert.equal(getJson(data, claim).status, 'live');
});

test('retract of a hash that is not a stored assertion fails with UNKNOWN_ASSERTION', (t) => {
  const data = tempDir(t);
  fails(data, ['retract', 'c'.repeat(64), '--source', 'insee'], 'UNKNOWN_ASSERTION');
  const claim = ok(data, ['assert', ...paris, '--object', '1', '--source', 'insee']).trim();
  const vote = ok(data, ['vote', '--assertion', claim, '--voter', 'ada', '--stance', 'support']).trim();
  assert.match(fails(data, ['retract', vote, '--source', 'insee'], 'UNKNOWN_ASSERTION'), new RegExp(vote));
});

test('assert --supersedes replaces an assertion: the subject lists the new one, and get names it', (t) => {
  const data = tempDir(t);
  const old = ok(data, ['assert', ...paris, '--object', '2148000', '--source', 'insee']).trim();
  const replacement = write(data, ['assert', ...paris, '--object', '2102650', '--source', 'insee', '--supersedes', old]);
  assert.deepEqual(pick(getJson(data, old), 'status', 'supersededBy'), { status: 'superseded', supersededBy: replacement.hash });
  const current = getJson(data, replacement.hash);
  assert.deepEqual(pick(current, 'status', 'supersedes', 'lsn'), { status: 'live', supersedes: old, lsn: replacement.lsn });
  assert.deepEqual(lines(data, ['subject', 'city:paris']).map((a) => a.hash), [replacement.hash]);
});

test('assert --supersedes is refused for an unknown assertion, another source, or another subject or predicate', (t) => {
  const data = tempDir(t);
  const old = ok(data, ['assert', ...paris, '--object', '1', '--source', 'insee']).trim();
  const end = endLsn(data);
  fails(data, ['assert', ...paris, '--object', '2', '--source', 'insee', '--supersedes', 'd'.repeat(64)], 'UNKNOWN_ASSERTION');
  fails(data, ['assert', ...paris, '--object', '2', '--source', 'wikidata', '--supersedes', old], 'NOT_AUTHOR');
  const otherSubject = ['assert', '--subject', 'city:lyon', '--predicate', 'population', '--object', '2', '--source', 'insee', '--supersedes', old];
  assert.match(fails(data, otherSubject, 'INVALID_RECORD'), /supersedes: names an assertion about "city:paris" \/ "population"/);
  const otherPredicate = ['assert', '--subject', 'city:paris', '--predicate', 'area', '--object', '2', '--source', 'insee', '--supersedes', old];
  assert.match(fails(data, otherPredicate, 'INVALID_RECORD'), /supersedes: /);
  assert.equal(endLsn(data), end);
  assert.equal(getJson(data, old).status, 'live');
});

test('find --object matches the JSON value exactly: 42 and "42" are different values', (t) => {
  const data = tempDir(t);
  const number = ok(data, ['assert', '--subject', 's1', '--predicate', 'code', '--object', '42']).trim();
  const text = ok(data, ['assert', '--subject', 's2', '--predicate', 'code', '--object', '"42"']).trim();
  const object = ok(data, ['assert', '--subject', 's3', '--predicate', 'code', '--object', '{"b":2,"a":1}']).trim();
  ok(data, ['assert', '--subject', 's4', '--predicate', 'other', '--object', '42']);
  assert.deepEqual(lines(data, ['find', '--predicate', 'code', '--object', '42']).map((a) => a.hash), [number]);
  assert.deepEqual(lines(data, ['find', '--predicate', 'code', '--object', '"42"']).map((a) => a.hash), [text]);
  // Compared by canonical JSON: the order of an object's keys does not matter.
  assert.deepEqual(lines(data, ['find', '--predicate', 'code', '--object', '{"a":1,"b":2}']).map((a) => a.hash), [object]);
  const all = lines(data, ['find', '--predicate', 'code']);
  assert.deepEqual(all.map((a) => a.hash).sort(), [number, text, object].sort());
  assert.ok(all.every((a) => a.status === 'live' && typeof a.lsn === 'number'));
  assert.equal(ok(data, ['find', '--predicate', 'code', '--object', '43']), '');
});

test('find by --source, by --subject with --predicate, and --limit', (t) => {
  const data = tempDir(t);
  const insee = [1, 2, 3].map((n) => ok(data, ['assert', '--subject', `city:${n}`, '--predicate', 'population', '--object', String(n), '--source', 'insee']).trim());
  const wiki = ok(data, ['assert', '--subject', 'city:1', '--predicate', 'population', '--object', '9', '--source', 'wikidata']).trim();
  // By source: in log order.
  assert.deepEqual(lines(data, ['find', '--source', 'insee']).map((a) => a.hash), insee);
  assert.deepEqual(lines(data, ['find', '--source', 'insee', '--limit', '2']).map((a) => a.hash), insee.slice(0, 2));
  const about = lines(data, ['find', '--predicate', 'population', '--subject', 'city:1']).map((a) => a.hash);
  assert.deepEqual(about.sort(), [insee[0]!, wiki].sort());
  assert.deepEqual(lines(data, ['find', '--predicate', 'population', '--subject', 'city:1', '--source', 'wikidata']).map((a) => a.hash), [wiki]);
});

test('find shows retracted and superseded assertions only with --include-retracted, each with its status', (t) => {
  const data = tempDir(t);
  const kept = ok(data, ['assert', '--subject', 'a', '--predicate', 'p', '--object', '1', '--source', 'src']).trim();
  const retracted = ok(data, ['assert', '--subject', 'b', '--predicate', 'p', '--object', '1', '--source', 'src']).trim();
  const old = ok(data, ['assert', '--subject', 'c', '--predicate', 'p', '--object', '1', '--source', 'src']).trim();
  const retraction = ok(data, ['retract', retracted, '--source', 'src']).trim();
  const replacement = ok(data, ['assert', '--subject', 'c', '--predicate', 'p', '--object', '2', '--source', 'src', '--supersedes', old]).trim();
  assert.deepEqual(lines(data, ['find', '--predicate', 'p', '--object', '1']).map((a) => a.hash), [kept]);
  const all = lines(data, ['find', '--predicate', 'p', '--object', '1', '--include-retracted']);
  const statusOf = new Map(all.map((a) => [a.hash, [a.status, a.retractedBy ?? a.supersededBy ?? null]]));
  assert.deepEqual(statusOf, new Map([[kept, ['live', null]], [retracted, ['retracted', retraction]], [old, ['superseded', replacement]]]));
});

test('find without a predicate or a source, or with --object but no predicate, is INVALID_QUERY', (t) => {
  const data = tempDir(t);
  assert.match(fails(data, ['find'], 'INVALID_QUERY'), /find needs a predicate or a source/);
  assert.match(fails(data, ['find', '--subject', 'city:paris'], 'INVALID_QUERY'), /find needs a predicate or a source/);
  assert.match(fails(data, ['find', '--source', 'insee', '--object', '1'], 'INVALID_QUERY'), /find by object needs a predicate too/);
});

test('history lists the assertions, votes and retractions about a subject in log order; --predicate narrows it', (t) => {
  const data = tempDir(t);
  const population = write(data, ['assert', ...paris, '--object', '1', '--source', 'insee']);
  const name = write(data, ['assert', '--subject', 'city:paris', '--predicate', 'name', '--object', '"Paris"', '--source', 'insee']);
  ok(data, ['assert', '--subject', 'city:lyon', '--predicate', 'name', '--object', '"Lyon"', '--source', 'insee']);
  const vote = write(data, ['vote', '--assertion', name.hash, '--voter', 'ada', '--stance', 'oppose']);
  const retraction = write(data, ['retract', population.hash, '--source', 'insee']);
  const all = lines(data, ['history', 'city:paris']);
  assert.deepEqual(all.map((item) => [item.lsn, item.type, item.hash]), [
    [population.lsn, 'assertion', population.hash],
    [name.lsn, 'assertion', name.hash],
    [vote.lsn, 'vote', vote.hash],
    [retraction.lsn, 'retraction', retraction.hash],
  ]);
  assert.deepEqual(all[2]!.record, { type: 'vote', assertion: name.hash, voter: 'ada', stance: 'oppose', weight: 1, createdAt: (all[2]!.record as Json).createdAt });
  assert.deepEqual(lines(data, ['history', 'city:paris', '--predicate', 'name']).map((item) => item.hash), [name.hash, vote.hash]);
  assert.deepEqual(lines(data, ['history', 'city:paris', '--limit', '2']).map((item) => item.hash), [population.hash, name.hash]);
  assert.equal(ok(data, ['history', 'city:nowhere']), '');
});

test('--as-of answers get, subject, votes, find and history as the database stood at that LSN', (t) => {
  const data = tempDir(t);
  const first = write(data, ['assert', ...paris, '--object', '1', '--source', 'insee']);
  const vote = write(data, ['vote', '--assertion', first.hash, '--voter', 'ada', '--stance', 'support']);
  const second = write(data, ['assert', ...paris, '--object', '2', '--source', 'insee', '--supersedes', first.hash]);
  const at = String(second.lsn); // everything before the second assertion
  // get: the second assertion was not logged yet; the first was live, with the vote counted.
  assert.match(fails(data, ['get', second.hash, '--as-of', at], 'NOT_FOUND'), new RegExp(`no record with hash ${second.hash} as of LSN ${at}`));
  fails(data, ['get', vote.hash, '--as-of', String(vote.lsn)], 'NOT_FOUND');
  const then = getJson(data, first.hash, ['--as-of', at]);
  assert.equal(then.status, 'live');
  assert.deepEqual(then.tally, { support: 1, oppose: 0, score: 1, voters: 1, atLsn: second.lsn });
  // subject and find: the first assertion, live.
  assert.deepEqual(lines(data, ['subject', 'city:paris', '--as-of', at]).map((a) => [a.hash, a.status]), [[first.hash, 'live']]);
  assert.deepEqual(lines(data, ['find', '--predicate', 'population', '--as-of', at]).map((a) => [a.hash, a.status]), [[first.hash, 'live']]);
  assert.deepEqual(lines(data, ['subject', 'city:paris']).map((a) => a.hash), [second.hash]);
  // votes: the vote was there; before it, none.
  const votes = lines(data, ['votes', first.hash, '--as-of', at]);
  assert.deepEqual(votes.map((line) => line.hash ?? line.tally), [vote.hash, { support: 1, oppose: 0, score: 1, voters: 1, atLsn: second.lsn }]);
  assert.equal(lines(data, ['votes', first.hash, '--as-of', String(vote.lsn)]).length, 1);
  assert.match(fails(data, ['votes', first.hash, '--as-of', String(first.lsn)], 'NOT_FOUND'), new RegExp(`as of LSN ${first.lsn}`));
  // history: the first two records.
  assert.deepEqual(lines(data, ['history', 'city:paris', '--as-of', at]).map((item) => item.hash), [first.hash, vote.hash]);
  // --as-of 0: nothing at all; --as-of at the end of the log: the same as without it.
  assert.equal(ok(data, ['subject', 'city:paris', '--as-of', '0', '--include-retracted']), '');
  const end = String(endLsn(data));
  assert.equal(ok(data, ['history', 'city:paris', '--as-of', end]), ok(data, ['history', 'city:paris']));
});

test('--as-of that is negative, fractional or beyond the end of the log is INVALID_QUERY on every read', (t) => {
  const data = tempDir(t);
  const claim = ok(data, ['assert', ...paris, '--object', '1', '--source', 'insee']).trim();
  const end = endLsn(data);
  assert.match(fails(data, ['get', claim, '--as-of', '-1'], 'INVALID_QUERY'), /asOf must be an LSN: an integer from 0, got -1/);
  assert.match(fails(data, ['get', claim, '--as-of', '1.5'], 'INVALID_QUERY'), /got 1\.5/);
  const beyond = String(end + 1);
  const reads = [['get', claim], ['subject', 'city:paris'], ['votes', claim], ['find', '--predicate', 'population'], ['history', 'city:paris']];
  for (const read of reads) {
    assert.match(fails(data, [...read, '--as-of', beyond], 'INVALID_QUERY'), new RegExp(`asOf ${beyond} is beyond the end of the log \\(LSN ${end}\\)`));
  }
});

test('subject, find and history print every page when there are more results than one page holds', (t) => {
  const data = tempDir(t);
  const count = pageLimitMax + 50;
  const imported = stemedb(data, ['import', '-'], { input: assertionLines(count, 1) });
  assert.equal(imported.status, 0, imported.stderr);
  const about = lines(data, ['subject', 'subject-0']).map((a) => String(a.hash));
  assert.equal(new Set(about).size, count);
  assert.deepEqual(about, [...about].sort()); // one predicate: ordered by hash, across the page boundary
  const found = lines(data, ['find', '--predicate', 'measure']).map((a) => String(a.hash));
  assert.deepEqual([...found].sort(), [...about].sort());
  const history = lines(data, ['history', 'subject-0']);
  assert.equal(new Set(history.map((item) => item.hash)).size, count);
  const lsns = history.map((item) => Number(item.lsn));
  assert.ok(lsns.every((lsn, i) => i === 0 || lsns[i - 1]! < lsn));
  assert.equal(lines(data, ['find', '--predicate', 'measure', '--limit', String(pageLimitMax + 1)]).length, pageLimitMax + 1);
});
