// StemeDB's own tools: one per facade method, each a thin adapter (parse, call, render). The
// input schemas are derived from the HTTP API's (src/server/schemas), so a tool and its route
// take the same fields with the same limits; only `source`/`voter` become optional here, since
// the server has a default source. Descriptions are written for a model choosing a tool.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AssertionInput, AssertionResult, EpochInput, FindQuery, HistoryOptions, RetractionInput, StemeDB, VoteInput, BeliefsOptions, ContestedOptions } from '../index.js';
import { beliefsCandidatesDefault, beliefsCandidatesMax, beliefsPredicatesDefault, beliefsPredicatesMax, descriptionBytesMax, mcpToolInputElementsMax, objectBytesMax, objectDepthMax, pageLimitDefault, pageLimitMax, reasonBytesMax, stringBytesMax } from '../limits.js';
import { beliefsOptionsSchema, contestedOptionsSchema } from '../server/schemas/beliefs.js';
import { asOfSchema, epochIdSchema, hashSchema, textSchema } from '../server/schemas/common.js';
import { findFields, findObjectDescription, historyOptionsSchema } from '../server/schemas/queries.js';
import { assertionInputSchema, epochInputSchema, retractionInputSchema, voteInputSchema } from '../server/schemas/records.js';
import { requireWrite, type CallExtra, type McpContext } from './context.js';
import type { JsonSchema } from './json-schema-zod.js';
import { toolInput } from './tool-input.js';
import { McpToolError, toolErrorFrom, toolResult } from './tool-result.js';

/** `schema` with `field` no longer required and its description replaced. */
function defaulted(schema: JsonSchema, field: string, description: string): JsonSchema {
  const properties = schema.properties ?? {};
  return {
    ...schema,
    required: (schema.required ?? []).filter((name) => name !== field),
    properties: { ...properties, [field]: { ...properties[field], description } },
  };
}

/** `schema` with a required `subject` first: the path segment of the HTTP route, a field here. */
function withSubject(schema: JsonSchema, description: string): JsonSchema {
  return { ...schema, required: ['subject', ...(schema.required ?? [])], properties: { subject: { ...textSchema, description }, ...schema.properties } };
}

const sourceDefaultNote = 'default: this server\'s source (set by `stemedb mcp --source`)';

export const toolInputSchemas = {
  assert: defaulted(assertionInputSchema, 'source', `who or what makes the claim; ${sourceDefaultNote}`),
  vote: defaulted(voteInputSchema, 'voter', `who votes; ${sourceDefaultNote}`),
  retract: defaulted(retractionInputSchema, 'source', `who takes it back: must be the assertion's own source (else NOT_AUTHOR); ${sourceDefaultNote}`),
  define_epoch: epochInputSchema,
  get: {
    type: 'object',
    additionalProperties: false,
    required: ['hash'],
    properties: {
      hash: { ...hashSchema, description: 'the hash of any record (assertion, vote, retraction or epoch), as assert, find or history return it' },
      epoch: { ...epochIdSchema, description: 'count only the votes cast in this epoch in the tally' },
      asOf: asOfSchema,
    },
  },
  find: { type: 'object', additionalProperties: false, properties: { ...findFields, object: { description: `any JSON value: ${findObjectDescription}` } } },
  beliefs: withSubject(beliefsOptionsSchema, 'what the beliefs are about'),
  history: withSubject(historyOptionsSchema, 'whose history'),
  contested: contestedOptionsSchema,
  list_epochs: { type: 'object', additionalProperties: false, properties: {} },
} as const satisfies Record<string, JsonSchema>;

export type NativeToolName = keyof typeof toolInputSchemas;

const json = (value: unknown): string => JSON.stringify(value);

function assertionLine(a: AssertionResult): string {
  const status = a.status === 'live' ? '' : ` [${a.status}]`;
  return `${a.subject} ${a.predicate} = ${json(a.object)} (source ${a.source}, hash ${a.hash})${status}`;
}

