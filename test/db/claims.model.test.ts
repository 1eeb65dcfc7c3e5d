// The rules of docs/claims.md, fast path against slow path: random histories of assertions,
// supersessions, votes, retractions and re-sent records (valid and invalid) are applied to the
// facade and to the plain reference model in fixtures/claims-model.ts. The facade must refuse
// exactly what the model refuses, logging nothing, and every read (get, assertionsAbout, find,
// history, votesFor, tally) must agree with the model as of every LSN of the history: while
// writes are still pending in the overlay, once ingested, after a restart that replays part of
// the log (LMDB), and after rebuild. Replay a failure with STEMEDB_TEST_SEED=<seed>.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { StemeDB, StemeError, type ErrorCode, type JsonValue } from '../../src/index.js';
import type { AssertionResult, AtPage } from '../../src/db/claims.js';
import { metaKey, writeU64 } from '../../src/layout/index.js';
import { canonicalJson } from '../../src/records/index.js';
import { LmdbStore } from '../../src/storage/index.js';
import { asReturned, ClaimsModel, type Logged, type ModelAssertion, type ModelRecord } from './fixtures/claims-model.js';
import { fcParams, testSeed } from '../support/seed.js';

const memoryRuns = Number(process.env.STEMEDB_MODEL_RUNS_MEMORY ?? 25);
const lmdbRuns = Number(process.env.STEMEDB_MODEL_RUNS_LMDB ?? 8);

// A few of each, so that histories collide: the same subject and predicate from several
// sources, votes by the same voter, identical records written twice.
const subjects = ['city:paris', 'city:lyon', 'city'];
const predicates = ['population', 'mayor', 'p'];
const values: JsonValue[] = [2148000, 2102650, 10, 'x', { a: 1, b: 2 }, { b: 2, a: 1 }, [1, 'x'], null];
const sources = ['insee', 'wikidata', 'osm'];
const voters = ['ada', 'bob', 'cy'];
const weights = [undefined, 0.5, 1, 2];
const epochs = [undefined, 1, 2];
const createdAtBase = 1_700_000_000_000;
const pageLimit = 2;
const historyPageLimit = 3;

/** What the histories exercised, reported with the test so that a vacuous run shows. */
const coverage = new Map<string, number>();
const count = (what: string): void => void coverage.set(what, (coverage.get(what) ?? 0) + 1);

// --- commands ---

type Write =
  | { op: 'assert'; subject: number; predicate: number; value: number; source: number; time: number }
  | { op: 'supersede'; pick: number; how: 'valid' | 'otherSource' | 'otherSubject' | 'otherPredicate' | 'unknown' | 'notAssertion'; value: number; time: number }
  | { op: 'vote'; pick: number; unknown: boolean; voter: number; oppose: boolean; weight: number; epoch: number; time: number }
  | { op: 'retract'; pick: number; how: 'own' | 'otherSource' | 'again' | 'unknown' | 'notAssertion'; reason: boolean; time: number }
  | { op: 'resend'; pick: number };
type Step = { op: 'write'; write: Write; visible: boolean } | { op: 'batch'; writes: Write[] } | { op: 'sync' } | { op: 'check' };

const index = (n: number) => fc.nat({ max: n - 1 });
const time = fc.nat({ max: 5 });
const assertArb = fc.record({ op: fc.constant('assert' as const), subject: index(subjects.length), predicate: index(predicates.length), value: index(values.length), source: index(sources.length), time });
const writeArb: fc.Arbitrary<Write> = fc.oneof(
  { weight: 4, arbitrary: assertArb },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('supersede' as const),
      pick: fc.nat(),
      how: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'otherSource', 'otherSubject', 'otherPredicate', 'unknown', 'notAssertion'),
      value: index(values.length),
      time,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('vote' as const),
      pick: fc.nat(),
      unknown: fc.nat({ max: 7 }).map((n) => n === 0),
      voter: index(voters.length),
      oppose: fc.boolean(),
      weight: index(weights.length),
      epoch: index(epochs.length),
      time,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('retract' as const),
      pick: fc.nat(),
      how: fc.constantFrom('own', 'own', 'own', 'own', 'otherSource', 'again', 'again', 'unknown', 'notAssertion'),
      reason: fc.boolean(),
      time,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resend' as const), pick: fc.nat() }) },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ op: fc.constant('write' as const), write: writeArb, visible: fc.nat({ max: 9 }).map((n) => n !== 0) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('batch' as const), writes: fc.array(writeArb, { minLength: 2, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'check' as const }) },
);
// A history starts with a few assertions, so that most later commands have a target.
const historyArb = fc
  .tuple(fc.array(assertArb.map((write) => ({ op: 'write' as const, write, visible: true })), { minLength: 1, maxLength: 3 }), fc.array(stepArb, { minLength: 4, maxLength: 28 }))
  .map(([first, rest]): Step[] => [...first, ...rest]);

