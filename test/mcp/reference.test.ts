// StemeDB's memory-graph tools against the reference memory server itself
// (@modelcontextprotocol/server-memory, pinned in package.json at the version docs/mcp.md names),
// both spawned over stdio and driven by the SDK's own Client with the same calls: every answer
// (text, structured content, error flag) must be the same. A script covers every tool, what
// each skips, deletes cascading to relations, errors, empty inputs and order; random histories
// (fast-check, seed printed on failure) cover what the script does not; then both restart on
// their files and must still agree. The documented deviations are tested to differ as stated.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fcParams } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';
import { stdioClient } from './support.js';

/** The reference version these tests pin (and docs/mcp.md names). */
export const referenceVersion = '2026.8.31';

const require = createRequire(import.meta.url);
const referenceDir = path.dirname(require.resolve('@modelcontextprotocol/server-memory/package.json'));
const referenceBin = path.join(referenceDir, 'dist', 'index.js');

async function referenceClient(t: TestContext, file: string): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [referenceBin], env: { MEMORY_FILE_PATH: file }, stderr: 'pipe' });
  const client = new Client({ name: 'stemedb-test', version: '1' });
  await client.connect(transport);
  t.after(() => client.close());
  return client;
}

interface Pair {
  reference: Client;
  ours: Client;
}

interface Places {
  file: string;
  data: string;
}

async function start(t: TestContext, places: Places): Promise<Pair> {
  const [reference, ours] = await Promise.all([referenceClient(t, places.file), stdioClient(t, places.data, ['--source', 'agent'])]);
  return { reference, ours };
}

async function stop(pair: Pair): Promise<void> {
  await Promise.all([pair.reference.close(), pair.ours.close()]);
}

type Answer = Record<string, unknown>;

/** The parts of an answer a client reads: its content, structured content and error flag. */
function comparable(result: Answer): Answer {
  const out: Answer = { content: result.content };
  if (result.structuredContent !== undefined) out.structuredContent = result.structuredContent;
  if (result.isError === true) out.isError = true;
  return out;
}

/** Calls both servers with the same arguments; their answers must be the same. Returns the reference's. */
async function same(pair: Pair, name: string, args: unknown): Promise<Answer> {
  const [reference, ours] = await Promise.all([
    pair.reference.callTool({ name, arguments: args as Record<string, unknown> }),
    pair.ours.callTool({ name, arguments: args as Record<string, unknown> }),
  ]);
  assert.deepEqual(comparable(ours), comparable(reference), `${name} ${JSON.stringify(args)}`);
  return reference;
}

const alice = { name: 'Alice', entityType: 'person', observations: ['likes tea', 'works remotely'] };
const bob = { name: 'Bob', entityType: 'person', observations: ['plays chess'] };
const acme = { name: 'Acme', entityType: 'organization', observations: ['makes anvils', 'founded in 1949'] };

