// db.memory, the reference memory server's graph over StemeDB records, against a plain model of
// that server written here (its KnowledgeGraphManager in a few dozen lines, with the in-call
// repeats kept once as docs/mcp.md says), over random histories during which ingest is paused
// and resumed, so answers come from the overlay, the store, or both; and its bounds: pages that
// add up, search's candidate budget, relations past one answer, cursors bound to their query,
// several sources, and verify's check of the G: family.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { StemeDB, type GraphEntity, type GraphRelation } from '../../src/index.js';
import { graphRelationsMax, graphSearchCandidatesMax, graphSearchEntitiesDefault } from '../../src/limits.js';
import { fcParams } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';

async function open(t: TestContext, store: 'memory' | 'lmdb' = 'memory'): Promise<StemeDB> {
  const db = await StemeDB.open(tempDir(t), { store, sync: 'none', log: () => {} });
  t.after(() => db.close());
  return db;
}

/** The reference server's semantics, plainly (its KnowledgeGraphManager), with in-call repeats kept once. */
class Model {
  entities: GraphEntity[] = [];
  relations: GraphRelation[] = [];

  createEntities(list: GraphEntity[]): GraphEntity[] {
    const created: GraphEntity[] = [];
    for (const e of list) {
      if (this.entities.some((x) => x.name === e.name) || created.some((x) => x.name === e.name)) continue;
      created.push({ name: e.name, entityType: e.entityType, observations: [...new Set(e.observations)] });
    }
    this.entities.push(...created.map((e) => ({ ...e, observations: [...e.observations] })));
    return created;
  }

  createRelations(list: GraphRelation[]): GraphRelation[] {
    const same = (a: GraphRelation, b: GraphRelation): boolean => a.from === b.from && a.to === b.to && a.relationType === b.relationType;
    const created: GraphRelation[] = [];
    for (const r of list) if (!this.relations.some((x) => same(x, r)) && !created.some((x) => same(x, r))) created.push({ ...r });
    this.relations.push(...created);
    return created;
  }

  addObservations(list: Array<{ entityName: string; contents: string[] }>): Array<{ entityName: string; addedObservations: string[] }> {
    for (const o of list) if (!this.entities.some((e) => e.name === o.entityName)) throw new Error(`Entity with name ${o.entityName} not found`);
    return list.map((o) => {
      const entity = this.entities.find((e) => e.name === o.entityName)!;
      const added = [...new Set(o.contents)].filter((c) => !entity.observations.includes(c));
      entity.observations.push(...added);
      return { entityName: o.entityName, addedObservations: added };
    });
  }

  deleteEntities(names: string[]): void {
    this.entities = this.entities.filter((e) => !names.includes(e.name));
    this.relations = this.relations.filter((r) => !names.includes(r.from) && !names.includes(r.to));
  }

  deleteObservations(list: Array<{ entityName: string; observations: string[] }>): void {
    for (const d of list) {
      const entity = this.entities.find((e) => e.name === d.entityName);
      if (entity !== undefined) entity.observations = entity.observations.filter((o) => !d.observations.includes(o));
    }
  }

  deleteRelations(list: GraphRelation[]): void {
    this.relations = this.relations.filter((r) => !list.some((d) => d.from === r.from && d.to === r.to && d.relationType === r.relationType));
  }

  read(): { entities: GraphEntity[]; relations: GraphRelation[] } {
    return { entities: this.entities, relations: this.relations };
  }

  search(query: string): { entities: GraphEntity[]; relations: GraphRelation[] } {
    const q = query.toLowerCase();
    const entities = this.entities.filter((e) => e.name.toLowerCase().includes(q) || e.entityType.toLowerCase().includes(q) || e.observations.some((o) => o.toLowerCase().includes(q)));
    const names = new Set(entities.map((e) => e.name));
    return { entities, relations: this.relations.filter((r) => names.has(r.from) || names.has(r.to)) };
  }