function written(what: string, result: { hash: string; lsn: number }): CallToolResult {
  return toolResult({ ...result }, `${what}: hash ${result.hash}, lsn ${result.lsn} (durable)`);
}

interface ToolSpec {
  description: string;
  /** The errors a model may meet calling it, and when (published after the description). */
  errors: string;
  /** Its limits, in the units the store counts (published after the errors). */
  limits: string;
  write: boolean;
  run: (db: StemeDB, args: Record<string, unknown>, context: McpContext) => Promise<CallToolResult> | CallToolResult;
}

const tools: Record<NativeToolName, ToolSpec> = {
  assert: {
    description: 'Record a claim: subject, predicate, object (any JSON value), by a source. Use it to remember a fact, or to give your value for something others already claimed (rival claims coexist; beliefs ranks them). To correct your own earlier claim, pass its hash as supersedes (same subject and predicate, same source). confidence is 0..1; epoch is the id of a defined epoch (a context or paradigm the claim holds in). Returns the record\'s hash and its log position (lsn); the claim is durable when this returns.',
    errors: 'INVALID_RECORD when a field is over its limit or not valid Unicode; NOT_AUTHOR when supersedes names another source\'s assertion; UNKNOWN_ASSERTION when supersedes names none; INVALID_REQUEST when the arguments do not fit the input schema; UNAUTHORIZED over HTTP without the server\'s token',
    limits: `subject, predicate and source 1 to ${stringBytesMax} bytes of UTF-8 each; object at most ${objectBytesMax} bytes as canonical JSON, nested at most ${objectDepthMax} deep; confidence 0 to 1`,
    write: true,
    run: async (db, args, context) => {
      const input = { ...args, source: args.source ?? context.source } as unknown as AssertionInput;
      return written(`asserted ${input.subject} ${input.predicate} = ${json(input.object)}`, await db.assert(input));
    },
  },
  vote: {
    description: 'Support or oppose an existing assertion (by its hash), with an optional weight (default 1). Use it to agree or disagree with someone else\'s claim without restating it. A voter counts once per value: a later vote replaces an earlier one.',
    errors: 'UNKNOWN_ASSERTION when no assertion has that hash; INVALID_RECORD when a field is over its limit; INVALID_REQUEST when the arguments do not fit the input schema (a stance other than support or oppose, a weight not above 0); UNAUTHORIZED over HTTP without the server\'s token',
    limits: `voter 1 to ${stringBytesMax} bytes of UTF-8; weight above 0`,
    write: true,
    run: async (db, args, context) => {
      const input = { ...args, voter: args.voter ?? context.source } as unknown as VoteInput;
      return written(`voted ${input.stance} on ${input.assertion}`, await db.vote(input));
    },
  },
  retract: {
    description: 'Take back one of your own assertions (by its hash), with an optional reason. Only the assertion\'s source may retract it (else NOT_AUTHOR); to disagree with someone else\'s claim, vote oppose. The assertion stays in the history, with status retracted.',
    errors: 'NOT_AUTHOR when the assertion is another source\'s; UNKNOWN_ASSERTION when no assertion has that hash; INVALID_RECORD when the reason is over its limit; INVALID_REQUEST when the arguments do not fit the input schema (a hash is 64 lowercase hex characters); UNAUTHORIZED over HTTP without the server\'s token',
    limits: `source 1 to ${stringBytesMax} bytes of UTF-8; reason at most ${reasonBytesMax} bytes`,
    write: true,
    run: async (db, args, context) => {
      const input = { ...args, source: args.source ?? context.source } as unknown as RetractionInput;
      return written(`retracted ${input.assertion}`, await db.retract(input));
    },
  },
  define_epoch: {
    description: 'Define an epoch: a numbered context claims can be scoped to (a census year, a version, a paradigm), optionally refining a parent epoch. Defining the same id again with the same content is accepted; other content is EPOCH_CONFLICT. Use list_epochs first.',
    errors: 'EPOCH_CONFLICT when the id is defined with other content; INVALID_RECORD when a field is over its limit; INVALID_REQUEST when the arguments do not fit the input schema (an id is an integer from 0); UNAUTHORIZED over HTTP without the server\'s token',
    limits: `name 1 to ${stringBytesMax} bytes of UTF-8; description at most ${descriptionBytesMax} bytes`,
    write: true,
    run: async (db, args) => {
      const input = args as unknown as EpochInput;
      return written(`defined epoch ${input.id} ${json(input.name)}`, await db.defineEpoch(input));
    },
  },
  get: {
    description: 'Read one record by hash. An assertion comes with its status (live, retracted or superseded, and by what) and its vote tally. Use asOf (an LSN) to see it as it stood then.',
    errors: 'NOT_FOUND when no record has that hash (as of asOf); INVALID_QUERY when asOf is beyond the end of the log; INVALID_REQUEST when the arguments do not fit the input schema',
    limits: 'one record',
    write: false,
    run: (db, args) => {
      const { hash, epoch, asOf } = args as { hash: string; epoch?: number; asOf?: number };
      const tally = db.tally(hash, { ...(epoch !== undefined && { epoch }), ...(asOf !== undefined && { asOf }) });
      const record = db.get(hash, { asOf: tally.atLsn });
      if (record === undefined) throw new McpToolError('NOT_FOUND', `no record with hash ${hash}${asOf === undefined ? '' : ` logged before LSN ${asOf}`}`);
      if (record.type !== 'assertion') return toolResult({ record }, `${record.type} ${json(record)}`);
      return toolResult({ record, tally }, `${assertionLine(record)}; votes: support ${tally.support}, oppose ${tally.oppose}`);
    },
  },
  find: {
    description: 'Find assertions by what they say: by predicate (optionally with an exact object value and a subject), or by source. Needs a predicate or a source. Live assertions only unless includeRetracted. Paged: pass the returned cursor back, with the same arguments, for more. Use beliefs instead to learn what is believed about one subject.',
    errors: 'INVALID_QUERY without a predicate or a source, or with an object but no predicate; INVALID_CURSOR for a cursor another query returned; INVALID_REQUEST when the arguments do not fit the input schema',
    limits: `predicate, source and subject 1 to ${stringBytesMax} bytes of UTF-8 each; limit 1 to ${pageLimitMax} a page (default ${pageLimitDefault})`,
    write: false,
    run: (db, args) => {
      const page = db.find(args as FindQuery);
      return toolResult({ ...page }, pageText(page.items.map(assertionLine), page.cursor, page.atLsn));
    },
  },
  beliefs: {
    description: 'What is believed about a subject, per predicate: the candidate values ranked by support minus opposition (distinct sources and weighted votes), the best value, the consensus (0..1) and whether it is contested. This is the tool to answer "what do we know about X". Scope to an epoch (and its ancestors) or read as of an LSN if asked. Paged by predicate: pass the returned cursor back, with the same arguments, for more.',
    errors: 'UNKNOWN_EPOCH when the epoch is not defined; INVALID_QUERY when asOf is beyond the end of the log; INVALID_CURSOR for a cursor another query returned; INVALID_ARGUMENT when limit x candidates is over its bound; INVALID_REQUEST when the arguments do not fit the input schema',
    limits: `subject and predicate 1 to ${stringBytesMax} bytes of UTF-8 each; limit 1 to ${beliefsPredicatesMax} predicates a page (default ${beliefsPredicatesDefault}); candidates 1 to ${beliefsCandidatesMax} a predicate (default ${beliefsCandidatesDefault})`,
    write: false,
    run: (db, args) => {
      const { subject, ...options } = args as unknown as { subject: string } & BeliefsOptions;
      const beliefs = db.beliefs(subject, options);
      const lines = beliefs.predicates.map((p) =>
        p.best === null
          ? `${p.predicate}: no live value`
          : `${p.predicate} = ${json(p.best.object)} (score ${p.best.score}, consensus ${p.consensus.toFixed(2)}${p.contested ? ', contested' : ''}${p.candidateCount > 1 ? `, ${p.candidateCount - 1} rival value(s)` : ''})`,
      );
      const more = beliefs.cursor === undefined ? '' : '\n(more predicates: pass the cursor back)';
      return toolResult({ ...beliefs }, lines.length === 0 ? `nothing is known about ${subject}` : `${subject}:\n${lines.join('\n')}${more}`);
    },
  },
  history: {
    description: 'The audit trail of a subject: every assertion about it and every vote and retraction on those, in log order, with who made each and when (createdAt, ms). Use it to explain how a belief came about. Paged: pass the returned cursor back with the same arguments.',
    errors: 'INVALID_CURSOR for a cursor another query returned; INVALID_QUERY when asOf is beyond the end of the log; INVALID_REQUEST when the arguments do not fit the input schema',
    limits: `subject and predicate 1 to ${stringBytesMax} bytes of UTF-8 each; limit 1 to ${pageLimitMax} a page (default ${pageLimitDefault})`,
    write: false,
    run: (db, args) => {
      const { subject, ...options } = args as unknown as { subject: string } & HistoryOptions;
      const page = db.history(subject, options);
      const lines = page.items.map((item) => `lsn ${item.lsn} ${item.type} ${item.hash}: ${json(item.record)}`);
      return toolResult({ ...page }, pageText(lines, page.cursor, page.atLsn));
    },
  },
  contested: {
    description: 'The (subject, predicate) pairs whose best value is contested (a strong rival value, or strong opposition), with their consensus. Use it to find open disagreements worth resolving. Paged; within an epoch\'s scope when given (costly on a large store: use a small limit).',
    errors: 'UNKNOWN_EPOCH when the epoch is not defined; INVALID_CURSOR for a cursor another query returned; INVALID_REQUEST when the arguments do not fit the input schema',
    limits: `limit 1 to ${pageLimitMax} a page (default ${pageLimitDefault})`,
    write: false,
    run: (db, args) => {
      const page = db.contested(args as ContestedOptions);
      return toolResult({ ...page }, pageText(page.items.map((i) => `${i.subject} ${i.predicate} (consensus ${i.consensus.toFixed(2)})`), page.cursor));
    },
  },
  list_epochs: {
    description: 'Every defined epoch (id, name, description, parent), to choose one for assert, vote, beliefs or contested, or before define_epoch.',
    errors: 'INVALID_REQUEST when given any argument',
    limits: 'none',
    write: false,
    run: (db) => {
      const epochs = db.epochs();
      return toolResult({ epochs }, epochs.length === 0 ? 'no epochs defined' : epochs.map((e) => `${e.id} ${e.name}${e.parent === undefined ? '' : ` (parent ${e.parent})`}`).join('\n'));
    },
  },
};

function pageText(lines: string[], cursor: string | undefined, atLsn?: number): string {
  const head = `${lines.length} item(s)${atLsn === undefined ? '' : ` at lsn ${atLsn}`}${cursor === undefined ? '' : '; more: pass cursor'}`;
  return [head, ...lines].join('\n');
}

export function registerNativeTools(server: McpServer, context: McpContext): void {
  for (const [name, spec] of Object.entries(tools) as Array<[NativeToolName, ToolSpec]>) {
    const input = toolInput(toolInputSchemas[name]);
    const run = <T>(call: () => Promise<T>): Promise<T> => (context.calls === undefined ? call() : context.calls.track(call));
    server.registerTool(
      name,
      { description: `${spec.description} Errors: ${spec.errors}. Limits: ${spec.limits}; at most ${mcpToolInputElementsMax} array items and object members in all.`, inputSchema: input.published, annotations: { readOnlyHint: !spec.write } },
      async (raw: Record<string, unknown>, extra: CallExtra) => run(async () => {
        try {
          const args = input.check(raw);
          if (spec.write) requireWrite(context, extra);
          return await spec.run(context.db, args, context);
        } catch (error) {
          return toolErrorFrom(error, context.log);
        }
      }),
    );
  }
}
