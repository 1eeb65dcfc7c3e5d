// The rules of docs/beliefs.md, checked against a plain reference (fixtures/beliefs-reference.ts)
// with random histories: an epoch tree (defined first; parents may dangle or form a cycle),
// colliding assertions, votes whose createdAt disagrees with their log order, weights from the
// range's ends (1e-6, 1e6) and fractions no f64 sum holds exactly (0.1, 1/3), voters named like
// sources, retractions (twice too), supersessions and records sent again. beliefs() (every
// page of it too) and contested() must equal the reference to the bit in every scope and as of
// every LSN: while records are still pending in the overlay, once ingested (the summaries: the
// fast path), after rebuild() and after a restart, on the memory store and on LMDB, with pairs
// kept inline, moved to the indexed form mid-history, and indexed from the start.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { StemeDB, StemeError, type Beliefs, type WriteResult } from '../../src/index.js';
import { fcParams } from '../support/seed.js';
import { ReferenceLog, type LoggedRecord } from './fixtures/beliefs-reference.js';
import { assertSame } from './fixtures/same.js';

const subjects = ['city:springfield', 'city:shelbyville'];
/** Never asserted about: its beliefs list no predicates. */
const absentSubject = 'city:nowhere';
/** Listed in the order of their digests; the checks sort both sides by name. */
const predicates = ['population', 'Zip', 'area'];
/** Few values, so candidates collide; the last two are one value (the same canonical JSON). */
const values = [30000, '30000', { a: 1, b: [2] }, { b: [2], a: 1 }];
const sources = ['census', 'wiki', 'atlas'];
/** 'wiki' and 'atlas' are also sources: their votes replace their implicit support. */
const voters = ['wiki', 'bob', 'atlas', 'dan'];
/** The range's ends, and fractions whose f64 sums depend on the order they are taken in. */
const weights = [1e-6, 0.1, 1 / 3, 0.5, 1, 2, 1e6];
/** An epoch id named as a parent or on records but never defined. */
const danglingEpoch = 99;
const createdAtBase = 1_700_000_000_000;
/** Steps per history (besides its 3-5 epochs): enough to retract, supersede and vote again. */
const stepsMax = 40;

type EpochPick = { of: 'none' } | { of: 'tree'; index: number } | { of: 'dangling' };
type ParentPick = { of: 'none' } | { of: 'earlier'; index: number } | { of: 'any'; index: number } | { of: 'dangling' };

type Op =
  | { kind: 'assert'; subject: number; predicate: number; value: number; source: number; epoch: EpochPick; createdAt: number }
  | { kind: 'supersede'; target: number; value: number; epoch: EpochPick; createdAt: number }
  | { kind: 'vote'; target: number; voter: number; support: boolean; weight: number; epoch: EpochPick; createdAt: number }
  | { kind: 'retract'; target: number; createdAt: number }
  /** The same record sent again: stored once, it counts from its first LSN. */
  | { kind: 'repeat'; write: number };

/**
 * After the write, `check` compares the current state: 'now' while the record (and any written
 * while ingest was paused) is usually still pending, 'synced' once everything is ingested, so
 * the unscoped answer comes from the summaries alone. Then `ingest` steers ingest.
 */
interface Step {
  op: Op;
  check: 'none' | 'now' | 'synced';
  ingest: 'keep' | 'sync' | 'pause' | 'resume';
}

interface History {
  epochs: ParentPick[];
  steps: Step[];
}

const epochPickArb: fc.Arbitrary<EpochPick> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ of: 'none' as const }) },
  { weight: 6, arbitrary: fc.nat(4).map((index) => ({ of: 'tree' as const, index })) },
  { weight: 1, arbitrary: fc.constant({ of: 'dangling' as const }) },
);

const parentPickArb: fc.Arbitrary<ParentPick> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ of: 'none' as const }) },
  { weight: 6, arbitrary: fc.nat(4).map((index) => ({ of: 'earlier' as const, index })) },
  { weight: 1, arbitrary: fc.nat(4).map((index) => ({ of: 'any' as const, index })) },
  { weight: 1, arbitrary: fc.constant({ of: 'dangling' as const }) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('assert' as const),
      subject: fc.nat(subjects.length - 1),
      predicate: fc.nat(predicates.length - 1),
      value: fc.nat(values.length - 1),
      source: fc.nat(sources.length - 1),
      epoch: epochPickArb,
      createdAt: fc.nat(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('supersede' as const), target: fc.nat(), value: fc.nat(values.length - 1), epoch: epochPickArb, createdAt: fc.nat(2) }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('vote' as const),
      target: fc.nat(),
      voter: fc.nat(voters.length - 1),
      support: fc.boolean(),
      weight: fc.constantFrom(...weights),
      epoch: epochPickArb,
      createdAt: fc.nat(3),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retract' as const), target: fc.nat(), createdAt: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat' as const), write: fc.nat() }) },
);

