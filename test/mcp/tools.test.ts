// Every native tool over both transports, with the SDK's own Client: valid calls answer what
// the library answers (read back at the same LSN), bad calls are tool errors with StemeDB's
// code, and the server keeps serving after each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { StemeDB } from '../../src/index.js';
import { assertionInputSchema, epochInputSchema, retractionInputSchema, voteInputSchema } from '../../src/server/schemas/records.js';
import { beliefsOptionsSchema, contestedOptionsSchema } from '../../src/server/schemas/beliefs.js';
import { findFields, historyOptionsSchema } from '../../src/server/schemas/queries.js';
import { tempDir } from '../support/temp-dir.js';
import { call, callError, httpClient, httpServer, stdioClient, type Structured } from './support.js';

const nativeTools = ['assert', 'vote', 'retract', 'define_epoch', 'get', 'find', 'beliefs', 'history', 'contested', 'list_epochs'];
const memoryTools = ['create_entities', 'create_relations', 'add_observations', 'delete_observations', 'delete_entities', 'delete_relations', 'search_nodes', 'open_nodes', 'read_graph'];
const zeroHash = '0'.repeat(64);

async function checkToolList(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [...nativeTools, ...memoryTools].sort());
  const ajv = new AjvJsonSchemaValidator();
  for (const tool of tools) {
    assert.ok((tool.description ?? '').length > 40, `${tool.name} has a description for a model`);
    assert.equal(tool.inputSchema.type, 'object');
    ajv.getValidator(tool.inputSchema); // throws on a schema that is not valid JSON Schema
  }
  // Derived from the HTTP API's schemas: the same fields, the same limits.
  const byName = new Map(tools.map((t) => [t.name, t.inputSchema]));
  const fields = (name: string): string[] => Object.keys(byName.get(name)?.properties ?? {}).sort();
  assert.deepEqual(fields('assert'), Object.keys(assertionInputSchema.properties).sort());
  assert.deepEqual(fields('vote'), Object.keys(voteInputSchema.properties).sort());
  assert.deepEqual(fields('retract'), Object.keys(retractionInputSchema.properties).sort());
  assert.deepEqual(fields('define_epoch'), Object.keys(epochInputSchema.properties).sort());
  assert.deepEqual(fields('find'), [...Object.keys(findFields), 'object'].sort());
  assert.deepEqual(fields('beliefs'), ['subject', ...Object.keys(beliefsOptionsSchema.properties)].sort());
  assert.deepEqual(fields('history'), ['subject', ...Object.keys(historyOptionsSchema.properties)].sort());
  assert.deepEqual(fields('contested'), Object.keys(contestedOptionsSchema.properties).sort());
  assert.deepEqual(byName.get('assert')?.required, ['subject', 'predicate', 'object'], 'source defaults to the server\'s');
  assert.deepEqual((byName.get('assert')?.properties as Record<string, unknown>).subject, { type: 'string', minLength: 1, maxLength: 1024 });
}

interface Answers {
  a1: string;
  a2: string;
  a3: string;
  vote: string;
  get: Structured;
  find: Structured;
  beliefs: Structured;
  history: Structured;
  contested: Structured;
  epochs: Structured;
  resource: string;
}

/** Calls each native tool refuses, with the code it answers (`a1`: an assertion by another source). */
function badCalls(a1: string): Array<[string, unknown, string]> {
  return [
    ['assert', { subject: 'x', predicate: 5, object: 1 }, 'INVALID_REQUEST'],
    ['assert', { subject: 'x', predicate: 'p', object: 1, colour: 'red' }, 'INVALID_REQUEST'],
    ['assert', { subject: 'x', predicate: 'p' }, 'INVALID_REQUEST'],
    ['assert', { subject: 'x'.repeat(2000), predicate: 'p', object: 1 }, 'INVALID_REQUEST'],
    ['assert', { subject: 'x', predicate: 'p', object: 'y'.repeat(70_000) }, 'INVALID_RECORD'],
    ['assert', { subject: 'city:paris', predicate: 'population', object: 1, supersedes: a1 }, 'NOT_AUTHOR'],
    ['assert', { subject: 'x', predicate: 'p', object: 1, supersedes: zeroHash }, 'UNKNOWN_ASSERTION'],
    ['vote', { assertion: zeroHash, stance: 'support' }, 'UNKNOWN_ASSERTION'],
    ['vote', { assertion: a1, stance: 'maybe' }, 'INVALID_REQUEST'],
    ['retract', { assertion: a1 }, 'NOT_AUTHOR'],
    ['retract', { assertion: 'abc' }, 'INVALID_REQUEST'],
    ['define_epoch', { id: 1, name: 'another name' }, 'EPOCH_CONFLICT'],
    ['define_epoch', { id: -1, name: 'x' }, 'INVALID_REQUEST'],
    ['get', { hash: zeroHash }, 'NOT_FOUND'],
    ['get', { hash: a1, asOf: 1e12 }, 'INVALID_QUERY'],
    ['find', {}, 'INVALID_QUERY'],
    ['find', { predicate: 'population', cursor: 'not-a-cursor' }, 'INVALID_CURSOR'],
    ['beliefs', { subject: 'city:paris', epoch: 99 }, 'UNKNOWN_EPOCH'],
    ['beliefs', {}, 'INVALID_REQUEST'],
    ['history', { subject: 'city:paris', cursor: 'garbage' }, 'INVALID_CURSOR'],
    ['contested', { limit: 0 }, 'INVALID_REQUEST'],
    ['contested', { epoch: 42 }, 'UNKNOWN_EPOCH'],
    ['list_epochs', { all: true }, 'INVALID_REQUEST'],
  ];
}