async function script(pair: Pair): Promise<void> {
  // Empty graph, empty inputs.
  await same(pair, 'read_graph', {});
  await same(pair, 'search_nodes', { query: '' });
  await same(pair, 'open_nodes', { names: [] });
  await same(pair, 'open_nodes', { names: ['Nobody'] });
  await same(pair, 'create_entities', { entities: [] });
  await same(pair, 'create_relations', { relations: [] });
  await same(pair, 'add_observations', { observations: [] });
  await same(pair, 'delete_entities', { entityNames: [] });

  // Creating: what exists is skipped and not returned; unknown fields are dropped.
  await same(pair, 'create_entities', { entities: [alice, bob, { ...acme, note: 'dropped' }] });
  await same(pair, 'create_entities', { entities: [{ name: 'Alice', entityType: 'robot', observations: ['x'] }, { name: 'Carol', entityType: 'person', observations: [] }] });
  await same(pair, 'create_relations', {
    relations: [
      { from: 'Alice', to: 'Acme', relationType: 'works_at' },
      { from: 'Bob', to: 'Acme', relationType: 'works_at' },
      { from: 'Alice', to: 'Bob', relationType: 'knows' },
      { from: 'Carol', to: 'Zed', relationType: 'knows' }, // to an entity that does not exist
      { from: 'Yan', to: 'Alice', relationType: 'admires' }, // from one that does not exist
    ],
  });
  await same(pair, 'create_relations', { relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }, { from: 'Acme', to: 'Alice', relationType: 'employs' }] });

  // Observations: what is there is skipped; a second entry for the same entity sees the first's.
  await same(pair, 'add_observations', { observations: [{ entityName: 'Alice', contents: ['likes tea', 'speaks French'] }, { entityName: 'Alice', contents: ['speaks French', 'reads'] }, { entityName: 'Carol', contents: ['new here'] }] });
  // A missing entity fails the whole call, with the reference's text, and writes nothing.
  await same(pair, 'add_observations', { observations: [{ entityName: 'Bob', contents: ['never written'] }, { entityName: 'Nobody', contents: ['x'] }] });
  await same(pair, 'read_graph', {});

  // Reads: relations with at least one end in the result, entities in creation order.
  for (const query of ['CHESS', 'a', '', 'alice', 'works', 'PERSON', 'zzz', 'e', 'French', 'anvil']) await same(pair, 'search_nodes', { query });
  await same(pair, 'open_nodes', { names: ['Acme', 'Alice', 'Nobody', 'Acme'] });
  await same(pair, 'open_nodes', { names: ['Carol'] });
  await same(pair, 'open_nodes', { names: ['Yan', 'Zed'] });

  // Deletes: missing things are ignored; a deleted observation added back goes last.
  await same(pair, 'delete_observations', { deletions: [{ entityName: 'Alice', observations: ['likes tea', 'never said'] }, { entityName: 'Nobody', observations: ['x'] }] });
  await same(pair, 'add_observations', { observations: [{ entityName: 'Alice', contents: ['likes tea'] }] });
  await same(pair, 'open_nodes', { names: ['Alice'] });
  await same(pair, 'delete_relations', { relations: [{ from: 'Bob', to: 'Acme', relationType: 'works_at' }, { from: 'X', to: 'Y', relationType: 'z' }] });
  // Deleting entities cascades to the relations from and to them, even for a name that is no entity (Zed).
  await same(pair, 'delete_entities', { entityNames: ['Bob', 'Nobody', 'Zed'] });
  await same(pair, 'read_graph', {});
  // Created again, an entity comes last, with only its new observations.
  await same(pair, 'create_entities', { entities: [{ name: 'Bob', entityType: 'person', observations: ['is back'] }] });
  await same(pair, 'read_graph', {});
  await same(pair, 'search_nodes', { query: 'b' });

  // Arguments the reference's schemas refuse: the same error text.
  const bad: Array<[string, unknown]> = [
    ['create_entities', { entities: [{ name: 'X', entityType: 't' }] }],
    ['create_entities', {}],
    ['create_relations', { relations: [{ from: 'A', to: 'B' }] }],
    ['add_observations', { observations: 'x' }],
    ['delete_entities', { entityNames: 'Bob' }],
    ['delete_entities', { entityNames: [1, 'Bob', null] }],
    ['delete_observations', { deletions: [{ entityName: 'A' }] }],
    ['delete_relations', { relations: [{}] }],
    ['search_nodes', {}],
    ['search_nodes', { query: 5 }],
    ['open_nodes', { names: [1] }],
    ['open_nodes', {}],
  ];
  for (const [name, args] of bad) await same(pair, name, args);
  await same(pair, 'read_graph', {});
}

test(`the memory tools answer every call as the reference server ${referenceVersion} does, before and after both restart`, async (t) => {
  const installed = JSON.parse(fs.readFileSync(path.join(referenceDir, 'package.json'), 'utf8')) as { version: string };
  assert.equal(installed.version, referenceVersion, 'the pinned reference is installed');
  const places = { file: path.join(tempDir(t), 'memory.jsonl'), data: tempDir(t) };
  const pair = await start(t, places);
  await script(pair);
  await stop(pair);
  // Persistence: both come back from their files with the same graph.
  const again = await start(t, places);
  await same(again, 'read_graph', {});
  for (const query of ['a', 'tea', 'Bob']) await same(again, 'search_nodes', { query });
  await same(again, 'open_nodes', { names: ['Alice', 'Bob', 'Carol', 'Acme'] });
  await same(again, 'delete_entities', { entityNames: ['Alice'] });
  await same(again, 'read_graph', {});
});

// --- random histories ---

const names = ['Alice', 'Bob', 'Acme', 'alice', 'Zed'];
const types = ['person', 'org', 'Person'];
const texts = ['likes tea', 'plays chess', 'Likes Tea', 'x', 'works at Acme', 'bob'];
const relationTypes = ['knows', 'works_at'];
const queries = ['', 'a', 'A', 'li', 'tea', 'TEA', 'chess', 'acme', 'person', 'zz', 'bob', 'ce'];

