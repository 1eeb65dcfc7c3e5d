// The reference MCP memory server's tools (@modelcontextprotocol/server-memory, the version in
// docs/mcp.md), thin adapters over db.memory: the same names, input shapes (checked with the
// same zod schemas, so a bad call gets the reference's very error text), answers and texts, so
// an agent prompted for that server can switch. Added on top: limits (StemeDB's, and per call),
// pages with a cursor, UNAUTHORIZED over HTTP; those errors carry StemeDB's codes.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { getParseErrorMessage } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z, type ZodRawShape, type ZodTypeAny } from 'zod';
import { NotFoundError, type StemeDB } from '../index.js';
import {
  graphCallItemsMax,
  graphPageItemsDefault,
  graphPageItemsMax,
  graphRelationsMax,
  graphSearchCandidatesMax,
  graphSearchEntitiesDefault,
  graphSearchEntitiesMax,
  graphWriteRecordsMax,
  mcpToolInputElementsMax,
  mcpValidationIssuesMax,
  stringBytesMax,
} from '../limits.js';
import { requireWrite, type CallExtra, type McpContext } from './context.js';
import { elementCount, passThrough } from './tool-input.js';
import { McpToolError, toolErrorFrom } from './tool-result.js';

// --- the reference's input schemas (same shapes, same order, so the same validation messages) ---

const referenceEntity = z.object({
  name: z.string().describe('The name of the entity'),
  entityType: z.string().describe('The type of the entity'),
  observations: z.array(z.string()).describe('An array of observation contents associated with the entity'),
});
const referenceRelation = z.object({
  from: z.string().describe('The name of the entity where the relation starts'),
  to: z.string().describe('The name of the entity where the relation ends'),
  relationType: z.string().describe('The type of the relation'),
});
const limitField = (max: number, fallback: number): ZodTypeAny => z.number().int().min(1).max(max).optional().describe(`StemeDB: items in one answer, 1..${max} (default ${fallback})`);
const cursorField = z.string().optional().describe('StemeDB: the cursor of the previous answer, to read the next part (same other arguments)');

const referenceInputs = {
  create_entities: { entities: z.array(referenceEntity) },
  create_relations: { relations: z.array(referenceRelation) },
  add_observations: {
    observations: z.array(z.object({
      entityName: z.string().describe('The name of the entity to add the observations to'),
      contents: z.array(z.string()).describe('An array of observation contents to add'),
    })),
  },
  delete_entities: { entityNames: z.array(z.string()).describe('An array of entity names to delete') },
  delete_observations: {
    deletions: z.array(z.object({
      entityName: z.string().describe('The name of the entity containing the observations'),
      observations: z.array(z.string()).describe('An array of observations to delete'),
    })),
  },
  delete_relations: { relations: z.array(referenceRelation).describe('An array of relations to delete') },
  read_graph: { limit: limitField(graphPageItemsMax, graphPageItemsDefault), cursor: cursorField },
  search_nodes: {
    query: z.string().describe('The search query to match against entity names, types, and observation content'),
    limit: limitField(graphSearchEntitiesMax, graphSearchEntitiesDefault),
    cursor: cursorField,
  },
  open_nodes: { names: z.array(z.string()).describe('An array of entity names to retrieve'), cursor: cursorField },
} satisfies Record<string, ZodRawShape>;

type MemoryToolName = keyof typeof referenceInputs;

// --- what is published in tools/list: the same shapes, with StemeDB's limits stated ---

const bytesNote = `at most ${stringBytesMax} bytes of UTF-8`;
const publishedEntity = z.object({
  name: z.string().min(1).describe(`The name of the entity (its unique identifier; a StemeDB subject: ${bytesNote})`),
  entityType: z.string().describe('The type of the entity: person, organization, event…'),
  observations: z.array(z.string()).describe('An array of observation contents associated with the entity: one atomic fact each'),
});
const publishedRelation = z.object({
  from: z.string().min(1).describe(`The name of the entity where the relation starts (${bytesNote})`),
  to: z.string().describe('The name of the entity where the relation ends'),
  relationType: z.string().min(1).describe(`The type of the relation, in active voice: works_at, depends_on (${bytesNote})`),
});
const items = <T extends ZodTypeAny>(item: T, description: string): z.ZodArray<T> => z.array(item).max(graphCallItemsMax).describe(`${description} (at most ${graphCallItemsMax})`);

