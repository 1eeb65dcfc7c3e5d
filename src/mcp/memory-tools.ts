// The reference MCP memory server's tools (@modelcontextprotocol/server-memory), with its names,
// input shapes and result shapes, over StemeDB records (memory-graph.ts has the mapping), so an
// agent prompted for that server can switch without changes. Writes of one call are one batch:
// all logged with one fsync, or none.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RecordInput, StemeDB } from '../index.js';
import { mcpGraphEntitiesDefault, mcpGraphEntitiesMax } from '../limits.js';
import { cursorSchema, textSchema } from '../server/schemas/common.js';
import { requireWrite, type CallExtra, type McpContext } from './context.js';
import type { JsonSchema } from './json-schema-zod.js';
import { toolInput } from './tool-input.js';
import {
  entityTypePredicate,
  everyEntity,
  observationPredicate,
  ownAssertions,
  ownRelationsTo,
  readEntity,
  readGraphPage,
  relationObject,
  retractions,
  subgraph,
  type Entity,
  type Graph,
  type Relation,
} from './memory-graph.js';
import { McpToolError, toolErrorFrom, toolResult } from './tool-result.js';

const name = { ...textSchema, description: 'the entity\'s name: its unique identifier (a StemeDB subject)' } as const;
const observation = { type: 'string', minLength: 1, description: 'one atomic fact about the entity' } as const;
const entitySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'entityType', 'observations'],
  properties: { name, entityType: { ...textSchema, description: 'the kind of entity: person, organization, event…' }, observations: { type: 'array', items: observation } },
} as const;
const relationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to', 'relationType'],
  properties: {
    from: { ...textSchema, description: 'the entity the relation starts at' },
    to: { ...textSchema, description: 'the entity it points to' },
    relationType: { ...textSchema, description: 'in active voice: works_at, depends_on' },
  },
} as const;

const object = (properties: Record<string, JsonSchema>, required: string[]): JsonSchema => ({ type: 'object', additionalProperties: false, required, properties });

export const memoryInputSchemas = {
  create_entities: object({ entities: { type: 'array', items: entitySchema } }, ['entities']),
  create_relations: object({ relations: { type: 'array', items: relationSchema } }, ['relations']),
  add_observations: object({
    observations: { type: 'array', items: object({ entityName: name, contents: { type: 'array', items: observation, description: 'the observations to add' } }, ['entityName', 'contents']) },
  }, ['observations']),
  delete_entities: object({ entityNames: { type: 'array', items: name, description: 'the entities to delete' } }, ['entityNames']),
  delete_observations: object({
    deletions: { type: 'array', items: object({ entityName: name, observations: { type: 'array', items: observation, description: 'the observations to delete' } }, ['entityName', 'observations']) },
  }, ['deletions']),
  delete_relations: object({ relations: { type: 'array', items: relationSchema, description: 'the relations to delete' } }, ['relations']),
  read_graph: object({
    limit: { type: 'integer', minimum: 1, maximum: mcpGraphEntitiesMax, description: `entities per page, 1..${mcpGraphEntitiesMax} (default ${mcpGraphEntitiesDefault})` },
    cursor: { ...cursorSchema, description: 'the cursor of the previous read_graph page, to read the next one' },
  }, []),
  search_nodes: object({ query: { type: 'string', description: 'matched, ignoring case, against entity names, types and observations' } }, ['query']),
  open_nodes: object({ names: { type: 'array', items: name, description: 'the entities to read' } }, ['names']),
} as const satisfies Record<string, JsonSchema>;

type MemoryToolName = keyof typeof memoryInputSchemas;

interface ToolSpec {
  description: string;
  write: boolean;
  run: (db: StemeDB, args: never, source: string) => Promise<CallToolResult> | CallToolResult;
}

function graphResult(graph: Graph & { cursor?: string }): CallToolResult {
  const text = JSON.stringify(graph, null, 2);
  return toolResult({ ...graph }, text);
}