/** A well-formed hash that names no record. */
const unknownHash = (n: number): string => (n >>> 0).toString(16).padStart(8, '0').repeat(8);

const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
const other = (list: readonly string[], value: string): string => list[(list.indexOf(value) + 1) % list.length]!;

/**
 * The record a command writes, given what is logged and what is earlier in its batch. The
 * command only shapes the input ("a retraction by another source"); the model alone decides
 * whether it is valid.
 */
function recordFor(write: Write, model: ClaimsModel, earlier: readonly Logged[]): ModelRecord {
  const logged = [...model.stored(), ...earlier];
  const claims = logged.filter((e) => e.record.type === 'assertion');
  const notClaims = logged.filter((e) => e.record.type !== 'assertion');
  const createdAt = (t: number): number => createdAtBase + t;
  switch (write.op) {
    case 'assert':
      return { type: 'assertion', subject: subjects[write.subject]!, predicate: predicates[write.predicate]!, object: values[write.value]!, source: sources[write.source]!, createdAt: createdAt(write.time) };
    case 'supersede': {
      const target = pick(claims, write.pick);
      const claim = target?.record.type === 'assertion' ? target.record : { subject: subjects[0]!, predicate: predicates[0]!, source: sources[0]! };
      const supersedes =
        write.how === 'unknown' || target === undefined ? unknownHash(write.pick) : write.how === 'notAssertion' ? (pick(notClaims, write.pick)?.hash ?? unknownHash(write.pick)) : target.hash;
      return {
        type: 'assertion',
        subject: write.how === 'otherSubject' ? other(subjects, claim.subject) : claim.subject,
        predicate: write.how === 'otherPredicate' ? other(predicates, claim.predicate) : claim.predicate,
        object: values[write.value]!,
        source: write.how === 'otherSource' ? other(sources, claim.source) : claim.source,
        supersedes,
        createdAt: createdAt(write.time),
      };
    }
    case 'vote': {
      const target = write.unknown ? undefined : pick(claims, write.pick);
      const weight = weights[write.weight];
      const epoch = epochs[write.epoch];
      return {
        type: 'vote',
        assertion: target?.hash ?? unknownHash(write.pick),
        voter: voters[write.voter]!,
        stance: write.oppose ? 'oppose' : 'support',
        ...(weight !== undefined && { weight }),
        ...(epoch !== undefined && { epoch }),
        createdAt: createdAt(write.time),
      };
    }
    case 'retract': {
      const changed = claims.filter((e) => model.status(e.hash).status !== 'live');
      const target = write.how === 'again' ? (pick(changed, write.pick) ?? pick(claims, write.pick)) : pick(claims, write.pick);
      const source = target?.record.type === 'assertion' ? target.record.source : sources[0]!;
      const assertion =
        write.how === 'unknown' || target === undefined ? unknownHash(write.pick) : write.how === 'notAssertion' ? (pick(notClaims, write.pick)?.hash ?? unknownHash(write.pick)) : target.hash;
      return {
        type: 'retraction',
        assertion,
        source: write.how === 'otherSource' ? other(sources, source) : source,
        ...(write.reason && { reason: 'census revision pending' }),
        createdAt: createdAt(write.time),
      };
    }
    case 'resend': {
      const again = pick(model.log, write.pick);
      return again?.record ?? { type: 'assertion', subject: subjects[0]!, predicate: predicates[0]!, object: values[0]!, source: sources[0]!, createdAt: createdAtBase };
    }
  }
}

// --- applying a history to the facade and the model ---

interface Run {
  db: StemeDB;
  model: ClaimsModel;
  /** A {visible: false} write is not queryable until ingested: sync before comparing reads. */
  invisiblePending: boolean;
}

function writeOne(db: StemeDB, record: ModelRecord, visible: boolean) {
  const options = { visible };
  if (record.type === 'assertion') return db.assert(record, options);
  if (record.type === 'vote') return db.vote(record, options);
  return db.retract(record, options);
}

