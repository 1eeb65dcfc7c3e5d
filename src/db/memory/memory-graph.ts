// The memory graph (docs/mcp.md, "The memory graph"): the reference MCP memory server's knowledge
// graph over StemeDB records, as `db.memory`. One method per tool of that server, answering what
// it answers for the same calls (checked against it by test/mcp/reference.test.ts), bounded: a
// call takes at most graphCallItemsMax items, reads come in pages with a cursor, and each method
// costs what it reads or returns, never the size of the store.
import { InvalidArgumentError, InvalidCursorError } from '../../errors.js';
import {
  graphCallItemsMax,
  graphPageItemsDefault,
  graphPageItemsMax,
  graphRelationsMax,
  graphSearchCandidatesMax,
  graphSearchEntitiesDefault,
  graphSearchEntitiesMax,
  graphSearchTrigramsMax,
  graphWriteRecordsMax,
} from '../../limits.js';
import { assertionKey, locatorKey, readU64be, u64be } from '../../layout/index.js';
import { hashFromBytes, hashToBytes, prepareRecord, type Hash, type PreparedRecord } from '../../records/index.js';
import { concatBytes } from '../../storage/index.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { RecordInput } from '../inputs.js';
import type { Reads } from '../queries.js';
import type { WriteResult } from '../record-log.js';
import { graphItems, readEntities, relationsTouching, type GraphEntity, type GraphRelation, type LogPosition } from './reads.js';
import { searchEntities } from './search.js';
import { GraphSnapshot } from './snapshot.js';
import {
  addObservations,
  createEntities,
  createRelations,
  entityDeletions,
  observationDeletions,
  relationDeletions,
  retractionsOf,
  type ObservationDeletion,
  type ObservationsInput,
} from './writes.js';

export type { GraphEntity, GraphRelation } from './reads.js';
export type { ObservationDeletion, ObservationsInput } from './writes.js';

/** A graph answer: entities and relations, and a cursor while more follow. */
export interface GraphAnswer {
  entities: GraphEntity[];
  relations: GraphRelation[];
  cursor?: string;
}

/** search's answer: also `moreRelations` when its entities have more relations than it holds (open them to page through all). */
export interface SearchAnswer extends GraphAnswer {
  moreRelations?: true;
}

/** What the graph needs of the facade. */
export interface GraphHost {
  reads(): Reads;
  /** Logs a batch of records prepared by prepareRecord (one fsync, all or nothing); `inputs` are what they were prepared from. */
  append(prepared: PreparedRecord[], inputs: RecordInput[]): Promise<WriteResult[]>;
}

function checkItems(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${what} must be an array`);
  if (value.length > graphCallItemsMax) throw new InvalidArgumentError(`${what} holds ${value.length} items; one call takes at most ${graphCallItemsMax}: split it`);
  return value;
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`${what} must be a string`);
  return value;
}

function checkStrings(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${what} must be an array of strings`);
  return value.map((v, i) => checkString(v, `${what}[${i}]`));
}

function checkObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function checkLimit(value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) throw new InvalidArgumentError(`limit must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  return value;
}

const positionBytes = 8 + 32;
const encodePosition = (p: LogPosition): Uint8Array => concatBytes(u64be(p.lsn), hashToBytes(p.hash as Hash));
function decodePosition(bytes: Uint8Array, at = 0): LogPosition {
  if (bytes.length < at + positionBytes) throw new InvalidCursorError('cursor is damaged');
  return { lsn: readU64be(bytes, at), hash: hashFromBytes(bytes.subarray(at + 8, at + positionBytes)) };
}

export class MemoryGraph {
  constructor(private readonly host: GraphHost) {}

  private snapshot(): GraphSnapshot {
    return new GraphSnapshot(this.host.reads());
  }

  /**
   * Logs `records` with createdAt chosen so that none has the hash of a record already logged:
   * an observation deleted and added again within one millisecond is a new assertion, not the
   * retracted one logged again (which would stay retracted).
   */
  private async write(records: RecordInput[]): Promise<number> {
    if (records.length === 0) return 0;
    if (records.length > graphWriteRecordsMax) throw new InvalidArgumentError(`this call would log ${records.length} records; one call logs at most ${graphWriteRecordsMax}: split it`);
    const { store, overlay } = this.host.reads();
    const now = Date.now();
    const inputs: RecordInput[] = [];
    const prepared = records.map((record) => {
      for (let createdAt = now; ; createdAt += 1) {
        const input = { ...record, createdAt } as RecordInput;
        const ready = prepareRecord(input, now);
        const bytes = hashToBytes(ready.hash);
        if (overlay.get(ready.hash) !== undefined || store.has(assertionKey(bytes)) || store.has(locatorKey(bytes))) continue;
        inputs.push(input);
        return ready;
      }
    });
    await this.host.append(prepared, inputs);
    return prepared.length;
  }

  async createEntities(entities: unknown, source: string): Promise<GraphEntity[]> {
    const list = checkItems(entities, 'entities').map((value, i) => {
      const e = checkObject(value, `entities[${i}]`);
      return { name: checkString(e.name, `entities[${i}].name`), entityType: checkString(e.entityType, `entities[${i}].entityType`), observations: checkStrings(e.observations, `entities[${i}].observations`) };
    });
    const { created, records } = createEntities(this.snapshot(), list, source);
    await this.write(records);
    return created;
  }

  async createRelations(relations: unknown, source: string): Promise<GraphRelation[]> {
    const list = checkItems(relations, 'relations').map((value, i) => checkRelation(value, `relations[${i}]`));
    const { created, records } = createRelations(this.snapshot(), list, source);
    await this.write(records);
    return created;
  }

  async addObservations(observations: unknown, source: string): Promise<Array<{ entityName: string; addedObservations: string[] }>> {
    const list: ObservationsInput[] = checkItems(observations, 'observations').map((value, i) => {
      const o = checkObject(value, `observations[${i}]`);
      return { entityName: checkString(o.entityName, `observations[${i}].entityName`), contents: checkStrings(o.contents, `observations[${i}].contents`) };
    });
    const { results, records } = addObservations(this.snapshot(), list, source);
    await this.write(records);
    return results;
  }

  /** Retracts this source's type and observations of each entity and its relations from or to it; returns how many records it logged. */
  async deleteEntities(entityNames: unknown, source: string): Promise<number> {
    const names = checkStrings(checkItems(entityNames, 'entityNames'), 'entityNames');
    return this.write(retractionsOf(entityDeletions(this.snapshot(), names, source), source, 'deleted through delete_entities'));
  }

  async deleteObservations(deletions: unknown, source: string): Promise<number> {
    const list: ObservationDeletion[] = checkItems(deletions, 'deletions').map((value, i) => {
      const d = checkObject(value, `deletions[${i}]`);
      return { entityName: checkString(d.entityName, `deletions[${i}].entityName`), observations: checkStrings(d.observations, `deletions[${i}].observations`) };
    });
    return this.write(retractionsOf(observationDeletions(this.snapshot(), list, source), source, 'deleted through delete_observations'));
  }

  async deleteRelations(relations: unknown, source: string): Promise<number> {
    const list = checkItems(relations, 'relations').map((value, i) => checkRelation(value, `relations[${i}]`));
    return this.write(retractionsOf(relationDeletions(this.snapshot(), list, source), source, 'deleted through delete_relations'));
  }

  /**
   * The whole graph a page at a time, in the reference server's order: every entity (in the
   * order they were created), then every relation (likewise); `limit` items a page.
   */
  read(options: { limit?: unknown; cursor?: unknown } = {}): GraphAnswer {
    const limit = checkLimit(options.limit, graphPageItemsDefault, graphPageItemsMax);
    const position = decodeCursor('memory.read', [], options.cursor);
    let after: { phase: 'entity' | 'relation'; position: LogPosition } | undefined;
    if (position !== undefined) {
      if (position[0] !== 0 && position[0] !== 1) throw new InvalidCursorError('cursor is damaged');
      after = { phase: position[0] === 0 ? 'entity' : 'relation', position: decodePosition(position, 1) };
    }
    const { items, more } = graphItems(this.snapshot(), after, limit);
    const answer: GraphAnswer = { entities: [], relations: [] };
    for (const item of items) {
      if (item.kind === 'entity') answer.entities.push(item.entity);
      else answer.relations.push(item.relation);
    }
    const last = items[items.length - 1];
    if (more && last !== undefined) answer.cursor = encodeCursor('memory.read', [], concatBytes(Uint8Array.of(last.kind === 'entity' ? 0 : 1), encodePosition(last.position)));
    return answer;
  }

  /**
   * The entities whose name, type or an observation contains `query`, ignoring case, in the
   * order they were created, with every relation that has at least one end among them.
   */
  search(query: unknown, options: { limit?: unknown; cursor?: unknown } = {}): SearchAnswer {
    const text = checkString(query, 'query');
    const limit = checkLimit(options.limit, graphSearchEntitiesDefault, graphSearchEntitiesMax);
    const position = decodeCursor('memory.search', [text], options.cursor);
    if (position !== undefined && position.length !== 12) throw new InvalidCursorError('cursor is damaged');
    const after = position === undefined ? undefined : { id: readU64be(new Uint8Array([0, 0, 0, 0, ...position.subarray(0, 4)]), 0), pendingLsn: readU64be(position, 4) - 1 };
    const snapshot = this.snapshot();
    const { found, next } = searchEntities(snapshot, text, { limit, candidatesMax: graphSearchCandidatesMax, trigramsMax: graphSearchTrigramsMax, after });
    found.sort((a, b) => a.lsn - b.lsn || (a.hash < b.hash ? -1 : 1));
    const { relations, more } = relationsTouching(snapshot, found.map((f) => f.entity.name), undefined, graphRelationsMax);
    const answer: SearchAnswer = { entities: found.map((f) => f.entity), relations: relations.map(({ from, to, relationType }) => ({ from, to, relationType })) };
    if (next !== undefined) answer.cursor = encodeCursor('memory.search', [text], concatBytes(u64be(next.id).subarray(4), u64be(next.pendingLsn + 1)));
    if (more) answer.moreRelations = true;
    return answer;
  }

  /**
   * The entities named (those that exist, in the order they were created), with every relation
   * that has at least one end among them; relations past graphRelationsMax come in further
   * answers (the same names and the cursor), which hold no entities.
   */
  open(names: unknown, options: { cursor?: unknown } = {}): GraphAnswer {
    const list = checkStrings(checkItems(names, 'names'), 'names');
    const position = decodeCursor('memory.open', list, options.cursor);
    const after = position === undefined ? undefined : decodePosition(position);
    const snapshot = this.snapshot();
    const found = readEntities(snapshot, list);
    const { relations, more } = relationsTouching(snapshot, found.map((f) => f.entity.name), after, graphRelationsMax);
    const answer: GraphAnswer = {
      entities: after === undefined ? found.map((f) => f.entity) : [],
      relations: relations.map(({ from, to, relationType }) => ({ from, to, relationType })),
    };
    const last = relations[relations.length - 1];
    if (more && last !== undefined) answer.cursor = encodeCursor('memory.open', list, encodePosition(last));
    return answer;
  }
}

function checkRelation(value: unknown, what: string): GraphRelation {
  const r = checkObject(value, what);
  return { from: checkString(r.from, `${what}.from`), to: checkString(r.to, `${what}.to`), relationType: checkString(r.relationType, `${what}.relationType`) };
}
