// `stemedb beliefs` and `stemedb contested` through the real bin, over the worked example of
// docs/beliefs.md (imported as NDJSON with the doc's createdAt values, in the doc's log
// order): every number the doc gives, with --json; the readable table; and the refusals,
// each with its code and exit code, logging nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StemeDB, type Beliefs, type ContestedItem, type Hash, type PredicateBeliefs } from '../../src/index.js';
import { pageLimitMax } from '../../src/limits.js';
import { assertClose, assertPair, type ExpectedCandidate, type ExpectedPair } from '../support/beliefs-example.js';
import { tempDir } from '../support/temp-dir.js';
import { failsWith as fails, ndjson, stemedb, succeeds as ok } from './fixtures/cli.js';

const springfield = 'city:springfield';
const population = 'population';



/** What a refused command must leave as it was: the record counts and the end of the log. */
function logged(data: string): unknown {
  const stats = JSON.parse(ok(data, ['--json', 'stats'])) as { records: unknown; wal: { endLsn: number } };
  return { records: stats.records, endLsn: stats.wal.endLsn };
}

/** The doc's history, in its log order, as `import` reads it; votes name assertions by hash. */
function workedExample(): { lines: string; hashes: Record<string, Hash> } {
  const records: Array<Record<string, unknown>> = [
    { type: 'epoch', id: 1, name: 'census-2010', createdAt: 1 },
    { type: 'epoch', id: 2, name: 'census-2020', parent: 1, createdAt: 2 },
  ];
  const hashes: Record<string, Hash> = {};
  const add = (name: string, record: Record<string, unknown>): void => {
    records.push(record);
    hashes[name] = StemeDB.hashOf(record);
  };
  const claim = (object: number, source: string, epoch: number | undefined, createdAt: number) => ({
    type: 'assertion',
    subject: springfield,
    predicate: population,
    object,
    source,
    ...(epoch !== undefined && { epoch }),
    createdAt,
  });
  add('a1', claim(30000, 'census', 1, 1));
  add('a2', claim(32000, 'wiki', undefined, 2));
  add('a3', claim(30000, 'atlas', 2, 3));
  add('a4', claim(35000, 'blog', 2, 4));
  const vote = (on: string, voter: string, stance: string, weight: number, createdAt: number, epoch?: number) => ({
    type: 'vote',
    assertion: hashes[on],
    voter,
    stance,
    weight,
    createdAt,
    ...(epoch !== undefined && { epoch }),
  });
  add('v1', vote('a2', 'ada', 'oppose', 1, 10));
  add('v2', vote('a1', 'bob', 'oppose', 1, 11));
  add('v3', vote('a1', 'atlas', 'support', 0.5, 12));
  add('v4', vote('a2', 'ada', 'support', 2, 9)); // dated before v1, logged after it: log order decides, v4 is ada's latest
  add('v6', vote('a2', 'dan', 'oppose', 2, 13, 2));
  add('r', { type: 'retraction', assertion: hashes.a4, source: 'blog', createdAt: 14 });
  add('v5', vote('a4', 'carl', 'support', 1, 15));
  return { lines: records.map((record) => `${JSON.stringify(record)}\n`).join(''), hashes };
}

function assertBeliefs(beliefs: Beliefs, expected: ExpectedPair, what: string): PredicateBeliefs {
  assert.equal(beliefs.subject, springfield, what);
  assert.deepEqual(beliefs.predicates.map((p) => p.predicate), [population], what);
  return assertPair(beliefs.predicates[0], population, expected, what);
}