/** Writes `records` (one, or a batch) to both; checks the facade refuses exactly what the model refuses. */
async function write(run: Run, records: ModelRecord[], batch: boolean, visible: boolean, where: string): Promise<void> {
  const { db, model } = run;
  const planned: Logged[] = [];
  const refusals = new Set<ErrorCode>();
  for (const record of records) {
    const refusal = model.refusal(record, planned);
    if (refusal !== undefined) refusals.add(refusal);
    planned.push({ lsn: -1, hash: StemeDB.hashOf(record), record });
  }
  const endBefore = db.stats().wal.endLsn;
  let results: Array<{ hash: string; lsn: number }> | undefined;
  let error: unknown;
  try {
    results = batch ? await db.appendBatch(records, { visible }) : [await writeOne(db, records[0]!, visible)];
  } catch (caught) {
    error = caught;
  }
  const what = `${where}: ${JSON.stringify(records)}`;
  if (refusals.size > 0) {
    assert.ok(error instanceof StemeError, `${what}: the model refuses it with ${[...refusals].join(' or ')}, the facade ${error === undefined ? 'accepted it' : `threw ${String(error)}`}`);
    assert.ok(refusals.has(error.code), `${what}: the model refuses it with ${[...refusals].join(' or ')}, the facade with ${error.code} (${error.message})`);
    if (error.code === 'INVALID_RECORD') assert.match(error.message, /^supersedes: /, `${what}: INVALID_RECORD names supersedes`);
    assert.equal(db.stats().wal.endLsn, endBefore, `${what}: a refused write logs nothing`);
    count(`refused ${error.code}`);
  } else {
    if (error !== undefined) throw new Error(`${what}: the model accepts it, the facade threw ${String(error)}`, { cause: error });
    assert.equal(results!.length, records.length);
    for (const [i, result] of results!.entries()) {
      assert.equal(result.hash, planned[i]!.hash, `${what}: the hash of record ${i}`);
      const record = records[i]!;
      const target = record.type === 'assertion' ? record.supersedes : record.assertion;
      count(model.record(result.hash) !== undefined ? 'logged again' : record.type === 'assertion' && target !== undefined ? 'logged supersession' : `logged ${record.type}`);
      if (target !== undefined && record.type !== 'vote' && model.status(target).status !== 'live') count('logged change of a changed assertion');
      model.append({ lsn: result.lsn, hash: result.hash, record: records[i]! });
    }
    if (!visible) run.invisiblePending = true;
  }
  if (!run.invisiblePending) {
    const { assertions, votes, retractions } = db.stats().records;
    assert.deepEqual({ assertions, votes, retractions }, model.counts(), `${what}: stats count each stored record once`);
  }
}

async function applyStep(run: Run, step: Step, where: string): Promise<void> {
  switch (step.op) {
    case 'write':
      return write(run, [recordFor(step.write, run.model, [])], false, step.visible, where);
    case 'batch': {
      const records: ModelRecord[] = [];
      const earlier: Logged[] = [];
      for (const w of step.writes) {
        const record = recordFor(w, run.model, earlier);
        records.push(record);
        earlier.push({ lsn: -1, hash: StemeDB.hashOf(record), record });
      }
      return write(run, records, true, true, where);
    }
    case 'sync':
      await run.db.sync();
      run.invisiblePending = false;
      return;
    case 'check':
      return compareEverywhere(run, where);
  }
}

// --- comparing reads with the model ---

interface AssertionShape {
  hash: string;
  lsn: number;
  status: string;
  retractedBy?: string;
  supersededBy?: string;
  record: unknown;
}

function actualShape(result: AssertionResult): AssertionShape {
  const { hash, lsn, status, retractedBy, supersededBy, ...record } = result;
  return { hash, lsn, status, ...(retractedBy !== undefined && { retractedBy }), ...(supersededBy !== undefined && { supersededBy }), record };
}

function expectedShape(m: ModelAssertion): AssertionShape {
  return { hash: m.hash, lsn: m.lsn, status: m.status, ...(m.retractedBy !== undefined && { retractedBy: m.retractedBy }), ...(m.supersededBy !== undefined && { supersededBy: m.supersededBy }), record: asReturned(m.record) };
}

/** Every page of a read, following its cursors; each page at `atLsn`, never an item twice. */
function allPages<T>(read: (cursor: string | undefined) => AtPage<T>, atLsn: number, key: (item: T) => string, where: string): T[] {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = read(cursor);
    assert.equal(page.atLsn, atLsn, `${where}: atLsn`);
    items.push(...page.items);
    cursor = page.cursor;
    assert.ok(items.length < 10_000, `${where}: pages never end`);
  } while (cursor !== undefined);
  const keys = items.map(key);
  assert.equal(new Set(keys).size, keys.length, `${where}: an item repeats across pages: ${keys.join(', ')}`);
  return items;
}

