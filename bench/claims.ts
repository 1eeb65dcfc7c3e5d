// bench:claims — the reads of claims over time and of beliefs, against better-sqlite3
// answering the same questions from indexed tables holding the same records, in one run:
// - find by (predicate, value) over the 528k-record sample (the sample's city names);
// - history of a subject with 100 records (assertions, votes, a retraction);
// - beliefs of a subject with 10 predicates x 10 values, 100 assertions and 1,000 votes from
//   200 voters: unscoped (StemeDB reads its summaries), scoped to an epoch, and as of an LSN;
//   SQLite computes the same in SQL (latest vote per voter with a window function).
// Each StemeDB answer is checked against SQLite's before timing. Usage: node dist/bench/claims.js [--quick]
import Database from 'better-sqlite3';
import { StemeDB, type Beliefs } from '../src/index.js';
import { canonicalJson } from '../src/records/index.js';
import { sampleRecords } from '../src/sample/cities.js';
import { benchDir, formatTable, type Row } from './support.js';

const quick = process.argv.includes('--quick');
const citiesMax = quick ? 20_000 : undefined;
const lookups = quick ? 2_000 : 20_000;
const rounds = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs each case `rounds` times, interleaved, and returns each one's median rate. */
function interleaved(cases: Array<{ name: string; ops: number; run: () => void }>): number[] {
  const rates: number[][] = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    cases.forEach(({ ops, run }, c) => {
      const start = performance.now();
      run();
      rates[c]!.push(ops / ((performance.now() - start) / 1000));
    });
  }
  return rates.map(median);
}