  open(names: string[]): { entities: GraphEntity[]; relations: GraphRelation[] } {
    const entities = this.entities.filter((e) => names.includes(e.name));
    const found = new Set(entities.map((e) => e.name));
    return { entities, relations: this.relations.filter((r) => found.has(r.from) || found.has(r.to)) };
  }
}

const names = ['Alice', 'Bob', 'Acme', 'alice', 'Émile', 'Zed'];
const types = ['person', 'org', 'Person'];
const texts = ['likes tea', 'plays chess', 'Likes Tea', 'x', 'works at Acme', 'bob', 'İstanbul', 'école'];
const queries = ['', 'a', 'A', 'li', 'tea', 'TEA', 'chess', 'acme', 'person', 'zz', 'bob', 'ce', 'émi', 'ÉCOLE', 'i̇st', 'ist'];
const name = fc.constantFrom(...names);
const relation = fc.record({ from: name, to: name, relationType: fc.constantFrom('knows', 'works_at') });

type Step =
  | { op: 'createEntities'; entities: GraphEntity[] }
  | { op: 'createRelations'; relations: GraphRelation[] }
  | { op: 'addObservations'; observations: Array<{ entityName: string; contents: string[] }> }
  | { op: 'deleteEntities'; names: string[] }
  | { op: 'deleteObservations'; deletions: Array<{ entityName: string; observations: string[] }> }
  | { op: 'deleteRelations'; relations: GraphRelation[] }
  | { op: 'ingest'; pause: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.array(fc.record({ name, entityType: fc.constantFrom(...types), observations: fc.array(fc.constantFrom(...texts), { maxLength: 3 }) }), { maxLength: 3 }).map((entities) => ({ op: 'createEntities' as const, entities })),
  fc.array(relation, { maxLength: 3 }).map((relations) => ({ op: 'createRelations' as const, relations })),
  fc.array(fc.record({ entityName: name, contents: fc.array(fc.constantFrom(...texts), { maxLength: 3 }) }), { maxLength: 2 }).map((observations) => ({ op: 'addObservations' as const, observations })),
  fc.array(name, { maxLength: 2 }).map((list) => ({ op: 'deleteEntities' as const, names: list })),
  fc.array(fc.record({ entityName: name, observations: fc.array(fc.constantFrom(...texts), { maxLength: 3 }) }), { maxLength: 2 }).map((deletions) => ({ op: 'deleteObservations' as const, deletions })),
  fc.array(relation, { maxLength: 2 }).map((relations) => ({ op: 'deleteRelations' as const, relations })),
  fc.boolean().map((pause) => ({ op: 'ingest' as const, pause })),
);

async function apply(db: StemeDB, model: Model, s: Step): Promise<void> {
  const source = 'agent';
  switch (s.op) {
    case 'createEntities':
      assert.deepEqual(await db.memory.createEntities(s.entities, source), model.createEntities(s.entities));
      return;
    case 'createRelations':
      assert.deepEqual(await db.memory.createRelations(s.relations, source), model.createRelations(s.relations));
      return;
    case 'addObservations': {
      let expected: unknown;
      try {
        expected = model.addObservations(s.observations);
      } catch (error) {
        await assert.rejects(db.memory.addObservations(s.observations, source), { code: 'NOT_FOUND', message: (error as Error).message });
        return;
      }
      assert.deepEqual(await db.memory.addObservations(s.observations, source), expected);
      return;
    }
    case 'deleteEntities':
      await db.memory.deleteEntities(s.names, source);
      model.deleteEntities(s.names);
      return;
    case 'deleteObservations':
      await db.memory.deleteObservations(s.deletions, source);
      model.deleteObservations(s.deletions);
      return;
    case 'deleteRelations':
      await db.memory.deleteRelations(s.relations, source);
      model.deleteRelations(s.relations);
      return;
    case 'ingest':
      if (s.pause) await db.pauseIngest();
      else db.resumeIngest();
  }
}