const stepArb: fc.Arbitrary<Step> = fc.record({
  op: opArb,
  check: fc.oneof(
    { weight: 5, arbitrary: fc.constant('none' as const) },
    { weight: 4, arbitrary: fc.constant('now' as const) },
    { weight: 2, arbitrary: fc.constant('synced' as const) },
  ),
  ingest: fc.oneof(
    { weight: 8, arbitrary: fc.constant('keep' as const) },
    { weight: 1, arbitrary: fc.constant('sync' as const) },
    { weight: 1, arbitrary: fc.constant('pause' as const) },
    { weight: 1, arbitrary: fc.constant('resume' as const) },
  ),
});

function historyArb(stepsMax: number): fc.Arbitrary<History> {
  return fc.record({ epochs: fc.array(parentPickArb, { minLength: 3, maxLength: 5 }), steps: fc.array(stepArb, { minLength: 1, maxLength: stepsMax, size: 'max' }) });
}

const epochId = (index: number): number => index + 1;

function parentOf(pick: ParentPick, index: number, count: number): number | undefined {
  if (pick.of === 'dangling') return danglingEpoch;
  if (pick.of === 'earlier') return index === 0 ? undefined : epochId(pick.index % index);
  if (pick.of === 'any') {
    const other = pick.index % count;
    return other === index ? undefined : epochId(other); // may point forward: cycles happen
  }
  return undefined;
}

function epochOf(pick: EpochPick, count: number): number | undefined {
  if (pick.of === 'dangling') return danglingEpoch;
  return pick.of === 'tree' ? epochId(pick.index % count) : undefined;
}

/** One run's database and what the test wrote to it. */
interface Run {
  db: StemeDB;
  log: ReferenceLog;
  epochIds: number[];
  /** The LSN each write returned (a duplicate write's too), in write order. */
  lsns: number[];
  /** Records sent again: logged again, stored once. */
  repeats: Array<{ lsn: number; hash: string }>;
  /** Each record written after the epochs, to send again, with what the reference logs for it. */
  writes: Array<{ send: () => Promise<WriteResult>; record: Logged<LoggedRecord>; hash: string }>;
  /** The LSN of the last epoch definition: before it, an epoch-scoped answer is not defined by the doc. */
  epochsEndLsn: number;
  /** Checks of the state while writing, and how many of them found records not yet ingested. */
  checks: number;
  pendingChecks: number;
  /** beliefs() answers compared with the reference. */
  comparisons: number;
}

type Logged<T> = T extends LoggedRecord ? Omit<T, 'lsn' | 'hash'> : never;

function remember(run: Run, result: WriteResult, record: Logged<LoggedRecord>): void {
  run.lsns.push(result.lsn);
  run.log.add({ ...record, lsn: result.lsn, hash: result.hash } as LoggedRecord);
}

async function write(run: Run, send: () => Promise<WriteResult>, record: Logged<LoggedRecord>): Promise<number> {
  const result = await send();
  remember(run, result, record);
  run.writes.push({ send, record, hash: result.hash });
  return result.lsn;
}

/** Writes one step's record (nothing when it targets an assertion and there is none yet). */
async function apply(run: Run, op: Op): Promise<number | undefined> {
  const { db, log } = run;
  const epochCount = run.epochIds.length;
  const assertions = log.records.filter((r): r is Extract<LoggedRecord, { type: 'assertion' }> => r.type === 'assertion');
  if (op.kind === 'repeat') {
    const earlier = run.writes[op.write % Math.max(run.writes.length, 1)];
    if (earlier === undefined) return undefined;
    const result = await earlier.send();
    assert.equal(result.hash, earlier.hash, 'the same record, the same hash');
    remember(run, result, earlier.record);
    run.repeats.push({ lsn: result.lsn, hash: result.hash });
    return result.lsn;
  }
  const createdAt = createdAtBase + op.createdAt;
  if (op.kind === 'assert') {
    const epoch = epochOf(op.epoch, epochCount);
    const record = { subject: subjects[op.subject]!, predicate: predicates[op.predicate]!, object: values[op.value]!, source: sources[op.source]!, ...(epoch !== undefined && { epoch }) };
    return write(run, () => db.assert({ ...record, createdAt }), { type: 'assertion', ...record });
  }
  const target = assertions[op.target % Math.max(assertions.length, 1)];
  if (target === undefined) return undefined;
  if (op.kind === 'supersede') {
    const epoch = epochOf(op.epoch, epochCount);
    const record = { subject: target.subject, predicate: target.predicate, object: values[op.value]!, source: target.source, supersedes: target.hash, ...(epoch !== undefined && { epoch }) };
    return write(run, () => db.assert({ ...record, createdAt }), { type: 'assertion', ...record });
  }
  if (op.kind === 'vote') {
    const epoch = epochOf(op.epoch, epochCount);
    const stance = op.support ? ('support' as const) : ('oppose' as const);
    const record = { assertion: target.hash, voter: voters[op.voter]!, stance, weight: op.weight, ...(epoch !== undefined && { epoch }) };
    return write(run, () => db.vote({ ...record, createdAt }), { type: 'vote', ...record, createdAt });
  }
  return write(run, () => db.retract({ assertion: target.hash, source: target.source, createdAt }), { type: 'retraction', assertion: target.hash, source: target.source });
}