/** Every native tool with valid input, then each with bad input; the server's source is `agent`. */
async function exercise(client: Client): Promise<Answers> {
  await call(client, 'define_epoch', { id: 1, name: 'census-2020' });
  const a1 = (await call(client, 'assert', { subject: 'city:paris', predicate: 'population', object: 2148000, source: 'insee', epoch: 1, confidence: 0.9 })).hash as string;
  const a2 = (await call(client, 'assert', { subject: 'city:paris', predicate: 'population', object: 2102650 })).hash as string;
  await call(client, 'assert', { subject: 'city:paris', predicate: 'mayor', object: 'Hidalgo', source: 'wiki' });
  await call(client, 'assert', { subject: 'city:paris', predicate: 'mayor', object: 'Dati', source: 'blog' });
  const vote = (await call(client, 'vote', { assertion: a1, stance: 'support', weight: 2 })).hash as string;
  const a3 = (await call(client, 'assert', { subject: 'city:paris', predicate: 'population', object: 2102000, supersedes: a2 })).hash as string;
  const retraction = await call(client, 'retract', { assertion: a3, reason: 'wrong count' });
  assert.match(retraction.hash as string, /^[0-9a-f]{64}$/);
  assert.equal(typeof retraction.lsn, 'number');

  const answers: Answers = {
    a1, a2, a3, vote,
    get: await call(client, 'get', { hash: a1 }),
    find: await call(client, 'find', { predicate: 'population', includeRetracted: true }),
    beliefs: await call(client, 'beliefs', { subject: 'city:paris' }),
    history: await call(client, 'history', { subject: 'city:paris' }),
    contested: await call(client, 'contested', {}),
    epochs: await call(client, 'list_epochs', {}),
    resource: '',
  };
  const read = await client.readResource({ uri: `stemedb://subjects/${encodeURIComponent('city:paris')}` });
  answers.resource = (read.contents[0] as { text: string }).text;
  assert.deepEqual(JSON.parse(answers.resource), answers.beliefs, 'the resource is the beliefs tool\'s answer');

  // Bad input: each tool answers a tool error with the database's (or the schema's) code.
  const bad = badCalls(a1);
  for (const [name, args, code] of bad) assert.equal(await callError(client, name, args), code, `${name} ${JSON.stringify(args).slice(0, 80)}`);
  // Still serving, and nothing was written by the refused calls.
  assert.deepEqual(await call(client, 'history', { subject: 'city:paris', asOf: answers.history.atLsn }), answers.history);
  assert.equal(await callError(client, 'get', { hash: zeroHash }), 'NOT_FOUND');
  return answers;
}

/** The tools' answers equal the library's, read at the same LSN. */
function checkAgainstLibrary(db: StemeDB, answers: Answers, source: string): void {
  const at = (answer: Structured): number => answer.atLsn as number;
  const tally = (answers.get.tally as { atLsn: number });
  assert.deepEqual(answers.get, { record: db.get(answers.a1, { asOf: tally.atLsn }), tally: db.tally(answers.a1, { asOf: tally.atLsn }) });
  assert.equal((answers.get.record as { status: string }).status, 'live');
  assert.deepEqual(answers.find.items, db.find({ predicate: 'population', includeRetracted: true, asOf: at(answers.find) }).items);
  assert.deepEqual(answers.beliefs, db.beliefs('city:paris', { asOf: at(answers.beliefs) }));
  assert.deepEqual(answers.history.items, db.history('city:paris', { asOf: at(answers.history) }).items);
  assert.deepEqual(answers.contested, db.contested());
  assert.deepEqual(answers.epochs, { epochs: db.epochs() });
  // The server's source made what named no source, and voted.
  assert.equal((db.get(answers.a2) as { source: string }).source, source);
  assert.equal((db.get(answers.vote) as { voter: string }).voter, source);
  assert.equal((db.get(answers.a2) as { status: string }).status, 'superseded');
  assert.equal((db.get(answers.a3) as { status: string }).status, 'retracted');
  assert.equal((answers.history.items as unknown[]).length, 7);
  assert.deepEqual((answers.contested.items as Array<{ predicate: string }>).map((i) => i.predicate), ['mayor']);
}