const byHash = (a: { hash: string }, b: { hash: string }): number => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);
const byLsn = (a: { lsn: number }, b: { lsn: number }): number => a.lsn - b.lsn;
const objectBytes = (a: ModelAssertion): Buffer => Buffer.from(canonicalJson(a.record.object));
const byObjectThenHash = (a: ModelAssertion, b: ModelAssertion): number => Buffer.compare(objectBytes(a), objectBytes(b)) || byHash(a, b);

/** Every read, as of `asOf` (undefined: now, answered at `endLsn`), against the model. */
function compareAt(run: Run, asOf: number | undefined, endLsn: number, label: string): void {
  const { db, model } = run;
  const cut = asOf ?? Number.POSITIVE_INFINITY;
  const atLsn = asOf ?? endLsn;
  const at = asOf === undefined ? {} : { asOf };
  const where = `${label}, asOf ${asOf ?? 'none'}`;
  const hashes = [...new Set(model.log.map((e) => e.hash)), unknownHash(7)];
  const claimHashes = hashes.filter((h) => model.log.some((e) => e.hash === h && e.record.type === 'assertion'));

  for (const hash of hashes) {
    const expected = model.record(hash, cut);
    const actual = db.get(hash, at);
    if (expected === undefined) assert.equal(actual, undefined, `${where}: get(${hash}) is not there yet`);
    else if (expected.record.type === 'assertion') {
      assert.equal(actual?.type, 'assertion', `${where}: get(${hash})`);
      assert.deepEqual(actualShape(actual as AssertionResult), expectedShape(model.assertion(hash, cut)!), `${where}: get(${hash})`);
    } else assert.deepEqual(actual, { ...asReturned(expected.record), hash }, `${where}: get(${hash})`);
  }

  for (const subject of [...subjects, 'nobody']) {
    for (const predicate of [undefined, ...predicates]) {
      for (const includeRetracted of [false, true]) {
        const about = `${where}: assertionsAbout(${subject}, ${predicate ?? '*'}, includeRetracted ${includeRetracted})`;
        const options = { ...(predicate !== undefined && { predicate }), includeRetracted, limit: pageLimit, ...at };
        const items = allPages((cursor) => db.assertionsAbout(subject, { ...options, ...(cursor !== undefined && { cursor }) }), atLsn, (a) => a.hash, about);
        assert.deepEqual(items.map(actualShape).sort(byHash), model.assertionsAbout(subject, predicate, includeRetracted, cut).map(expectedShape).sort(byHash), about);
      }
    }
    for (const predicate of [undefined, ...predicates]) {
      const about = `${where}: history(${subject}, ${predicate ?? '*'})`;
      const options = { ...(predicate !== undefined && { predicate }), limit: historyPageLimit, ...at };
      const items = allPages((cursor) => db.history(subject, { ...options, ...(cursor !== undefined && { cursor }) }), atLsn, (i) => i.hash, about);
      const expected = model.history(subject, predicate, cut).map((e) => ({ lsn: e.lsn, type: e.record.type, hash: e.hash, record: asReturned(e.record) }));
      assert.deepEqual(items, expected, about);
    }
  }

  // find, by each index of the table in docs/claims.md, in that index's order.
  const queries: Array<{ query: { predicate?: string; object?: JsonValue; source?: string; subject?: string }; order: (a: ModelAssertion, b: ModelAssertion) => number }> = [];
  for (const predicate of predicates) {
    queries.push({ query: { predicate }, order: byObjectThenHash });
    const objects = new Map<string, JsonValue>([[canonicalJson(values[0]!), values[0]!]]);
    for (const { record } of model.log) if (record.type === 'assertion' && record.predicate === predicate) objects.set(canonicalJson(record.object), record.object);
    for (const object of objects.values()) queries.push({ query: { predicate, object }, order: byHash });
    for (const subject of subjects) queries.push({ query: { subject, predicate }, order: byHash });
  }
  for (const source of sources) {
    queries.push({ query: { source }, order: byLsn });
    queries.push({ query: { source, predicate: predicates[0]! }, order: byLsn });
    queries.push({ query: { source, subject: subjects[0]! }, order: byLsn });
    queries.push({ query: { source, predicate: predicates[0]!, object: values[0]! }, order: byHash });
  }
  for (const { query, order } of queries) {
    for (const includeRetracted of [false, true]) {
      const about = `${where}: find(${JSON.stringify(query)}, includeRetracted ${includeRetracted})`;
      const options = { ...query, includeRetracted, limit: pageLimit, ...at };
      const items = allPages((cursor) => db.find({ ...options, ...(cursor !== undefined && { cursor }) }), atLsn, (a) => a.hash, about);
      assert.deepEqual(items.map(actualShape), model.find(query, includeRetracted, cut).sort(order).map(expectedShape), about);
    }
  }

  for (const hash of [...claimHashes, unknownHash(7)]) {
    assert.deepEqual(db.votesFor(hash, at).map((v) => v.hash), model.votes(hash, cut).map((e) => e.hash), `${where}: votesFor(${hash})`);
    for (const epoch of [undefined, 1]) {
      const { atLsn: tallyAt, ...tally } = db.tally(hash, { ...at, ...(epoch !== undefined && { epoch }) });
      assert.equal(tallyAt, atLsn, `${where}: tally(${hash}).atLsn`);
      assert.deepEqual(tally, model.tally(hash, epoch, cut), `${where}: tally(${hash}, epoch ${epoch ?? '*'})`);
    }
  }
}