describe("docs/beliefs.md's worked example, over the command line", () => {
  let data: string;
  let hashes: Record<string, Hash>;
  let retractionLsn: number;
  let end: number;

  before(() => {
    data = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-beliefs-'));
    const example = workedExample();
    hashes = example.hashes;
    const imported = stemedb(data, ['import', '-'], { input: example.lines });
    assert.equal(imported.status, 0, imported.stderr);
    const history = ndjson(ok(data, ['history', springfield])) as Array<{ lsn: number; hash: string }>;
    const order = ['a1', 'a2', 'a3', 'a4', 'v1', 'v2', 'v3', 'v4', 'v6', 'r', 'v5'];
    assert.deepEqual(history.map((item) => item.hash), order.map((name) => hashes[name]), 'logged in the order of the doc');
    retractionLsn = history[order.indexOf('r')]!.lsn;
    end = (logged(data) as { endLsn: number }).endLsn;
  });
  after(() => {
    fs.rmSync(data, { recursive: true, force: true });
  });

  const beliefs = (...args: string[]): Beliefs => JSON.parse(ok(data, ['--json', 'beliefs', springfield, ...args])) as Beliefs;
  const c32000 = (): ExpectedCandidate => ({ object: 32000, support: 3, oppose: 2, score: 1, supporters: 2, assertions: [hashes.a2!] });
  const c30000 = (): ExpectedCandidate => ({ object: 30000, support: 1.5, oppose: 1, score: 0.5, supporters: 2, assertions: [hashes.a1!, hashes.a3!] });
  const unscoped = (): ExpectedPair => ({ contested: true, consensus: 3 / (1.5 + 3 + 2), candidates: [c32000(), c30000()] });

  test('--json beliefs, unscoped: 32000 best, consensus 0.4615…, contested; one JSON line', () => {
    const text = ok(data, ['--json', 'beliefs', springfield]);
    assert.match(text, /^\{[^\n]*\}\n$/, 'one line');
    const answer = JSON.parse(text) as Beliefs;
    assert.deepEqual(Object.keys(answer), ['subject', 'atLsn', 'predicates']);
    assert.equal(answer.atLsn, end);
    assert.match(String(assertBeliefs(answer, unscoped(), 'unscoped').consensus), /^0\.4615/);
    assert.deepEqual(beliefs('--predicate', population), answer, '--predicate population: the same');
  });

  test('--epoch 1: 32000 scores 3, consensus 0.667, not contested', () => {
    const candidates = [
      { object: 32000, support: 3, oppose: 0, score: 3, supporters: 2, assertions: [hashes.a2!] },
      { object: 30000, support: 1.5, oppose: 1, score: 0.5, supporters: 2, assertions: [hashes.a1!] },
    ];
    const pair = assertBeliefs(beliefs('--epoch', '1'), { contested: false, consensus: 3 / 4.5, candidates }, 'epoch 1');
    assert.equal(pair.consensus.toFixed(3), '0.667');
  });

  test('--epoch 2: the same as unscoped', () => {
    assertBeliefs(beliefs('--epoch', '2'), unscoped(), 'epoch 2');
    assert.deepEqual(beliefs('--epoch', '2'), beliefs());
  });

  test("--as-of r's LSN: 35000 ranks second, on fewer supporters; consensus 0.4; contested", () => {
    const answer = beliefs('--as-of', String(retractionLsn));
    assert.equal(answer.atLsn, retractionLsn);
    const c35000 = { object: 35000, support: 1, oppose: 0, score: 1, supporters: 1, assertions: [hashes.a4!] };
    assertBeliefs(answer, { contested: true, consensus: 3 / (3 + 1 + 1.5 + 2), candidates: [c32000(), c35000, c30000()] }, 'as of r');
  });

  test('the table: a heading with the LSN, then per predicate whether it is contested, the consensus and the ranked candidates, best marked', () => {
    assert.equal(
      ok(data, ['beliefs', springfield]),
      [
        `city:springfield (as of LSN ${end})`,
        '',
        'population: contested, consensus 46.2%',
        '        rank  support  oppose  score  supporters  object',
        '  best     1        3       2      1           2  32000',
        '           2      1.5       1    0.5           2  30000',
        '',
      ].join('\n'),
    );
    const scoped = ok(data, ['beliefs', springfield, '--epoch', '1']).split('\n');
    assert.deepEqual(scoped.slice(0, 3), [`city:springfield (epoch 1, as of LSN ${end})`, '', 'population: not contested, consensus 66.7%']);
    const then = ok(data, ['beliefs', springfield, '--as-of', String(retractionLsn)]).split('\n');
    assert.deepEqual(then.slice(2, 7), [
      'population: contested, consensus 40.0%',
      '        rank  support  oppose  score  supporters  object',
      '  best     1        3       2      1           2  32000',
      '           2        1       0      1           1  35000',
      '           3      1.5       1    0.5           2  30000',
    ]);
    assert.equal(ok(data, ['beliefs', 'city:nowhere']), `city:nowhere (as of LSN ${end})\n\nno assertions about this subject\n`);
  });

  test('contested: one line per pair (subject, predicate, consensus); --json: NDJSON with the exact consensus', () => {
    assert.equal(ok(data, ['contested']), 'city:springfield\tpopulation\t46.2%\n');
    const items = ndjson(ok(data, ['--json', 'contested'])) as ContestedItem[];
    assert.deepEqual(items.map((item) => [item.subject, item.predicate]), [[springfield, population]]);
    assertClose(items[0]!.consensus, 3 / 6.5, 'consensus');
    assert.equal(items[0]!.consensus, beliefs().predicates[0]!.consensus);
  });

  test('contested --epoch 1 lists nothing; --epoch 2 lists the pair', () => {
    assert.equal(ok(data, ['contested', '--epoch', '1']), '');
    assert.equal(ok(data, ['contested', '--epoch', '1', '--json']), '');
    assert.equal(ok(data, ['contested', '--epoch', '2']), 'city:springfield\tpopulation\t46.2%\n');
  });

  test('an unknown epoch is UNKNOWN_EPOCH, exit 1, for both commands, and nothing is logged', () => {
    const before = logged(data);
    assert.match(fails(data, ['beliefs', springfield, '--epoch', '3'], 'UNKNOWN_EPOCH'), /no epoch with id 3/);
    fails(data, ['contested', '--epoch', '3'], 'UNKNOWN_EPOCH');
    fails(data, ['--json', 'contested', '--epoch', '3'], 'UNKNOWN_EPOCH');
    assert.deepEqual(logged(data), before);
  });

  test('an epoch or --as-of that is negative or fractional is INVALID_QUERY (exit 1); text is a usage error (exit 2)', () => {
    const before = logged(data);
    assert.match(fails(data, ['beliefs', springfield, '--epoch', '-1'], 'INVALID_QUERY'), /epoch must be an epoch id/);
    fails(data, ['beliefs', springfield, '--epoch', '1.5'], 'INVALID_QUERY');
    fails(data, ['contested', '--epoch', '-1'], 'INVALID_QUERY');
    assert.match(fails(data, ['beliefs', springfield, '--as-of', '-1'], 'INVALID_QUERY'), /asOf must be an LSN/);
    assert.match(fails(data, ['beliefs', springfield, '--as-of', String(end + 1)], 'INVALID_QUERY'), /beyond the end of the log/);
    assert.match(fails(data, ['beliefs', springfield, '--epoch', 'census'], 'USAGE', 2), /--epoch <id>.*'census'.*must be an epoch id/);
    fails(data, ['contested', '--limit', '0'], 'USAGE', 2);
    assert.deepEqual(logged(data), before);
  });
});