/** Every page of read() joined, at `limit` items a page. */
function readAll(db: StemeDB, limit: number): { entities: GraphEntity[]; relations: GraphRelation[] } {
  const whole = { entities: [] as GraphEntity[], relations: [] as GraphRelation[] };
  let cursor: string | undefined;
  do {
    const page = db.memory.read({ limit, ...(cursor !== undefined && { cursor }) });
    assert.ok(page.entities.length + page.relations.length <= limit);
    whole.entities.push(...page.entities);
    whole.relations.push(...page.relations);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return whole;
}

function check(db: StemeDB, model: Model, note: string): void {
  assert.deepEqual(db.memory.read(), model.read(), `read ${note}`);
  assert.deepEqual(readAll(db, 2), model.read(), `read in pages of 2 ${note}`);
  for (const q of queries) assert.deepEqual(db.memory.search(q), model.search(q), `search ${JSON.stringify(q)} ${note}`);
  for (const list of [names, ['Bob', 'Alice'], ['Zed'], []]) assert.deepEqual(db.memory.open(list), model.open(list), `open ${JSON.stringify(list)} ${note}`);
}

test('random histories, with ingest paused and resumed between calls, answer as the reference server\'s semantics do; verify finds the G: family exact', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
      const db = await StemeDB.open(tempDir(t), { store: 'lmdb', sync: 'none', log: () => {} });
      try {
        const model = new Model();
        for (const [i, s] of steps.entries()) {
          await apply(db, model, s);
          if (s.op !== 'ingest') check(db, model, `after step ${i} (${s.op})`);
        }
        db.resumeIngest();
        await db.sync();
        check(db, model, 'after ingest caught up');
        const report = await db.verify();
        assert.deepEqual(report.problems, []);
      } finally {
        db.resumeIngest();
        await db.close();
      }
    }),
    fcParams({ numRuns: 40 }),
  );
});