const invalidQuery = (error: unknown): boolean => error instanceof StemeError && error.code === 'INVALID_QUERY';

/** Reads agree with the model as of 0, every logged LSN, just past the last, and the end of the log. */
async function compareEverywhere(run: Run, label: string): Promise<void> {
  if (run.invisiblePending) {
    await run.db.sync();
    run.invisiblePending = false;
  }
  const { db, model } = run;
  if (db.stats().ingest.lagBytes > 0) count('compared with writes pending');
  const endLsn = db.history(subjects[0]!).atLsn;
  const last = model.log[model.log.length - 1];
  assert.ok(last === undefined || endLsn > last.lsn, `${label}: the end of the log (${endLsn}) is past the last record (${last?.lsn})`);
  assert.throws(() => db.get(unknownHash(7), { asOf: endLsn + 1 }), invalidQuery, `${label}: asOf beyond the end`);
  const { assertions, votes, retractions } = db.stats().records;
  assert.deepEqual({ assertions, votes, retractions }, model.counts(), `${label}: stats count each stored record once`);
  const cuts = new Set([0, ...model.log.map((e) => e.lsn), endLsn]);
  if (last !== undefined) cuts.add(last.lsn + 1);
  for (const asOf of cuts) compareAt(run, asOf, endLsn, label);
  compareAt(run, undefined, endLsn, label);
}

// --- the properties ---

const quiet = { log: () => undefined };

/** Sets the KV checkpoint of a closed database back to `lsn`: the next open replays the log from there. */
async function rewindCheckpoint(dir: string, lsn: number): Promise<void> {
  const store = await LmdbStore.open({ path: path.join(dir, 'kv') });
  try {
    await store.put(metaKey('checkpoint'), writeU64(lsn));
  } finally {
    await store.close();
  }
}

async function checkHistory(store: 'memory' | 'lmdb', steps: Step[], rewindPick: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-model-'));
  // The model tests rules, not durability (the crash suite does): no fsync per write.
  const options = { ...quiet, store, sync: 'none' as const };
  const run: Run = { db: await StemeDB.open(dir, options), model: new ClaimsModel(), invisiblePending: false };
  try {
    for (const [i, step] of steps.entries()) await applyStep(run, step, `step ${i} (${step.op})`);
    await compareEverywhere(run, 'end of the history, writes pending');
    await run.db.sync();
    await compareEverywhere(run, 'end of the history, all ingested');
    if (store === 'lmdb') {
      await run.db.close();
      // Replay from a record's LSN: what is stored already must not move to a later LSN.
      const from = pick(run.model.log, rewindPick);
      if (from !== undefined) await rewindCheckpoint(dir, from.lsn);
      run.db = await StemeDB.open(dir, options);
      await compareEverywhere(run, `after a restart replaying from LSN ${from?.lsn ?? 0}`);
    }
    await run.db.rebuild();
    await compareEverywhere(run, 'after rebuild');
    const report = await run.db.verify();
    assert.deepEqual(report.problems, [], 'verify finds no problem');
    assert.equal(report.ok, true);
  } finally {
    await run.db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const [store, numRuns] of [['memory', memoryRuns], ['lmdb', lmdbRuns]] as const) {
  test(`claims on the ${store} store agree with the reference model at every LSN (${numRuns} random histories)`, { timeout: 10 * 60_000 }, async (t) => {
    t.diagnostic(`STEMEDB_TEST_SEED=${testSeed()}`);
    coverage.clear();
    await fc.assert(fc.asyncProperty(historyArb, fc.nat(), (steps, rewindPick) => checkHistory(store, steps, rewindPick)), fcParams({ numRuns, includeErrorInReport: true }));
    t.diagnostic(`covered: ${[...coverage].sort().map(([what, n]) => `${what} ${n}`).join(', ')}`);
  });
}
