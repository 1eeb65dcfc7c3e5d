// The reference memory server's tools: a script of its calls gives the graph the reference
// server would give (written out below), through StemeDB assertions and retractions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StemeDB } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { call, callError, httpClient, httpServer, stdioClient, type Structured } from './support.js';

interface Graph {
  entities: Array<{ name: string; entityType: string; observations: string[] }>;
  relations: Array<{ from: string; to: string; relationType: string }>;
}

/** Order-free form: the reference server keeps insertion order, StemeDB lists by index. */
function sorted(graph: Structured): Graph {
  const g = graph as unknown as Graph;
  return {
    entities: [...g.entities].sort((a, b) => a.name.localeCompare(b.name)),
    relations: [...g.relations].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

const alice = { name: 'Alice', entityType: 'person', observations: ['likes tea', 'works remotely'] };
const bob = { name: 'Bob', entityType: 'person', observations: ['plays chess'] };
const acme = { name: 'Acme', entityType: 'organization', observations: ['makes anvils'] };

async function script(client: Client): Promise<void> {
  assert.deepEqual(await call(client, 'create_entities', { entities: [alice, bob, acme] }), { entities: [alice, bob, acme] });
  // An existing name is ignored, as the reference server ignores it.
  assert.deepEqual(await call(client, 'create_entities', { entities: [{ name: 'Alice', entityType: 'robot', observations: ['x'] }] }), { entities: [] });
  const relations = [
    { from: 'Alice', to: 'Acme', relationType: 'works_at' },
    { from: 'Bob', to: 'Acme', relationType: 'works_at' },
    { from: 'Alice', to: 'Bob', relationType: 'knows' },
  ];
  assert.deepEqual(await call(client, 'create_relations', { relations: [...relations, relations[2]] }), { relations });
  assert.deepEqual(await call(client, 'create_relations', { relations: [relations[0]] }), { relations: [] }, 'duplicates are skipped');
  assert.deepEqual(await call(client, 'add_observations', { observations: [{ entityName: 'Alice', contents: ['likes tea', 'speaks French'] }] }), {
    results: [{ entityName: 'Alice', addedObservations: ['speaks French'] }],
  });
  assert.equal(await callError(client, 'add_observations', { observations: [{ entityName: 'Nobody', contents: ['x'] }] }), 'NOT_FOUND');

  assert.deepEqual(sorted(await call(client, 'search_nodes', { query: 'CHESS' })), { entities: [bob], relations: [] });
  assert.deepEqual(sorted(await call(client, 'open_nodes', { names: ['Alice', 'Acme', 'Nobody'] })), {
    entities: [acme, { ...alice, observations: [...alice.observations, 'speaks French'] }],
    relations: [relations[0]],
  });

  assert.equal((await call(client, 'delete_observations', { deletions: [{ entityName: 'Alice', observations: ['works remotely', 'never said'] }] })).success, true);
  assert.equal((await call(client, 'delete_relations', { relations: [relations[1]] })).success, true);
  assert.equal((await call(client, 'delete_entities', { entityNames: ['Bob', 'Nobody'] })).success, true);

  // Bad calls, shaped wrong for the reference server's schemas, are tool errors with a code.
  for (const [name, args] of [
    ['create_entities', { entities: [{ name: 'X', entityType: 't' }] }],
    ['create_relations', { relations: [{ from: 'A', to: 'B' }] }],
    ['add_observations', { observations: 'x' }],
    ['delete_entities', { entityNames: 'Bob' }],
    ['delete_observations', { deletions: [{ entityName: 'A' }] }],
    ['delete_relations', { relations: [{}] }],
    ['search_nodes', {}],
    ['open_nodes', { names: [1] }],
    ['read_graph', { limit: 0 }],
  ] as const) assert.equal(await callError(client, name, args), 'INVALID_REQUEST', name);
}

/** What the reference server holds after the script. */
const expected: Graph = {
  entities: [acme, { name: 'Alice', entityType: 'person', observations: ['likes tea', 'speaks French'] }],
  relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }],
};

async function readWholeGraph(client: Client, limit: number): Promise<Structured> {
  const whole: Graph = { entities: [], relations: [] };
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await call(client, 'read_graph', { limit, ...(cursor !== undefined && { cursor }) });
    whole.entities.push(...(page.entities as Graph['entities']));
    whole.relations.push(...(page.relations as Graph['relations']));
    cursor = page.cursor as string | undefined;
    pages++;
  } while (cursor !== undefined);
  assert.ok(pages >= Math.ceil(expected.entities.length / limit));
  return whole as unknown as Structured;
}

test('over stdio, a script of reference-server calls gives the reference server\'s graph, as assertions and retractions by the server\'s source', async (t) => {
  const data = tempDir(t);
  const client = await stdioClient(t, data, ['--source', 'memory-agent']);
  await script(client);
  assert.deepEqual(sorted(await call(client, 'read_graph', {})), expected);
  assert.deepEqual(sorted(await readWholeGraph(client, 1)), expected, 'read_graph pages add up to the graph');
  await client.close();

  const db = await StemeDB.open(data);
  try {
    // The mapping (docs/mcp.md): Bob's type and observation, and the relations from or to him, are retracted, by the same source.
    const bobs = db.assertionsAbout('Bob', { includeRetracted: true }).items;
    assert.deepEqual(bobs.map((a) => [a.predicate, a.status]).sort(), [['entityType', 'retracted'], ['observation', 'retracted'], ['works_at', 'retracted']]);
    const knows = db.find({ predicate: 'knows', includeRetracted: true }).items;
    assert.deepEqual(knows.map((a) => [a.subject, a.object, a.source, a.status]), [['Alice', { entity: 'Bob' }, 'memory-agent', 'retracted']]);
    const remote = db.find({ predicate: 'observation', object: 'works remotely', includeRetracted: true }).items;
    assert.equal(remote[0]?.status, 'retracted');
    assert.equal(db.get(remote[0]?.retractedBy ?? '')?.type, 'retraction');
    assert.deepEqual(db.beliefs('Alice', { predicate: 'entityType' }).predicates[0]?.best?.object, 'person');
  } finally {
    await db.close();
  }
});

test('over HTTP, the same script gives the same graph; a delete takes back only the deleting source\'s claims', async (t) => {
  const db = await StemeDB.open(tempDir(t));
  t.after(() => db.close());
  const client = await httpClient(t, await httpServer(t, db));
  await script(client);
  assert.deepEqual(sorted(await readWholeGraph(client, 2)), expected);
  // Another source's observation of Acme survives this source's delete of it.
  await db.assert({ subject: 'Acme', predicate: 'observation', object: 'founded 1949', source: 'someone-else' });
  await call(client, 'delete_observations', { deletions: [{ entityName: 'Acme', observations: ['founded 1949', 'makes anvils'] }] });
  assert.deepEqual((await call(client, 'open_nodes', { names: ['Acme'] })).entities, [{ name: 'Acme', entityType: 'organization', observations: ['founded 1949'] }]);
});