/** A compact listing of what was logged, in LSN order, for failure messages. */
function describeLog(run: Run): string {
  const short = (hash: string): string => hash.slice(0, 6);
  const at = (epoch: number | undefined): string => (epoch === undefined ? '' : ` epoch ${epoch}`);
  const describe = (r: LoggedRecord): string => {
    if (r.type === 'epoch') return `epoch ${r.id}${r.parent === undefined ? '' : ` parent ${r.parent}`}`;
    if (r.type === 'assertion') {
      const replaces = r.supersedes === undefined ? '' : ` supersedes ${short(r.supersedes)}`;
      return `${short(r.hash)} ${r.subject} / ${r.predicate} = ${JSON.stringify(r.object)} by ${r.source}${at(r.epoch)}${replaces}`;
    }
    if (r.type === 'vote') return `vote ${r.voter} ${r.stance} ${short(r.assertion)} weight ${r.weight} createdAt +${(r.createdAt ?? createdAtBase) - createdAtBase}${at(r.epoch)}`;
    return `retract ${short(r.assertion)} by ${r.source}`;
  };
  const lines = [
    ...run.log.records.map((r) => ({ lsn: r.lsn, text: describe(r) })),
    ...run.repeats.map(({ lsn, hash }) => ({ lsn, text: `${short(hash)} sent again` })),
  ];
  return lines
    .sort((a, b) => a.lsn - b.lsn)
    .map(({ lsn, text }) => `@${lsn} ${text}`)
    .join('\n');
}

type BeliefsQuery = { predicate?: string; epoch?: number; asOf?: number; candidates?: number };

const byPredicate = (beliefs: Beliefs): Beliefs => ({ ...beliefs, predicates: [...beliefs.predicates].sort((a, b) => (a.predicate < b.predicate ? -1 : a.predicate > b.predicate ? 1 : 0)) });

function checkBeliefs(run: Run, label: string, subject: string, options: BeliefsQuery, endLsn: number): void {
  const actual = byPredicate(run.db.beliefs(subject, options));
  run.comparisons++;
  const expected = {
    subject,
    atLsn: options.asOf ?? endLsn,
    predicates: run.log.beliefs(subject, { ...options, asOf: options.asOf ?? Number.POSITIVE_INFINITY }),
  };
  assertSame(actual, expected, `${label}: beliefs(${JSON.stringify(subject)}, ${JSON.stringify(options)})\nlog:\n${describeLog(run)}\n`);
}

/** Every page of beliefs() one predicate at a time, with `candidates` listed: each predicate once, together the reference's. */
function checkPages(run: Run, label: string, subject: string, options: BeliefsQuery, endLsn: number): void {
  const pages: Beliefs['predicates'] = [];
  let cursor: string | undefined;
  for (let page = 0; ; page++) {
    assert.ok(page <= predicates.length, `${label}: beliefs() keeps returning pages`);
    const answer = run.db.beliefs(subject, { ...options, limit: 1, ...(cursor !== undefined && { cursor }) });
    assert.ok(answer.predicates.length <= 1);
    pages.push(...answer.predicates);
    cursor = answer.cursor;
    if (cursor === undefined) break;
  }
  run.comparisons++;
  const expected = run.log.beliefs(subject, { ...options, asOf: options.asOf ?? Number.POSITIVE_INFINITY });
  assertSame(byPredicate({ subject, atLsn: endLsn, predicates: pages }).predicates, expected, `${label}: pages of beliefs(${JSON.stringify(subject)}, ${JSON.stringify(options)})\nlog:\n${describeLog(run)}\n`);
}

