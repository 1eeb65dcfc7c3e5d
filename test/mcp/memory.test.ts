// The reference memory server's tools as StemeDB stores them (reference.test.ts checks the
// answers against the reference itself): assertions and retractions by the server's source, a
// delete that takes back only that source's claims, pages over HTTP, StemeDB's own errors with
// their codes, and what tools/list shows a model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StemeDB } from '../../src/index.js';
import { graphCallItemsMax } from '../../src/limits.js';
import { tempDir } from '../support/temp-dir.js';
import { call, callError, httpClient, httpServer, stdioClient } from './support.js';

const alice = { name: 'Alice', entityType: 'person', observations: ['likes tea', 'works remotely'] };
const bob = { name: 'Bob', entityType: 'person', observations: ['plays chess'] };
const acme = { name: 'Acme', entityType: 'organization', observations: ['makes anvils'] };

async function script(client: Client): Promise<void> {
  await call(client, 'create_entities', { entities: [alice, bob, acme] });
  await call(client, 'create_relations', { relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }, { from: 'Alice', to: 'Bob', relationType: 'knows' }, { from: 'Bob', to: 'Acme', relationType: 'works_at' }] });
  await call(client, 'delete_observations', { deletions: [{ entityName: 'Alice', observations: ['works remotely'] }] });
  await call(client, 'delete_entities', { entityNames: ['Bob'] });
}

test('over stdio, the memory tools write assertions and retractions by the server\'s source, which the other reads see and verify finds exact', async (t) => {
  const data = tempDir(t);
  const client = await stdioClient(t, data, ['--source', 'memory-agent']);
  await script(client);
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
    assert.deepEqual(db.memory.read(), {
      entities: [{ name: 'Alice', entityType: 'person', observations: ['likes tea'] }, acme],
      relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }],
    });
    assert.deepEqual((await db.verify()).problems, []);
  } finally {
    await db.close();
  }
});

test('over HTTP, a delete takes back only the deleting source\'s claims; read_graph pages with a cursor; StemeDB\'s own refusals carry codes', async (t) => {
  const db = await StemeDB.open(tempDir(t));
  t.after(() => db.close());
  const client = await httpClient(t, await httpServer(t, db));
  await script(client);
  // Another source's observation of Acme survives this source's delete of it.
  await db.assert({ subject: 'Acme', predicate: 'observation', object: 'founded 1949', source: 'someone-else' });
  await call(client, 'delete_observations', { deletions: [{ entityName: 'Acme', observations: ['founded 1949', 'makes anvils'] }] });
  assert.deepEqual((await call(client, 'open_nodes', { names: ['Acme'] })).entities, [{ name: 'Acme', entityType: 'organization', observations: ['founded 1949'] }]);

  const first = await call(client, 'read_graph', { limit: 1 });
  assert.deepEqual(first.entities, [{ name: 'Alice', entityType: 'person', observations: ['likes tea'] }]);
  assert.equal(typeof first.cursor, 'string');
  const second = await call(client, 'read_graph', { limit: 2, cursor: first.cursor });
  assert.deepEqual(second, { entities: [{ name: 'Acme', entityType: 'organization', observations: ['founded 1949'] }], relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }] });
  assert.equal(await callError(client, 'read_graph', { cursor: 'nope' }), 'INVALID_CURSOR');
  assert.equal(await callError(client, 'search_nodes', { query: 'a', cursor: first.cursor }), 'INVALID_CURSOR');

  const many = Array.from({ length: graphCallItemsMax + 1 }, (_, i) => `n${i}`);
  assert.equal(await callError(client, 'open_nodes', { names: many }), 'INVALID_ARGUMENT');
  assert.equal(await callError(client, 'delete_entities', { entityNames: many }), 'INVALID_ARGUMENT');
  assert.equal(await callError(client, 'create_entities', { entities: [{ name: 'x'.repeat(2000), entityType: 't', observations: [] }] }), 'INVALID_RECORD');
  assert.equal(await callError(client, 'create_relations', { relations: [{ from: 'A', to: 'B', relationType: '' }] }), 'INVALID_RECORD');
  // The reference's own refusals come as it gives them: its text, no code.
  const missing = await client.callTool({ name: 'add_observations', arguments: { observations: [{ entityName: 'Nobody', contents: ['x'] }] } });
  assert.deepEqual(missing, { content: [{ type: 'text', text: 'Entity with name Nobody not found' }], isError: true });
});

test('tools/list shows each memory tool with the reference\'s input fields (and StemeDB\'s paging fields), its output schema and its limits', async (t) => {
  const db = await StemeDB.open(tempDir(t));
  t.after(() => db.close());
  const client = await httpClient(t, await httpServer(t, db));
  const { tools } = await client.listTools();
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const fields = (name: string): string[] => Object.keys(byName.get(name)?.inputSchema.properties ?? {});
  assert.deepEqual(fields('create_entities'), ['entities']);
  assert.deepEqual(fields('read_graph'), ['limit', 'cursor']);
  assert.deepEqual(fields('search_nodes'), ['query', 'limit', 'cursor']);
  assert.deepEqual(fields('open_nodes'), ['names', 'cursor']);
  assert.deepEqual(byName.get('search_nodes')?.inputSchema.required, ['query']);
  const entities = byName.get('create_entities')?.inputSchema.properties?.entities as { maxItems: number; items: { required: string[] } };
  assert.equal(entities.maxItems, graphCallItemsMax);
  assert.deepEqual(entities.items.required, ['name', 'entityType', 'observations']);
  assert.deepEqual(Object.keys(byName.get('read_graph')?.outputSchema?.properties ?? {}), ['entities', 'relations', 'cursor']);
  assert.equal(byName.get('delete_entities')?.annotations?.destructiveHint, true);
  assert.equal(byName.get('search_nodes')?.annotations?.readOnlyHint, true);
});