test('over stdio (the built `stemedb mcp`): every tool answers as the library does, and bad calls are tool errors with codes', async (t) => {
  const data = tempDir(t);
  const client = await stdioClient(t, data, ['--source', 'agent']);
  await checkToolList(client);
  const answers = await exercise(client);
  await client.close(); // closes the child's stdin: it closes the database and exits
  const db = await StemeDB.open(data);
  try {
    checkAgainstLibrary(db, answers, 'agent');
  } finally {
    await db.close();
  }
});

test('over Streamable HTTP (/mcp of the HTTP server): every tool answers as the library does, and bad calls are tool errors with codes', async (t) => {
  const db = await StemeDB.open(tempDir(t));
  t.after(() => db.close());
  const url = await httpServer(t, db, { mcpSource: 'agent' });
  const client = await httpClient(t, url);
  await checkToolList(client);
  const answers = await exercise(client);
  checkAgainstLibrary(db, answers, 'agent');
});

test('over HTTP, several concurrent clients write and read through /mcp at once, each write durable and visible', async (t) => {
  const db = await StemeDB.open(tempDir(t));
  t.after(() => db.close());
  const url = await httpServer(t, db);
  const clients = await Promise.all(Array.from({ length: 6 }, () => httpClient(t, url)));
  const written = await Promise.all(clients.map(async (client, c) => {
    const hashes: string[] = [];
    for (let i = 0; i < 15; i++) {
      const [result] = await Promise.all([
        call(client, 'assert', { subject: `agent:${c}`, predicate: 'step', object: i, source: `client-${c}` }),
        call(client, 'beliefs', { subject: `agent:${c}` }),
      ]);
      hashes.push(result.hash as string);
    }
    return hashes;
  }));
  for (const [c, hashes] of written.entries()) {
    for (const hash of hashes) assert.equal((db.get(hash) as { source: string } | undefined)?.source, `client-${c}`);
    const beliefs = await call(clients[c]!, 'beliefs', { subject: `agent:${c}` });
    assert.equal((beliefs.predicates as Array<{ candidateCount: number }>)[0]?.candidateCount, 15);
  }
});

/** Every numeric limit an input schema states (maxLength, maxItems, maximum), but the safe-integer bounds of ids and times. */
function schemaLimits(schema: unknown, out: Set<number> = new Set()): Set<number> {
  if (typeof schema !== 'object' || schema === null) return out;
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'maxLength' || key === 'maxItems' || key === 'maximum') && typeof value === 'number' && value !== Number.MAX_SAFE_INTEGER) out.add(value);
    else schemaLimits(value, out);
  }
  return out;
}

test('every tool\'s description names the errors its calls give and the limits its input schema states', async (t) => {
  const db = await StemeDB.open(tempDir(t));
  t.after(() => db.close());
  const client = await httpClient(t, await httpServer(t, db));
  const { tools } = await client.listTools();
  // The codes the calls above and in memory.test.ts and http.test.ts are answered with.
  const given = new Map<string, Set<string>>();
  const note = (tool: string, code: string): void => void given.set(tool, new Set([...(given.get(tool) ?? []), code]));
  for (const [tool, , code] of badCalls(zeroHash)) note(tool, code);
  for (const tool of [...nativeTools, ...memoryTools]) note(tool, 'INVALID_REQUEST');
  for (const tool of ['assert', 'vote', 'retract', 'define_epoch', 'create_entities', 'create_relations', 'add_observations', 'delete_entities', 'delete_observations', 'delete_relations']) note(tool, 'UNAUTHORIZED');
  for (const tool of ['create_entities', 'create_relations']) note(tool, 'INVALID_RECORD');
  for (const tool of ['open_nodes', 'delete_entities']) note(tool, 'INVALID_ARGUMENT');
  for (const tool of ['read_graph', 'search_nodes']) note(tool, 'INVALID_CURSOR');
  for (const tool of tools) {
    const description = tool.description ?? '';
    for (const code of given.get(tool.name) ?? []) {
      // A memory tool answers a schema failure as the reference does (no code): it names it as "input validation error".
      const named = description.includes(code) || (code === 'INVALID_REQUEST' && /input validation error/i.test(description)) || (code === 'INVALID_REQUEST' && description.includes('array items and object members'));
      assert.ok(named, `${tool.name}'s description names ${code}: ${description}`);
    }
    for (const limit of schemaLimits(tool.inputSchema)) {
      if (limit <= 1) continue; // 0..1 ranges (confidence) are stated as such
      assert.ok(description.includes(String(limit)), `${tool.name}'s description states the limit ${limit}: ${description}`);
    }
  }
});