/** Every page of contested(), with a small limit: no pair twice, the same set as the reference. */
function checkContested(run: Run, label: string, epoch: number | undefined, limit: number): void {
  const items = [];
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages <= 20, `${label}: contested() keeps returning pages`);
    const page = run.db.contested({ ...(epoch !== undefined && { epoch }), limit, ...(cursor !== undefined && { cursor }) });
    assert.ok(page.items.length <= limit);
    items.push(...page.items);
    cursor = page.cursor;
    if (cursor === undefined) break;
  }
  const key = (item: { subject: string; predicate: string }): string => JSON.stringify([item.subject, item.predicate]);
  const byKey = <T extends { subject: string; predicate: string }>(list: T[]): T[] => [...list].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  assert.equal(new Set(items.map(key)).size, items.length, `${label}: contested() lists a pair twice`);
  assertSame(byKey(items), byKey(run.log.contested(epoch)), `${label}: contested(${JSON.stringify({ epoch, limit })})\nlog:\n${describeLog(run)}\n`);
}

const endLsnOf = (db: StemeDB): number => db.stats().wal.endLsn;

/** The state now, in every scope, and as of the record just written (often with records pending). */
function checkNow(run: Run, lastLsn: number | undefined): void {
  const endLsn = endLsnOf(run.db);
  run.checks++;
  if (run.db.stats().ingest.lagRecords > 0) run.pendingChecks++;
  for (const subject of [...subjects, absentSubject]) {
    checkBeliefs(run, 'while writing', subject, {}, endLsn);
    checkPages(run, 'while writing', subject, { candidates: 1 + (run.checks % 2) }, endLsn);
    for (const epoch of run.epochIds) checkBeliefs(run, 'while writing', subject, { epoch }, endLsn);
    if (lastLsn !== undefined) checkBeliefs(run, 'while writing', subject, { asOf: lastLsn }, endLsn);
  }
  checkContested(run, 'while writing', undefined, 2);
  checkContested(run, 'while writing', run.epochIds[run.lsns.length % run.epochIds.length], 2);
}

function code(expected: string) {
  return (error: unknown): boolean => error instanceof StemeError && error.code === expected;
}

/** Everything: every subject, scope and asOf; every predicate alone; contested() in every scope; the refusals. */
function checkEverything(run: Run, label: string): void {
  const endLsn = endLsnOf(run.db);
  assert.ok(run.lsns.every((lsn) => lsn < endLsn), `${label}: the log ends after every write`);
  const cuts = [undefined, 0, ...new Set(run.lsns), endLsn];
  for (const subject of [...subjects, absentSubject]) {
    for (const epoch of [undefined, ...run.epochIds]) {
      for (const asOf of cuts) {
        // Epoch-scoped reads as of a cut before the epochs were defined: see the report (ambiguous).
        if (epoch !== undefined && asOf !== undefined && asOf <= run.epochsEndLsn) continue;
        checkBeliefs(run, label, subject, { ...(epoch !== undefined && { epoch }), ...(asOf !== undefined && { asOf }) }, endLsn);
      }
      for (const predicate of [...predicates, 'unknown']) checkBeliefs(run, label, subject, { predicate, ...(epoch !== undefined && { epoch }) }, endLsn);
      checkPages(run, label, subject, { candidates: 1, ...(epoch !== undefined && { epoch }) }, endLsn);
    }
    checkPages(run, label, subject, { asOf: run.lsns[Math.floor(run.lsns.length / 2)] ?? 0, candidates: 2 }, endLsn);
  }
  [undefined, ...run.epochIds].forEach((epoch, i) => checkContested(run, label, epoch, 1 + (i % 3)));
  assert.throws(() => run.db.beliefs(subjects[0]!, { epoch: danglingEpoch }), code('UNKNOWN_EPOCH'));
  assert.throws(() => run.db.contested({ epoch: danglingEpoch }), code('UNKNOWN_EPOCH'));
  for (const asOf of [endLsn + 1, -1, 0.5]) assert.throws(() => run.db.beliefs(subjects[0]!, { asOf }), code('INVALID_QUERY'), `asOf ${asOf}`);
}

/** verify() recomputes every summary from the records and compares: no problem may be found. */
async function assertVerified(db: StemeDB, label: string): Promise<void> {
  const report = await db.verify();
  assert.deepEqual(report.problems, [], label);
  assert.equal(report.ok, true, label);
}

