// The knowledge graph of the reference MCP memory server, read from and written as StemeDB
// records (docs/mcp.md#the-memory-mapping): an entity is a subject; its type is an assertion
// with predicate `entityType`, each observation one with predicate `observation` (a string
// object); a relation is an assertion about `from` with predicate `relationType` and object
// {"entity": to}. Only live assertions count, from any source; a delete is a retraction by the
// server's source, so it takes back only what that source asserted.
import type { AssertionResult, RecordInput, StemeDB } from '../index.js';

export const entityTypePredicate = 'entityType';
export const observationPredicate = 'observation';

export interface Entity {
  name: string;
  entityType: string;
  observations: string[];
}

export interface Relation {
  from: string;
  to: string;
  relationType: string;
}

export interface Graph {
  entities: Entity[];
  relations: Relation[];
}

/** The object of a relation assertion: names the other entity. */
export function relationObject(to: string): { entity: string } {
  return { entity: to };
}

function relationTarget(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined;
  const keys = Object.keys(object);
  const entity = (object as Record<string, unknown>).entity;
  return keys.length === 1 && typeof entity === 'string' ? entity : undefined;
}

/** Every live assertion about `subject`, in LSN order (all pages). */
export function liveAbout(db: StemeDB, subject: string): AssertionResult[] {
  const items: AssertionResult[] = [];
  let cursor: string | undefined;
  do {
    const page = db.assertionsAbout(subject, { limit: 10_000, ...(cursor !== undefined && { cursor }) });
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return items.sort((a, b) => a.lsn - b.lsn);
}

/** The entity named `name` and its outgoing relations, or undefined when it has no live type. */
export function readEntity(db: StemeDB, name: string): { entity: Entity; relations: Relation[]; typeHash: string } | undefined {
  const about = liveAbout(db, name);
  const type = about.find((a) => a.predicate === entityTypePredicate && typeof a.object === 'string');
  if (type === undefined) return undefined;
  const observations: string[] = [];
  const relations: Relation[] = [];
  const seenRelations = new Set<string>();
  for (const a of about) {
    if (a.predicate === observationPredicate && typeof a.object === 'string') {
      if (!observations.includes(a.object)) observations.push(a.object);
      continue;
    }
    const to = relationTarget(a.object);
    if (to === undefined) continue;
    const key = JSON.stringify([a.predicate, to]);
    if (seenRelations.has(key)) continue;
    seenRelations.add(key);
    relations.push({ from: name, to, relationType: a.predicate });
  }
  return { entity: { name, entityType: type.object as string, observations }, relations, typeHash: type.hash };
}

/** A page of entities (ordered by type, then hash), with their outgoing relations. */
export function readGraphPage(db: StemeDB, limit: number, cursor: string | undefined): Graph & { cursor?: string } {
  const page = db.find({ predicate: entityTypePredicate, limit, ...(cursor !== undefined && { cursor }) });
  const graph: Graph = { entities: [], relations: [] };
  for (const item of page.items) {
    const read = readEntity(db, item.subject);
    // An entity typed twice is listed once: on the page holding the type that counts.
    if (read === undefined || read.typeHash !== item.hash) continue;
    graph.entities.push(read.entity);
    graph.relations.push(...read.relations);
  }
  return page.cursor === undefined ? graph : { ...graph, cursor: page.cursor };
}

/** Every entity (all pages): search_nodes reads them all, as the reference server does. */
export function everyEntity(db: StemeDB): Array<{ entity: Entity; relations: Relation[] }> {
  const out: Array<{ entity: Entity; relations: Relation[] }> = [];
  let cursor: string | undefined;
  do {
    const page = db.find({ predicate: entityTypePredicate, limit: 1000, ...(cursor !== undefined && { cursor }) });
    for (const item of page.items) {
      const read = readEntity(db, item.subject);
      if (read !== undefined && read.typeHash === item.hash) out.push(read);
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/** The entities among `found` and the relations whose both ends are among them (search_nodes, open_nodes). */
export function subgraph(found: ReadonlyArray<{ entity: Entity; relations: Relation[] }>): Graph {
  const names = new Set(found.map((f) => f.entity.name));
  return {
    entities: found.map((f) => f.entity),
    relations: found.flatMap((f) => f.relations.filter((r) => names.has(r.to))),
  };
}

/** Live assertions by `source` about `subject` with `predicate` (and `object` when given): what a delete retracts. */
export function ownAssertions(db: StemeDB, source: string, subject: string, predicate: string, object?: unknown): AssertionResult[] {
  const out: AssertionResult[] = [];
  let cursor: string | undefined;
  do {
    const page = db.find({ subject, predicate, source, limit: 10_000, ...(object !== undefined && { object: object as never }), ...(cursor !== undefined && { cursor }) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/** Every live relation assertion by `source` whose object names `to` (delete_entities' incoming relations). */
export function ownRelationsTo(db: StemeDB, source: string, targets: ReadonlySet<string>): AssertionResult[] {
  const out: AssertionResult[] = [];
  let cursor: string | undefined;
  do {
    const page = db.find({ source, limit: 10_000, ...(cursor !== undefined && { cursor }) });
    for (const a of page.items) {
      const to = relationTarget(a.object);
      if (to !== undefined && targets.has(to)) out.push(a);
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

export function retractions(assertions: readonly AssertionResult[], source: string, reason: string): RecordInput[] {
  const hashes = [...new Set(assertions.map((a) => a.hash))];
  return hashes.map((assertion) => ({ type: 'retraction', assertion, source, reason }));
}