const publishedInputs: Record<MemoryToolName, ZodRawShape> = {
  create_entities: { entities: items(publishedEntity, 'The entities to create') },
  create_relations: { relations: items(publishedRelation, 'The relations to create') },
  add_observations: {
    observations: items(z.object({
      entityName: z.string().min(1).describe('The name of the entity to add the observations to'),
      contents: z.array(z.string()).describe('An array of observation contents to add'),
    }), 'Per entity, the observations to add'),
  },
  delete_entities: { entityNames: items(z.string().min(1), 'An array of entity names to delete') },
  delete_observations: {
    deletions: items(z.object({
      entityName: z.string().min(1).describe('The name of the entity containing the observations'),
      observations: z.array(z.string()).describe('An array of observations to delete'),
    }), 'Per entity, the observations to delete'),
  },
  delete_relations: { relations: items(publishedRelation, 'An array of relations to delete') },
  read_graph: referenceInputs.read_graph,
  search_nodes: referenceInputs.search_nodes,
  open_nodes: { names: items(z.string(), 'An array of entity names to retrieve'), cursor: cursorField },
};

// --- the reference's output schemas, with StemeDB's additions optional ---

const graphOutput = {
  entities: z.array(referenceEntity),
  relations: z.array(referenceRelation),
  cursor: z.string().optional(),
};
const doneOutput = { success: z.boolean(), message: z.string() };
const outputs: Record<MemoryToolName, ZodRawShape> = {
  create_entities: { entities: z.array(referenceEntity) },
  create_relations: { relations: z.array(referenceRelation) },
  add_observations: { results: z.array(z.object({ entityName: z.string(), addedObservations: z.array(z.string()) })) },
  delete_entities: doneOutput,
  delete_observations: doneOutput,
  delete_relations: doneOutput,
  read_graph: graphOutput,
  search_nodes: { ...graphOutput, moreRelations: z.boolean().optional() },
  open_nodes: graphOutput,
};

const argumentErrors = `Arguments its schema refuses get the reference server's input validation error; more than ${mcpToolInputElementsMax} array items and object members in all are INVALID_REQUEST.`;
const writeLimits = `Limits: at most ${graphCallItemsMax} items a call and ${graphWriteRecordsMax} records logged a call (INVALID_ARGUMENT, nothing written: split it); names and relation types are StemeDB subjects and predicates, 1 to ${stringBytesMax} bytes of UTF-8, and each text at most 64 KiB (INVALID_RECORD, nothing written). Over HTTP without the server's token: UNAUTHORIZED. ${argumentErrors}`;
const readLimits = `A bad cursor is INVALID_CURSOR; a bad limit is an input validation error. ${argumentErrors}`;

interface ToolSpec {
  title: string;
  description: string;
  write: boolean;
  destructive: boolean;
  idempotent: boolean;
  run: (db: StemeDB, args: Record<string, unknown>, source: string) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** The text content, from the structured result (as the reference writes it). */
  text: (structured: Record<string, unknown>) => string;
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 2);
const done = (message: string): Record<string, unknown> => ({ success: true, message });