const name = fc.constantFrom(...names);
const relation = fc.record({ from: name, to: name, relationType: fc.constantFrom(...relationTypes) });
const relationKey = (r: { from: string; to: string; relationType: string }): string => JSON.stringify([r.from, r.to, r.relationType]);
const call: fc.Arbitrary<[string, Record<string, unknown>]> = fc.oneof(
  fc.uniqueArray(fc.record({ name, entityType: fc.constantFrom(...types), observations: fc.uniqueArray(fc.constantFrom(...texts), { maxLength: 3 }) }), { selector: (e) => e.name, maxLength: 3 }).map((entities) => ['create_entities', { entities }] as [string, Record<string, unknown>]),
  fc.uniqueArray(relation, { selector: relationKey, maxLength: 3 }).map((relations) => ['create_relations', { relations }] as [string, Record<string, unknown>]),
  fc.array(fc.record({ entityName: name, contents: fc.uniqueArray(fc.constantFrom(...texts), { maxLength: 3 }) }), { maxLength: 2 }).map((observations) => ['add_observations', { observations }] as [string, Record<string, unknown>]),
  fc.array(name, { maxLength: 2 }).map((entityNames) => ['delete_entities', { entityNames }] as [string, Record<string, unknown>]),
  fc.array(fc.record({ entityName: name, observations: fc.array(fc.constantFrom(...texts), { maxLength: 3 }) }), { maxLength: 2 }).map((deletions) => ['delete_observations', { deletions }] as [string, Record<string, unknown>]),
  fc.array(relation, { maxLength: 2 }).map((relations) => ['delete_relations', { relations }] as [string, Record<string, unknown>]),
  fc.constantFrom(...queries).map((query) => ['search_nodes', { query }] as [string, Record<string, unknown>]),
  fc.array(name, { maxLength: 3 }).map((list) => ['open_nodes', { names: list }] as [string, Record<string, unknown>]),
  fc.constant(['read_graph', {}] as [string, Record<string, unknown>]),
);

test('random histories of memory-tool calls get the reference server\'s answers, call by call', async (t) => {
  const pair = await start(t, { file: path.join(tempDir(t), 'memory.jsonl'), data: tempDir(t) });
  await fc.assert(
    fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 12 }), async (calls) => {
      try {
        for (const [toolName, args] of calls) await same(pair, toolName, args);
        await same(pair, 'read_graph', {});
      } finally {
        // Back to an empty graph: every relation starts at one of the names.
        await same(pair, 'delete_entities', { entityNames: names });
        await same(pair, 'read_graph', {});
      }
    }),
    fcParams({ numRuns: 60 }),
  );
});

// --- what differs, on purpose (docs/mcp.md, "Where it differs") ---

test('the documented deviations: repeats inside one call are kept once, and StemeDB\'s limits refuse what it cannot store', async (t) => {
  const pair = await start(t, { file: path.join(tempDir(t), 'memory.jsonl'), data: tempDir(t) });
  const both = async (toolName: string, args: Record<string, unknown>): Promise<[Answer, Answer]> =>
    Promise.all([pair.reference.callTool({ name: toolName, arguments: args }), pair.ours.callTool({ name: toolName, arguments: args })]) as Promise<[Answer, Answer]>;
  const structured = (a: Answer): unknown => a.structuredContent;

  const [ref1, ours1] = await both('create_entities', { entities: [{ name: 'A', entityType: 't', observations: ['o', 'o'] }, { name: 'A', entityType: 'u', observations: [] }] });
  assert.deepEqual(structured(ref1), { entities: [{ name: 'A', entityType: 't', observations: ['o', 'o'] }, { name: 'A', entityType: 'u', observations: [] }] });
  assert.deepEqual(structured(ours1), { entities: [{ name: 'A', entityType: 't', observations: ['o'] }] });

  const r = { from: 'A', to: 'B', relationType: 'r' };
  const [ref2, ours2] = await both('create_relations', { relations: [r, r] });
  assert.deepEqual(structured(ref2), { relations: [r, r] });
  assert.deepEqual(structured(ours2), { relations: [r] });

  const [ref3, ours3] = await both('add_observations', { observations: [{ entityName: 'A', contents: ['p', 'p'] }] });
  assert.deepEqual(structured(ref3), { results: [{ entityName: 'A', addedObservations: ['p', 'p'] }] });
  assert.deepEqual(structured(ours3), { results: [{ entityName: 'A', addedObservations: ['p'] }] });

  // A name StemeDB cannot hold as a subject (empty, or over its byte limit) is refused, nothing written.
  for (const bad of ['', 'n'.repeat(2000)]) {
    const [ref4, ours4] = await both('create_entities', { entities: [{ name: bad, entityType: 't', observations: [] }] });
    assert.notEqual(ref4.isError, true);
    assert.equal(ours4.isError, true);
    assert.equal((ours4.structuredContent as { error: { code: string } }).error.code, 'INVALID_RECORD');
  }
  // More items than one call takes: INVALID_ARGUMENT, where the reference takes them all.
  const many = Array.from({ length: 1001 }, (_, i) => `n${i}`);
  const [ref5, ours5] = await both('open_nodes', { names: many });
  assert.notEqual(ref5.isError, true);
  assert.equal((ours5.structuredContent as { error: { code: string } }).error.code, 'INVALID_ARGUMENT');
});