test('read() pages add up to the graph at every page size, entities then relations, and cursors only fit their own query', async (t) => {
  const db = await open(t);
  await db.memory.createEntities(Array.from({ length: 7 }, (_, i) => ({ name: `e${i}`, entityType: 't', observations: [`o${i}`] })), 's');
  await db.memory.createRelations(Array.from({ length: 5 }, (_, i) => ({ from: `e${i}`, to: `e${i + 1}`, relationType: 'next' })), 's');
  const whole = db.memory.read();
  assert.equal(whole.entities.length + whole.relations.length, 12);
  assert.equal(whole.cursor, undefined);
  for (let limit = 1; limit <= 13; limit++) assert.deepEqual(readAll(db, limit), { entities: whole.entities, relations: whole.relations }, `limit ${limit}`);
  const first = db.memory.read({ limit: 3 });
  assert.throws(() => db.memory.search('e', { cursor: first.cursor }), { code: 'INVALID_CURSOR' });
  assert.throws(() => db.memory.open(['e1'], { cursor: first.cursor }), { code: 'INVALID_CURSOR' });
  assert.throws(() => db.memory.read({ cursor: 'garbage' }), { code: 'INVALID_CURSOR' });
  assert.throws(() => db.memory.read({ limit: 0 }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => db.memory.read({ limit: 1001 }), { code: 'INVALID_ARGUMENT' });
});

test('search returns at most `limit` entities an answer, examines a bounded number of candidates a call, and its pages add up to every match in order', async (t) => {
  const db = await open(t, 'lmdb');
  const count = graphSearchCandidatesMax + 100;
  for (let start = 0; start < count; start += 1000) {
    await db.memory.createEntities(Array.from({ length: Math.min(1000, count - start) }, (_, j) => {
      const i = start + j;
      return { name: `e${i}`, entityType: 'thing', observations: i === 5 || i === count - 1 ? ['has q! in it'] : [`number ${i}`] };
    }), 's');
  }
  await db.sync();
  const pages = (query: string): Array<{ entities: string[]; cursor?: string }> => {
    const out: Array<{ entities: string[]; cursor?: string }> = [];
    let cursor: string | undefined;
    do {
      const page = db.memory.search(query, { ...(cursor !== undefined && { cursor }) });
      out.push({ entities: page.entities.map((e) => e.name), ...(page.cursor !== undefined && { cursor: page.cursor }) });
      cursor = page.cursor;
    } while (cursor !== undefined);
    return out;
  };
  // Every entity matches "": pages of `limit`, in creation order.
  const all = pages('');
  assert.equal(all.length, Math.ceil(count / graphSearchEntitiesDefault));
  assert.deepEqual(all.flatMap((p) => p.entities), Array.from({ length: count }, (_, i) => `e${i}`));
  // A 2-byte query has no trigram: every entity is a candidate, and one call examines at most the budget.
  const sparse = pages('q!');
  assert.deepEqual(sparse.map((p) => p.entities), [['e5'], [`e${count - 1}`]]);
  assert.notEqual(sparse[0]!.cursor, undefined);
  // With trigrams, the postings name only the two candidates: one answer.
  assert.deepEqual(pages('Q! IN'), [{ entities: ['e5', `e${count - 1}`] }]);
  assert.deepEqual(pages('number 2098').flatMap((p) => p.entities), ['e2098']);
  // A query longer than any text an entity can hold matches nothing, and costs nothing.
  assert.deepEqual(db.memory.search('q! in it'.repeat(20_000)), { entities: [], relations: [] });
});

test(`open() answers at most ${graphRelationsMax} relations; the rest come in further answers with the cursor, without the entities again`, async (t) => {
  const db = await open(t);
  await db.memory.createEntities([{ name: 'Hub', entityType: 'hub', observations: [] }], 's');
  const total = graphRelationsMax + 5;
  const records = Array.from({ length: total }, (_, i) => ({ type: 'assertion' as const, subject: `spoke${i}`, predicate: 'links', object: { entity: 'Hub' }, source: 's' }));
  for (let i = 0; i < total; i += 4000) await db.appendBatch(records.slice(i, i + 4000));
  const first = db.memory.open(['Hub']);
  assert.equal(first.entities.length, 1);
  assert.equal(first.relations.length, graphRelationsMax);
  assert.notEqual(first.cursor, undefined);
  const second = db.memory.open(['Hub'], { cursor: first.cursor });
  assert.deepEqual(second.entities, []);
  assert.deepEqual(second.relations.map((r) => r.from), ['spoke10000', 'spoke10001', 'spoke10002', 'spoke10003', 'spoke10004']);
  assert.equal(second.cursor, undefined);
  const search = db.memory.search('hub');
  assert.equal(search.relations.length, graphRelationsMax);
  assert.equal(search.moreRelations, true);
});

test('several sources: a delete takes back only its own claims, and the next live one (another source\'s) takes their place, pending or ingested', async (t) => {
  for (const paused of [true, false]) {
    const db = await open(t);
    if (paused) await db.pauseIngest();
    await db.memory.createEntities([{ name: 'X', entityType: 't', observations: ['seen'] }, { name: 'Y', entityType: 't', observations: [] }], 'a');
    await db.memory.createRelations([{ from: 'X', to: 'Y', relationType: 'r' }], 'a');
    // Another source says the same things (through the native API: the memory tools skip what exists).
    await db.assert({ subject: 'X', predicate: 'entityType', object: 'u', source: 'b' });
    await db.assert({ subject: 'X', predicate: 'observation', object: 'seen', source: 'b' });
    await db.assert({ subject: 'X', predicate: 'r', object: { entity: 'Y' }, source: 'b' });
    await db.memory.createEntities([{ name: 'Z', entityType: 't', observations: [] }], 'a');
    assert.deepEqual(db.memory.read(), {
      entities: [{ name: 'X', entityType: 't', observations: ['seen'] }, { name: 'Y', entityType: 't', observations: [] }, { name: 'Z', entityType: 't', observations: [] }],
      relations: [{ from: 'X', to: 'Y', relationType: 'r' }],
    });
    await db.memory.deleteEntities(['X'], 'a');
    const expected = {
      // X is b's now: typed "u", listed where b typed it (after Y), its relation b's.
      entities: [{ name: 'Y', entityType: 't', observations: [] }, { name: 'X', entityType: 'u', observations: ['seen'] }, { name: 'Z', entityType: 't', observations: [] }],
      relations: [{ from: 'X', to: 'Y', relationType: 'r' }],
    };
    assert.deepEqual(db.memory.read(), expected, paused ? 'pending' : 'ingested');
    assert.deepEqual(db.memory.open(['Y']).relations, expected.relations);
    db.resumeIngest();
    await db.sync();
    assert.deepEqual(db.memory.read(), expected, 'after ingest');
    assert.deepEqual(db.memory.search('SEEN').entities.map((e) => e.name), ['X']);
    await db.memory.deleteEntities(['X'], 'b');
    assert.deepEqual(db.memory.read().entities.map((e) => e.name), ['Y', 'Z']);
    assert.deepEqual(db.memory.read().relations, []);
  }
});

test('verify reports a damaged G: entry, and rebuild restores it', async (t) => {
  const db = await StemeDB.open(tempDir(t), { sync: 'none', log: () => {} });
  t.after(() => db.close());
  await db.memory.createEntities([{ name: 'A', entityType: 't', observations: ['likes tea'] }], 's');
  await db.memory.createRelations([{ from: 'A', to: 'B', relationType: 'r' }], 's');
  await db.sync();
  assert.deepEqual((await db.verify()).problems, []);
  // Drop the relation's entry by its from: one of the G: entries the records call for.
  const store = (db as unknown as { store: { scanPrefix(p: Uint8Array): Iterable<{ key: Uint8Array }>; del(k: Uint8Array): Promise<void> } }).store;
  const [entry] = [...store.scanPrefix(new TextEncoder().encode('G:f'))];
  await store.del(entry!.key);
  const report = await db.verify();
  assert.equal(report.ok, false);
  assert.ok(report.problems.some((p) => p.where.startsWith('memory graph')), JSON.stringify(report.problems));
  await db.rebuild();
  assert.deepEqual((await db.verify()).problems, []);
  assert.deepEqual(db.memory.open(['A']).relations, [{ from: 'A', to: 'B', relationType: 'r' }]);
});

test('postings lowercased under another Unicode version are not trusted: search examines every entity and still finds each match', async (t) => {
  const db = await open(t);
  await db.memory.createEntities(Array.from({ length: 50 }, (_, i) => ({ name: `e${i}`, entityType: 't', observations: i === 7 ? ['Grüße aus Köln'] : [`plain ${i}`] })), 's');
  await db.sync();
  assert.deepEqual(db.memory.search('KÖLN').entities.map((e) => e.name), ['e7']);
  // As if the store's postings had been written by a Node with other Unicode tables, and
  // (worse) had missed this entity: search must not rely on them.
  const store = (db as unknown as { store: { put(k: Uint8Array, v: Uint8Array): Promise<void>; scanPrefix(p: Uint8Array): Iterable<{ key: Uint8Array }>; del(k: Uint8Array): Promise<void> } }).store;
  const encoder = new TextEncoder();
  for (const { key } of [...store.scanPrefix(encoder.encode('G:s'))]) await store.del(key);
  assert.deepEqual(db.memory.search('KÖLN').entities, [], 'with the postings gone and trusted, nothing is a candidate');
  await store.put(encoder.encode('G:u'), encoder.encode('0.0-another'));
  assert.deepEqual(db.memory.search('KÖLN').entities.map((e) => e.name), ['e7']);
});