function openSqlite(name: string): Database.Database {
  const db = new Database(`${benchDir(name)}/bench.db`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

// --- find by value over the sample ---

async function benchFind(rows: Row[]): Promise<void> {
  const db = await StemeDB.open(benchDir('claims-sample'), { log: () => undefined });
  const sqlite = openSqlite('claims-sample-sqlite');
  sqlite.exec(`CREATE TABLE assertions (hash TEXT PRIMARY KEY, subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL, source TEXT NOT NULL, lsn INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX by_value ON assertions(predicate, object);
    CREATE TABLE changes (target TEXT NOT NULL, lsn INTEGER NOT NULL, kind TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (target, lsn)) WITHOUT ROWID;`);
  const insert = sqlite.prepare('INSERT OR IGNORE INTO assertions VALUES (?, ?, ?, ?, ?, ?, ?)');
  const names: string[] = [];
  let batch: Array<Record<string, unknown>> = [];
  const flush = async (): Promise<void> => {
    const results = await db.appendBatch(batch, { visible: false });
    sqlite.transaction(() => {
      results.forEach(({ hash, lsn }, i) => {
        const record = batch[i] as { type: string; subject: string; predicate: string; object: unknown; source: string };
        if (record.type !== 'assertion') return;
        const body = JSON.stringify({ ...record, hash });
        insert.run(hash, record.subject, record.predicate, canonicalJson(record.object), record.source, lsn, body);
      });
    })();
    batch = [];
  };
  for (const record of sampleRecords(citiesMax)) {
    batch.push(record as unknown as Record<string, unknown>);
    if (record.type === 'assertion' && record.predicate === 'name' && names.length < 5000) names.push(record.object as string);
    if (batch.length === 4096) await flush();
  }
  if (batch.length > 0) await flush();
  await db.sync();
  const stats = db.stats();
  // The same answer from both: the live assertions with that name (the status from the first change).
  const select = sqlite.prepare(`SELECT body, (SELECT kind FROM changes c WHERE c.target = a.hash ORDER BY lsn LIMIT 1) AS change FROM assertions a WHERE predicate = 'name' AND object = ?`);
  const sqliteFind = (name: string): unknown[] =>
    (select.all(canonicalJson(name)) as Array<{ body: string; change: string | null }>).filter((r) => r.change === null).map((r) => JSON.parse(r.body) as unknown);
  for (const name of names.slice(0, 50)) {
    const ours = db.find({ predicate: 'name', object: name, limit: 1000 }).items.map((a) => a.hash).sort();
    const theirs = sqliteFind(name).map((r) => (r as { hash: string }).hash).sort();
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) throw new Error(`find disagrees for ${name}`);
  }
  const [ourRate, theirRate] = interleaved([
    { name: 'StemeDB', ops: lookups, run: () => { for (let i = 0; i < lookups; i++) db.find({ predicate: 'name', object: names[i % names.length]! }); } },
    { name: 'SQLite', ops: lookups, run: () => { for (let i = 0; i < lookups; i++) sqliteFind(names[i % names.length]!); } },
  ]);
  rows.push({ name: `StemeDB find by (predicate, value) over the sample (${stats.records.assertions} assertions)`, opsPerSec: ourRate!, note: `${(ourRate! / theirRate!).toFixed(2)}x SQLite` });
  rows.push({ name: 'SQLite select by indexed (predicate, object) + status, JSON.parse', opsPerSec: theirRate! });
  await db.close();
  sqlite.close();
}

// --- history and beliefs of one busy subject ---

const subject = 'city:springfield';
const predicates = Array.from({ length: 10 }, (_, p) => `p${p}`);
const voters = Array.from({ length: 200 }, (_, v) => `voter${v}`);

/** A deterministic generator (xorshift32), so both stores get the same records. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Loaded {
  db: StemeDB;
  sqlite: Database.Database;
  midLsn: number;
}

async function loadBusySubject(): Promise<Loaded> {
  const db = await StemeDB.open(benchDir('claims-busy'), { log: () => undefined });
  const sqlite = openSqlite('claims-busy-sqlite');
  sqlite.exec(`CREATE TABLE assertions (hash TEXT PRIMARY KEY, subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL, source TEXT NOT NULL, lsn INTEGER NOT NULL, epoch INTEGER, live INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX by_subject ON assertions(subject, predicate);
    CREATE TABLE votes (hash TEXT PRIMARY KEY, assertion TEXT NOT NULL, voter TEXT NOT NULL, stance TEXT NOT NULL, weight REAL NOT NULL, created_at INTEGER NOT NULL, lsn INTEGER NOT NULL, epoch INTEGER) WITHOUT ROWID;
    CREATE INDEX by_assertion ON votes(assertion);
    CREATE TABLE history (subject TEXT NOT NULL, lsn INTEGER NOT NULL, type TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (subject, lsn)) WITHOUT ROWID;`);
  const next = random(42);
  await db.defineEpoch({ id: 1, name: 'old', createdAt: 1 });
  await db.defineEpoch({ id: 2, name: 'new', parent: 1, createdAt: 2 });
  const hashes: string[] = [];
  const addHistory = sqlite.prepare('INSERT INTO history VALUES (?, ?, ?, ?, ?)');
  const records: Array<Record<string, unknown>> = [];
  for (const predicate of predicates) {
    for (let value = 0; value < 10; value++) {
      const epoch = [undefined, 1, 2][Math.floor(next() * 3)];
      records.push({ type: 'assertion', subject, predicate, object: { value, unit: 'people' }, source: `source${Math.floor(next() * 5)}`, ...(epoch !== undefined && { epoch }), createdAt: 1000 + records.length });
    }
  }
  const asserted = await db.appendBatch(records);
  const insertAssertion = sqlite.prepare('INSERT INTO assertions VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)');
  sqlite.transaction(() => {
    asserted.forEach(({ hash, lsn }, i) => {
      const r = records[i] as { predicate: string; object: unknown; source: string; epoch?: number };
      hashes.push(hash);
      const body = JSON.stringify({ ...r, hash });
      insertAssertion.run(hash, subject, r.predicate, canonicalJson(r.object), r.source, lsn, r.epoch ?? null, body);
      addHistory.run(subject, lsn, 'assertion', hash, body);
    });
  })();
  const votes = Array.from({ length: 1000 }, (_, i) => {
    const epoch = [undefined, 1, 2][Math.floor(next() * 3)];
    return { type: 'vote', assertion: hashes[Math.floor(next() * hashes.length)]!, voter: voters[Math.floor(next() * voters.length)]!, stance: next() < 0.7 ? 'support' : 'oppose', weight: [0.5, 1, 2][Math.floor(next() * 3)]!, ...(epoch !== undefined && { epoch }), createdAt: 5000 + Math.floor(i / 3) };
  });
  const voted = await db.appendBatch(votes);
  const insertVote = sqlite.prepare('INSERT INTO votes VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  sqlite.transaction(() => {
    voted.forEach(({ hash, lsn }, i) => {
      const v = votes[i] as { assertion: string; voter: string; stance: string; weight: number; createdAt: number; epoch?: number };
      insertVote.run(hash, v.assertion, v.voter, v.stance, v.weight, v.createdAt, lsn, v.epoch ?? null);
      addHistory.run(subject, lsn, 'vote', hash, JSON.stringify({ ...v, hash }));
    });
  })();
  const midLsn = voted[500]!.lsn;
  await db.sync();
  return { db, sqlite, midLsn };
}

/** The beliefs SQL: candidates, each voter's latest vote per candidate (a window function), sources; the ranking in JS. */
function sqliteBeliefs(sqlite: Database.Database): (asOf: number, epochs: number[] | undefined) => Beliefs {
  const scope = (column: string): string => `(${column} IS NULL OR ? = 0 OR ${column} IN (SELECT value FROM json_each(?)))`;
  const query = sqlite.prepare(`
    WITH live AS (
      SELECT hash, predicate, object, source, lsn FROM assertions
      WHERE subject = ? AND lsn < ? AND live = 1 AND ${scope('epoch')}),
    ranked AS (
      SELECT l.predicate, l.object, v.voter, v.stance, v.weight,
             ROW_NUMBER() OVER (PARTITION BY l.predicate, l.object, v.voter ORDER BY v.lsn DESC) AS rn
      FROM votes v JOIN live l ON v.assertion = l.hash
      WHERE v.lsn < ? AND ${scope('v.epoch')}),
    latest AS (SELECT predicate, object, voter, stance, weight FROM ranked WHERE rn = 1),
    sources AS (SELECT DISTINCT predicate, object, source FROM live),
    candidates AS (SELECT predicate, object, MIN(lsn) AS first, json_group_array(hash) AS hashes FROM (SELECT * FROM live ORDER BY lsn) GROUP BY predicate, object)
    SELECT c.predicate, c.object, c.first, c.hashes,
      (SELECT COUNT(*) FROM sources s WHERE s.predicate = c.predicate AND s.object = c.object
         AND NOT EXISTS (SELECT 1 FROM latest x WHERE x.predicate = s.predicate AND x.object = s.object AND x.voter = s.source)) AS implicit,
      (SELECT COALESCE(SUM(weight), 0) FROM latest x WHERE x.predicate = c.predicate AND x.object = c.object AND x.stance = 'support') AS voted,
      (SELECT COUNT(*) FROM latest x WHERE x.predicate = c.predicate AND x.object = c.object AND x.stance = 'support') AS voters,
      (SELECT COALESCE(SUM(weight), 0) FROM latest x WHERE x.predicate = c.predicate AND x.object = c.object AND x.stance = 'oppose') AS oppose
    FROM candidates c ORDER BY c.predicate`);
  return (asOf, epochs) => {
    const flag = epochs === undefined ? 0 : 1;
    const list = JSON.stringify(epochs ?? []);
    const found = query.all(subject, asOf, flag, list, asOf, flag, list) as Array<{ predicate: string; object: string; first: number; hashes: string; implicit: number; voted: number; voters: number; oppose: number }>;
    const byPredicate = new Map<string, typeof found>();
    for (const row of found) byPredicate.set(row.predicate, [...(byPredicate.get(row.predicate) ?? []), row]);
    return {
      subject,
      atLsn: asOf,
      predicates: [...byPredicate].map(([predicate, list]) => {
        const candidates = list
          .map((r) => {
            const assertions = JSON.parse(r.hashes) as never[];
            return { object: JSON.parse(r.object) as never, support: r.implicit + r.voted, oppose: r.oppose, score: r.implicit + r.voted - r.oppose, supporters: r.implicit + r.voters, assertions, assertionCount: assertions.length, first: r.first };
          })
          .sort((a, b) => b.score - a.score || b.supporters - a.supporters || a.first - b.first);
        const best = candidates[0] !== undefined && candidates[0].score > 0 ? candidates[0] : null;
        const total = candidates.reduce((n, c) => n + c.support, 0);
        const second = candidates[1];
        return {
          predicate,
          contested: best !== null && ((second !== undefined && second.score > 0 && second.score >= best.score / 2) || best.oppose >= best.support / 2),
          consensus: best === null ? 0 : best.support / (total + best.oppose),
          best: best === null ? null : { ...best, first: undefined },
          candidates: candidates.map((c) => ({ ...c, first: undefined })),
          candidateCount: candidates.length,
        };
      }),
    };
  };
}

/** The two answers agree: the same predicates (ours are in digest order), the same candidates in the same order, numbers within rounding. */
function sameBeliefs(ours: Beliefs, theirs: Beliefs): boolean {
  const norm = (b: Beliefs): string =>
    JSON.stringify(
      [...b.predicates]
        .sort((x, y) => (x.predicate < y.predicate ? -1 : 1))
        .map((p) => [p.predicate, p.contested, p.consensus.toFixed(9), p.candidateCount, p.candidates.map((c) => [canonicalJson(c.object), c.support.toFixed(9), c.oppose.toFixed(9), c.supporters, c.assertionCount, [...c.assertions].sort()])]),
    );
  return norm(ours) === norm(theirs);
}

async function benchBusySubject(rows: Row[]): Promise<void> {
  const { db, sqlite, midLsn } = await loadBusySubject();
  const end = db.stats().wal.endLsn;
  const beliefsSql = sqliteBeliefs(sqlite);
  const checks: Array<[string, Beliefs, Beliefs]> = [
    ['unscoped', db.beliefs(subject), beliefsSql(Number.MAX_SAFE_INTEGER, undefined)],
    ['epoch 2', db.beliefs(subject, { epoch: 2 }), beliefsSql(Number.MAX_SAFE_INTEGER, [2, 1])],
    ['asOf', db.beliefs(subject, { asOf: midLsn }), beliefsSql(midLsn, undefined)],
  ];
  for (const [name, ours, theirs] of checks) {
    if (!sameBeliefs(ours, theirs)) throw new Error(`beliefs (${name}) disagree with SQLite`);
  }
  const history = sqlite.prepare('SELECT lsn, type, hash, body FROM history WHERE subject = ? ORDER BY lsn LIMIT 100');
  const sqliteHistory = (): unknown[] => (history.all(subject) as Array<{ lsn: number; type: string; hash: string; body: string }>).map((r) => ({ lsn: r.lsn, type: r.type, hash: r.hash, record: JSON.parse(r.body) as unknown }));
  const ourHistory = db.history(subject, { limit: 100 }).items.map((i) => i.hash);
  if (JSON.stringify(ourHistory) !== JSON.stringify(sqliteHistory().map((r) => (r as { hash: string }).hash))) throw new Error('history disagrees with SQLite');
  const ops = quick ? 200 : 1000;
  const cases = [
    { name: 'StemeDB history of a subject, first 100 records', ops, run: () => { for (let i = 0; i < ops; i++) db.history(subject, { limit: 100 }); } },
    { name: 'SQLite history: indexed (subject, lsn), 100 rows, JSON.parse', ops, run: () => { for (let i = 0; i < ops; i++) sqliteHistory(); } },
    { name: 'StemeDB beliefs, unscoped (10 predicates, 100 assertions, 1,000 votes)', ops, run: () => { for (let i = 0; i < ops; i++) db.beliefs(subject); } },
    { name: 'SQLite beliefs in SQL, unscoped (window function)', ops, run: () => { for (let i = 0; i < ops; i++) beliefsSql(Number.MAX_SAFE_INTEGER, undefined); } },
    { name: 'StemeDB beliefs, scoped to an epoch', ops: ops / 10, run: () => { for (let i = 0; i < ops / 10; i++) db.beliefs(subject, { epoch: 2 }); } },
    { name: 'SQLite beliefs in SQL, scoped to an epoch', ops: ops / 10, run: () => { for (let i = 0; i < ops / 10; i++) beliefsSql(Number.MAX_SAFE_INTEGER, [2, 1]); } },
    { name: 'StemeDB beliefs, as of an LSN (half the votes)', ops: ops / 10, run: () => { for (let i = 0; i < ops / 10; i++) db.beliefs(subject, { asOf: midLsn }); } },
    { name: 'SQLite beliefs in SQL, as of an LSN', ops: ops / 10, run: () => { for (let i = 0; i < ops / 10; i++) beliefsSql(midLsn, undefined); } },
  ];
  const rates = interleaved(cases);
  for (let c = 0; c < cases.length; c += 2) {
    rows.push({ name: cases[c]!.name, opsPerSec: rates[c]!, note: `${(rates[c]! / rates[c + 1]!).toFixed(2)}x SQLite` });
    rows.push({ name: cases[c + 1]!.name, opsPerSec: rates[c + 1]! });
  }
  void end;
  await db.close();
  sqlite.close();
}

const rows: Row[] = [];
await benchBusySubject(rows);
await benchFind(rows);
console.log(formatTable(rows));
console.log(`(medians of ${rounds} interleaved rounds; every StemeDB answer was checked against SQLite's first)`);