const quiet = { log: (): void => undefined, sync: 'none' as const };

interface RunStats {
  records: number;
  checks: number;
  pendingChecks: number;
  comparisons: number;
}

/** How a run keeps its pairs: the default (inline until large), `pairInlineInputsMax` small enough to move pairs mid-history, or 0 (every pair indexed). */
type Form = { pairInlineInputsMax?: number };

async function runHistory(history: History, store: 'memory' | 'lmdb', form: Form): Promise<RunStats> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-beliefs-model-'));
  const options = { ...quiet, store, ...form };
  let db = await StemeDB.open(dir, options);
  try {
    const run: Run = { db, log: new ReferenceLog(), epochIds: [], lsns: [], repeats: [], writes: [], epochsEndLsn: 0, checks: 0, pendingChecks: 0, comparisons: 0 };
    for (const [index, pick] of history.epochs.entries()) {
      const id = epochId(index);
      const parent = parentOf(pick, index, history.epochs.length);
      const record = { id, name: `epoch-${id}`, ...(parent !== undefined && { parent }) };
      remember(run, await db.defineEpoch({ ...record, createdAt: createdAtBase }), { type: 'epoch', ...record });
      run.epochIds.push(id);
    }
    run.epochsEndLsn = Math.max(...run.lsns);
    for (const step of history.steps) {
      const lsn = await apply(run, step.op);
      if (step.check === 'synced') {
        db.resumeIngest();
        await db.sync();
      }
      if (step.check !== 'none') checkNow(run, lsn);
      // Pausing twice is pausing once; sync() would wait for a paused ingest forever.
      if (step.ingest === 'pause') await db.pauseIngest();
      if (step.ingest === 'resume' || step.ingest === 'sync') db.resumeIngest();
      if (step.ingest === 'sync') await db.sync();
    }
    db.resumeIngest();
    await db.sync();
    checkEverything(run, 'ingested');
    // verify recomputes every summary from the records: here, the ones ingest kept up to date.
    await assertVerified(db, 'verify after ingest');
    await db.rebuild();
    checkEverything(run, 'after rebuild');
    await assertVerified(db, 'verify after rebuild');
    await db.close();
    db = await StemeDB.open(dir, options);
    run.db = db;
    checkEverything(run, `after reopening (${store === 'memory' ? 'the WAL replayed into a new memory store' : 'LMDB as it was left'})`);
    await assertVerified(db, 'verify after reopening');
    return { records: run.lsns.length, checks: run.checks, pendingChecks: run.pendingChecks, comparisons: run.comparisons };
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function modelCheck(t: TestContext, store: 'memory' | 'lmdb', numRuns: number, form: Form = {}): Promise<void> {
  const total: RunStats = { records: 0, checks: 0, pendingChecks: 0, comparisons: 0 };
  let runs = 0;
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(historyArb(stepsMax), async (history) => {
      const stats = await runHistory(history, store, form);
      total.records += stats.records;
      total.checks += stats.checks;
      total.pendingChecks += stats.pendingChecks;
      total.comparisons += stats.comparisons;
      runs++;
    }),
    fcParams({ numRuns, includeErrorInReport: true }),
  );
  t.diagnostic(`${runs} histories (${total.records} writes) in ${Date.now() - started} ms; ${total.comparisons} beliefs() answers compared; ${total.checks} checks while writing, ${total.pendingChecks} of them with records pending`);
  assert.ok(total.pendingChecks > 0, 'some checks ran while records were still pending in the overlay');
  assert.ok(total.pendingChecks < total.checks, 'some checks ran with every record ingested: from the summaries alone');
}

describe('beliefs() and contested() equal the reference implementation of docs/beliefs.md', () => {
  test('on the memory store: pending, ingested, rebuilt and replayed', async (t) => {
    await modelCheck(t, 'memory', 20);
  });

  test('on the memory store, every pair indexed from its first assertion', async (t) => {
    await modelCheck(t, 'memory', 20, { pairInlineInputsMax: 0 });
  });

  test('on the memory store, pairs moving to the indexed form mid-history (3 inputs inline at most)', async (t) => {
    await modelCheck(t, 'memory', 15, { pairInlineInputsMax: 3 });
  });

  test('on LMDB: pending, ingested, rebuilt and reopened', async (t) => {
    await modelCheck(t, 'lmdb', 5);
  });

  test('on LMDB, every pair indexed: pending, ingested, rebuilt and reopened', async (t) => {
    await modelCheck(t, 'lmdb', 5, { pairInlineInputsMax: 0 });
  });
});