const tools: Record<MemoryToolName, ToolSpec> = {
  create_entities: {
    title: 'Create Entities',
    description: `Create multiple new entities in the knowledge graph. A name that already exists (or repeats earlier in the call) is skipped and not returned; an entity's repeated observations are kept once. Stored as StemeDB assertions by this server's source: the type, then one per observation. ${writeLimits}`,
    write: true,
    destructive: false,
    idempotent: false,
    run: async (db, { entities }, source) => ({ entities: await db.memory.createEntities(entities, source) }),
    text: (s) => pretty(s.entities),
  },
  create_relations: {
    title: 'Create Relations',
    description: `Create multiple new relations between entities in the knowledge graph. Relations should be in active voice (from works_at to). A relation that already exists (from any source), or repeats in the call, is skipped and not returned. Each is a StemeDB assertion about from, its type the predicate and {"entity": to} the object. ${writeLimits}`,
    write: true,
    destructive: false,
    idempotent: false,
    run: async (db, { relations }, source) => ({ relations: await db.memory.createRelations(relations, source) }),
    text: (s) => pretty(s.relations),
  },
  add_observations: {
    title: 'Add Observations',
    description: `Add new observations to existing entities in the knowledge graph. Returns, per entry, the observations actually added (ones already there are skipped). If an entity does not exist the call fails with "Entity with name <name> not found" and writes nothing. ${writeLimits}`,
    write: true,
    destructive: false,
    idempotent: false,
    run: async (db, { observations }, source) => ({ results: await db.memory.addObservations(observations, source) }),
    text: (s) => pretty(s.results),
  },
  delete_entities: {
    title: 'Delete Entities',
    description: `Delete multiple entities and their associated relations (from or to them) from the knowledge graph. In StemeDB a delete is a retraction by this server's source: it takes back what this source asserted; claims by other sources stay. Names that do not exist are ignored. ${writeLimits}`,
    write: true,
    destructive: true,
    idempotent: true,
    run: async (db, { entityNames }, source) => {
      await db.memory.deleteEntities(entityNames, source);
      return done('Entities deleted successfully');
    },
    text: (s) => s.message as string,
  },
  delete_observations: {
    title: 'Delete Observations',
    description: `Delete specific observations from entities in the knowledge graph (a retraction, by this server's source, of its own observations). Missing ones are ignored. ${writeLimits}`,
    write: true,
    destructive: true,
    idempotent: true,
    run: async (db, { deletions }, source) => {
      await db.memory.deleteObservations(deletions, source);
      return done('Observations deleted successfully');
    },
    text: (s) => s.message as string,
  },
  delete_relations: {
    title: 'Delete Relations',
    description: `Delete multiple relations from the knowledge graph (a retraction, by this server's source, of its own relation assertions). Missing ones are ignored. ${writeLimits}`,
    write: true,
    destructive: true,
    idempotent: true,
    run: async (db, { relations }, source) => {
      await db.memory.deleteRelations(relations, source);
      return done('Relations deleted successfully');
    },
    text: (s) => s.message as string,
  },
  read_graph: {
    title: 'Read Graph',
    description: `Read the knowledge graph: every entity (in the order they were created), then every relation, as the reference server lists them, at most limit items an answer (default and most ${graphPageItemsMax}). When the answer has a cursor, call again with it for the rest. Prefer search_nodes or open_nodes to find something specific. ${readLimits}`,
    write: false,
    destructive: false,
    idempotent: true,
    run: (db, { limit, cursor }) => ({ ...db.memory.read({ limit, cursor }) }),
    text: pretty,
  },
  search_nodes: {
    title: 'Search Nodes',
    description: `Search for nodes in the knowledge graph based on a query: the entities whose name, type or an observation contains it, ignoring case (in the order they were created), and every relation with at least one end among them. Reads an index, not the whole graph. At most limit entities an answer (default ${graphSearchEntitiesDefault}, most ${graphSearchEntitiesMax}) and ${graphSearchCandidatesMax} entities examined a call: when the answer has a cursor, call again with it (the same query) for more. At most ${graphRelationsMax} relations; moreRelations: true means there are more, which open_nodes on those entities pages through. ${readLimits}`,
    write: false,
    destructive: false,
    idempotent: true,
    run: (db, { query, limit, cursor }) => ({ ...db.memory.search(query, { limit, cursor }) }),
    text: pretty,
  },
  open_nodes: {
    title: 'Open Nodes',
    description: `Open specific nodes in the knowledge graph by their names: the entities that exist (in the order they were created; unknown names are skipped), and every relation with at least one end among them. At most ${graphCallItemsMax} names (INVALID_ARGUMENT) and ${graphRelationsMax} relations an answer: when it has a cursor, call again with the same names and it for the remaining relations. ${readLimits}`,
    write: false,
    destructive: false,
    idempotent: true,
    run: (db, { names, cursor }) => ({ ...db.memory.open(names, { cursor }) }),
    text: pretty,
  },
};

/** The reference server's answer to arguments that fail its schema (the SDK's text), as a tool error. */
function validationError(tool: string, issues: readonly z.ZodIssue[]): CallToolResult {
  const message = getParseErrorMessage({ issues: issues.slice(0, mcpValidationIssuesMax) });
  return { content: [{ type: 'text', text: new McpError(ErrorCode.InvalidParams, `Input validation error: Invalid arguments for tool ${tool}: ${message}`).message }], isError: true };
}

export function registerMemoryTools(server: McpServer, context: McpContext): void {
  for (const [name, spec] of Object.entries(tools) as Array<[MemoryToolName, ToolSpec]>) {
    const check = z.object(referenceInputs[name]);
    const run = <T>(call: () => Promise<T>): Promise<T> => (context.calls === undefined ? call() : context.calls.track(call));
    server.registerTool(
      name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: passThrough(z.object(publishedInputs[name])),
        outputSchema: outputs[name],
        annotations: { readOnlyHint: !spec.write, destructiveHint: spec.destructive, idempotentHint: spec.idempotent, openWorldHint: false },
      },
      async (raw: Record<string, unknown>, extra: CallExtra) => run(async (): Promise<CallToolResult> => {
        try {
          if (elementCount(raw, mcpToolInputElementsMax) > mcpToolInputElementsMax) {
            throw new McpToolError('INVALID_REQUEST', `the arguments hold more than ${mcpToolInputElementsMax} array items and object members`);
          }
          const parsed = check.safeParse(raw ?? {});
          if (!parsed.success) return validationError(name, parsed.error.issues);
          if (spec.write) requireWrite(context, extra);
          const structured = await spec.run(context.db, parsed.data, context.source);
          return { content: [{ type: 'text', text: spec.text(structured) }], structuredContent: structured };
        } catch (error) {
          // The reference's own failure (an entity that is not there) comes back as it gives it: its message alone.
          if (error instanceof NotFoundError) return { content: [{ type: 'text', text: error.message }], isError: true };
          return toolErrorFrom(error, context.log);
        }
      }),
    );
  }
}