function done(message: string, records: number): CallToolResult {
  return toolResult({ success: true, message }, `${message} (${records} record(s) logged)`);
}

async function write(db: StemeDB, records: RecordInput[]): Promise<void> {
  if (records.length > 0) await db.appendBatch(records);
}

const tools: Record<MemoryToolName, ToolSpec> = {
  create_entities: {
    description: 'Create multiple new entities in the knowledge graph. An entity whose name already exists is left as it is (and not returned). Each is stored as StemeDB assertions by this server\'s source: its type, and one per observation.',
    write: true,
    run: async (db, { entities }: { entities: Entity[] }, source) => {
      const created: Entity[] = [];
      const records: RecordInput[] = [];
      for (const e of entities) {
        if (created.some((c) => c.name === e.name) || readEntity(db, e.name) !== undefined) continue;
        const observations = [...new Set(e.observations)];
        created.push({ name: e.name, entityType: e.entityType, observations });
        records.push({ type: 'assertion', subject: e.name, predicate: entityTypePredicate, object: e.entityType, source });
        for (const o of observations) records.push({ type: 'assertion', subject: e.name, predicate: observationPredicate, object: o, source });
      }
      await write(db, records);
      return toolResult({ entities: created }, JSON.stringify(created, null, 2));
    },
  },
  create_relations: {
    description: 'Create multiple new relations between entities, in active voice (from works_at to). A relation that already exists is skipped (and not returned). Each is a StemeDB assertion about from, with the relation type as predicate and {"entity": to} as object.',
    write: true,
    run: async (db, { relations }: { relations: Relation[] }, source) => {
      const created: Relation[] = [];
      const seen = new Set<string>();
      for (const r of relations) {
        const key = JSON.stringify([r.from, r.to, r.relationType]);
        if (seen.has(key)) continue;
        seen.add(key);
        const existing = db.find({ subject: r.from, predicate: r.relationType, object: relationObject(r.to), limit: 1 });
        if (existing.items.length > 0) continue;
        created.push({ from: r.from, to: r.to, relationType: r.relationType });
      }
      await write(db, created.map((r) => ({ type: 'assertion', subject: r.from, predicate: r.relationType, object: relationObject(r.to), source })));
      return toolResult({ relations: created }, JSON.stringify(created, null, 2));
    },
  },
  add_observations: {
    description: 'Add new observations to existing entities. Fails (NOT_FOUND, nothing written) if an entity does not exist. Returns, per entity, the observations actually added (ones already present are skipped).',
    write: true,
    run: async (db, { observations }: { observations: Array<{ entityName: string; contents: string[] }> }, source) => {
      const results: Array<{ entityName: string; addedObservations: string[] }> = [];
      const records: RecordInput[] = [];
      for (const { entityName, contents } of observations) {
        const read = readEntity(db, entityName);
        if (read === undefined) throw new McpToolError('NOT_FOUND', `Entity with name ${entityName} not found`);
        const present = new Set([...read.entity.observations, ...results.filter((r) => r.entityName === entityName).flatMap((r) => r.addedObservations)]);
        const added = [...new Set(contents)].filter((c) => !present.has(c));
        results.push({ entityName, addedObservations: added });
        for (const o of added) records.push({ type: 'assertion', subject: entityName, predicate: observationPredicate, object: o, source });
      }
      await write(db, records);
      return toolResult({ results }, JSON.stringify(results, null, 2));
    },
  },
  delete_entities: {
    description: 'Delete entities and the relations from or to them. In StemeDB a delete is a retraction by this server\'s source: it takes back what this source asserted (type, observations, relations); claims by other sources stay. Names that do not exist are ignored.',
    write: true,
    run: async (db, { entityNames }: { entityNames: string[] }, source) => {
      const names = new Set(entityNames);
      const own = [...names].flatMap((n) => [entityTypePredicate, observationPredicate].flatMap((p) => ownAssertions(db, source, n, p)));
      const relations = [...names].flatMap((n) => readEntity(db, n)?.relations ?? []).flatMap((r) => ownAssertions(db, source, r.from, r.relationType, relationObject(r.to)));
      const records = retractions([...own, ...relations, ...ownRelationsTo(db, source, names)], source, 'deleted through delete_entities');
      await write(db, records);
      return done('Entities deleted successfully', records.length);
    },
  },
  delete_observations: {
    description: 'Delete specific observations from entities (a retraction by this server\'s source of its own observation assertions). Missing ones are ignored.',
    write: true,
    run: async (db, { deletions }: { deletions: Array<{ entityName: string; observations: string[] }> }, source) => {
      const found = deletions.flatMap((d) => d.observations.flatMap((o) => ownAssertions(db, source, d.entityName, observationPredicate, o)));
      const records = retractions(found, source, 'deleted through delete_observations');
      await write(db, records);
      return done('Observations deleted successfully', records.length);
    },
  },
  delete_relations: {
    description: 'Delete specific relations (a retraction by this server\'s source of its own relation assertions). Missing ones are ignored.',
    write: true,
    run: async (db, { relations }: { relations: Relation[] }, source) => {
      const found = relations.flatMap((r) => ownAssertions(db, source, r.from, r.relationType, relationObject(r.to)));
      const records = retractions(found, source, 'deleted through delete_relations');
      await write(db, records);
      return done('Relations deleted successfully', records.length);
    },
  },
  read_graph: {
    description: `Read the knowledge graph, a page of entities at a time (default ${mcpGraphEntitiesDefault}, at most ${mcpGraphEntitiesMax}), each page with the relations that start at its entities. The graph may be large (it is a whole StemeDB store): when the result has a cursor, call again with it for the next page. Prefer search_nodes or open_nodes to find something specific.`,
    write: false,
    run: (db, { limit, cursor }: { limit?: number; cursor?: string }) => graphResult(readGraphPage(db, limit ?? mcpGraphEntitiesDefault, cursor)),
  },
  search_nodes: {
    description: 'Search the knowledge graph: entities whose name, type or an observation contains the query (ignoring case), and the relations between them. Reads every entity: on a large graph prefer open_nodes when you know the names.',
    write: false,
    run: (db, { query }: { query: string }) => {
      const q = query.toLowerCase();
      const matches = everyEntity(db).filter(({ entity: e }) =>
        e.name.toLowerCase().includes(q) || e.entityType.toLowerCase().includes(q) || e.observations.some((o) => o.toLowerCase().includes(q)));
      return graphResult(subgraph(matches));
    },
  },
  open_nodes: {
    description: 'Read specific entities by name, with the relations between them. Names that do not exist are skipped.',
    write: false,
    run: (db, { names }: { names: string[] }) => {
      const found = [...new Set(names)].flatMap((n) => {
        const read = readEntity(db, n);
        return read === undefined ? [] : [read];
      });
      return graphResult(subgraph(found));
    },
  },
};

export function registerMemoryTools(server: McpServer, context: McpContext): void {
  for (const [toolName, spec] of Object.entries(tools) as Array<[MemoryToolName, ToolSpec]>) {
    const input = toolInput(memoryInputSchemas[toolName]);
    const run = <T>(call: () => Promise<T>): Promise<T> => (context.calls === undefined ? call() : context.calls.track(call));
    server.registerTool(
      toolName,
      { description: spec.description, inputSchema: input.published, annotations: { readOnlyHint: !spec.write } },
      async (raw: Record<string, unknown>, extra: CallExtra) => run(async () => {
        try {
          const args = input.check(raw);
          if (spec.write) requireWrite(context, extra);
          return await spec.run(context.db, args as never, context.source);
        } catch (error) {
          return toolErrorFrom(error, context.log);
        }
      }),
    );
  }
}