test('contested prints every page when there are more contested pairs than one page holds; --limit caps the total', (t) => {
  const data = tempDir(t);
  const count = pageLimitMax + 5;
  let input = '';
  // Each pair: two sources for two values, tied: contested.
  for (let i = 0; i < count; i++) {
    for (const [object, source] of [['red', 'one'], ['blue', 'two']] as const) {
      input += `${JSON.stringify({ type: 'assertion', subject: `tie:${String(i).padStart(5, '0')}`, predicate: 'colour', object, source, createdAt: 1 })}\n`;
    }
  }
  const imported = stemedb(data, ['import', '-'], { input });
  assert.equal(imported.status, 0, imported.stderr);
  const all = ok(data, ['contested']).split('\n').filter((line) => line !== '');
  assert.equal(all.length, count);
  assert.equal(new Set(all).size, count);
  assert.deepEqual(all.slice(0, 2), ['tie:00000\tcolour\t50.0%', 'tie:00001\tcolour\t50.0%'], 'by subject; consensus 1 / (1 + 1 + 0)');
  assert.equal(ok(data, ['contested', '--limit', String(pageLimitMax + 1)]).split('\n').filter((line) => line !== '').length, pageLimitMax + 1);
});

test('the table says when there is no best: every candidate scores 0 or less, or no assertion is left', (t) => {
  const data = tempDir(t);
  const gone = { type: 'assertion', subject: 'odd:1', predicate: 'gone', object: { a: 1 }, source: 's', createdAt: 1 };
  const doubted = { type: 'assertion', subject: 'odd:1', predicate: 'doubted', object: 'maybe', source: 'one', createdAt: 1 };
  const records = [
    gone,
    { type: 'retraction', assertion: StemeDB.hashOf(gone), source: 's', createdAt: 2 },
    doubted,
    { type: 'vote', assertion: StemeDB.hashOf(doubted), voter: 'bob', stance: 'oppose', weight: 3, createdAt: 3 },
  ];
  const imported = stemedb(data, ['import', '-'], { input: records.map((record) => `${JSON.stringify(record)}\n`).join('') });
  assert.equal(imported.status, 0, imported.stderr);
  const lines = ok(data, ['beliefs', 'odd:1']).split('\n');
  assert.deepEqual(lines.slice(1), [
    '',
    'doubted: not contested, consensus 0.0%, no best: no candidate scores above 0',
    '    rank  support  oppose  score  supporters  object',
    '       1        1       3     -2           1  "maybe"',
    '',
    'gone: not contested, consensus 0.0%, no best',
    '  no candidates: every assertion is out of scope or taken back',
    '',
  ]);
});
