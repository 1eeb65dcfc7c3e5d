// The memory graph's writes (docs/mcp.md): each tool call of the reference memory server becomes
// one batch of assertions or retractions by the caller's source, logged with one fsync or not at
// all. What the reference skips (an existing entity, relation or observation) is skipped here;
// a delete retracts only what the caller's source asserted. These functions only decide the
// records; the facade logs them.
import { NotFoundError } from '../../errors.js';
import {
  decodeObservationValue,
  decodeRelationValue,
  entityTypePredicate,
  graphFromPrefix,
  graphLsnOfKey,
  graphObservationPrefix,
  graphRole,
  graphToPrefix,
  hashFromKeyEnd,
  observationPredicate,
  relationObject,
  stringObjectOf,
} from '../../layout/index.js';
import { sameBytes } from '../../storage/index.js';
import type { RecordInput } from '../inputs.js';
import { readEntity, relationOf, type GraphEntity, type GraphRelation } from './reads.js';
import { nameCanExist, tripleId, type Found, type GraphSnapshot } from './snapshot.js';

const encoder = new TextEncoder();

export interface ObservationsInput {
  entityName: string;
  contents: string[];
}

export interface ObservationDeletion {
  entityName: string;
  observations: string[];
}

const assertion = (subject: string, predicate: string, object: string | { entity: string }, source: string): RecordInput => ({ type: 'assertion', subject, predicate, object, source });

/** create_entities: the entities not yet there (the first of a name in the call), and their records. */
export function createEntities(snapshot: GraphSnapshot, entities: readonly GraphEntity[], source: string): { created: GraphEntity[]; records: RecordInput[] } {
  const created: GraphEntity[] = [];
  const records: RecordInput[] = [];
  const names = new Set<string>();
  for (const e of entities) {
    if (names.has(e.name)) continue;
    names.add(e.name);
    if (nameCanExist(e.name) && snapshot.firstType(e.name) !== undefined) continue;
    const observations = [...new Set(e.observations)];
    created.push({ name: e.name, entityType: e.entityType, observations });
    records.push(assertion(e.name, entityTypePredicate, e.entityType, source));
    for (const o of observations) records.push(assertion(e.name, observationPredicate, o, source));
  }
  return { created, records };
}

/** create_relations: the relations not yet there (any source's live one counts), each once. */
export function createRelations(snapshot: GraphSnapshot, relations: readonly GraphRelation[], source: string): { created: GraphRelation[]; records: RecordInput[] } {
  const created: GraphRelation[] = [];
  const seen = new Set<string>();
  for (const r of relations) {
    const id = JSON.stringify([r.from, r.to, r.relationType]);
    if (seen.has(id)) continue;
    seen.add(id);
    if (nameCanExist(r.from) && snapshot.relationAssertions(r.from, r.relationType, r.to).length > 0) continue;
    created.push({ from: r.from, to: r.to, relationType: r.relationType });
  }
  return { created, records: created.map((r) => assertion(r.from, r.relationType, relationObject(r.to), source)) };
}

/**
 * add_observations: per entry, the contents the entity does not hold yet (earlier entries of
 * the call count). An entity that does not exist fails the whole call, as in the reference,
 * with its message: "Entity with name X not found".
 */
export function addObservations(snapshot: GraphSnapshot, observations: readonly ObservationsInput[], source: string): { results: Array<{ entityName: string; addedObservations: string[] }>; records: RecordInput[] } {
  const results: Array<{ entityName: string; addedObservations: string[] }> = [];
  const records: RecordInput[] = [];
  const held = new Map<string, Set<string>>();
  for (const { entityName, contents } of observations) {
    let present = held.get(entityName);
    if (present === undefined) {
      const read = readEntity(snapshot, entityName);
      if (read === undefined) throw new NotFoundError(`Entity with name ${entityName} not found`);
      present = new Set(read.entity.observations);
      held.set(entityName, present);
    }
    const added: string[] = [];
    for (const c of contents) {
      if (present.has(c)) continue;
      present.add(c);
      added.push(c);
      records.push(assertion(entityName, observationPredicate, c, source));
    }
    results.push({ entityName, addedObservations: added });
  }
  return { results, records };
}

/** Live observations of `name` by `source` whose text is in `texts` (every one when absent). */
function ownObservations(snapshot: GraphSnapshot, name: string, source: string, texts?: ReadonlySet<string>): Found[] {
  if (!nameCanExist(name)) return [];
  const out: Found[] = [];
  const wanted = (f: Found): boolean => f.view.source === source && (texts === undefined || texts.has(stringObjectOf(f.view)));
  const utf8 = encoder.encode(name);
  for (const { key, value } of snapshot.reads.store.scanPrefix(graphObservationPrefix(utf8))) {
    // The value says whose and what, so only the candidates' records are read (for their source).
    const observation = decodeObservationValue(value);
    if (!sameBytes(observation.name, utf8) || (texts !== undefined && !texts.has(observation.text))) continue;
    const found = snapshot.stored(hashFromKeyEnd(key), graphLsnOfKey(key), (v) => v.subject === name && graphRole(v) === 'observation');
    if (found !== undefined && wanted(found)) out.push(found);
  }
  for (const found of snapshot.pending(name, 'observation')) if (wanted(found)) out.push(found);
  return out;
}

/** Every live relation assertion by `source` with `name` at either end. */
function ownRelationsTouching(snapshot: GraphSnapshot, name: string, source: string): Found[] {
  const utf8 = encoder.encode(name);
  const triples = new Map<string, GraphRelation>();
  const add = (r: GraphRelation): void => {
    if (r.from === name || r.to === name) triples.set(tripleId(r.from, r.relationType, r.to), r);
  };
  // The G:f/G:t entries show each triple once (its first live assertion, maybe another
  // source's, maybe just retracted); the triple's list has every live one.
  for (const prefix of [graphFromPrefix(utf8), graphToPrefix(utf8)]) {
    for (const { value } of snapshot.reads.store.scanPrefix(prefix)) add(decodeRelationValue(value));
  }
  for (const found of [...snapshot.pendingRelationsTouching(name), ...snapshot.shownRelations]) add(relationOf(found.view));
  const out: Found[] = [];
  for (const r of triples.values()) out.push(...snapshot.relationAssertions(r.from, r.relationType, r.to).filter((f) => f.view.source === source));
  return out;
}

/** delete_entities: this source's type and observations of each name, and its relations from or to each. */
export function entityDeletions(snapshot: GraphSnapshot, names: readonly string[], source: string): Found[] {
  const out: Found[] = [];
  for (const name of new Set(names)) {
    if (!nameCanExist(name)) continue;
    out.push(...snapshot.types(name).filter((f) => f.view.source === source));
    out.push(...ownObservations(snapshot, name, source));
    out.push(...ownRelationsTouching(snapshot, name, source));
  }
  return out;
}

export function observationDeletions(snapshot: GraphSnapshot, deletions: readonly ObservationDeletion[], source: string): Found[] {
  return deletions.flatMap((d) => ownObservations(snapshot, d.entityName, source, new Set(d.observations)));
}

export function relationDeletions(snapshot: GraphSnapshot, relations: readonly GraphRelation[], source: string): Found[] {
  return relations.flatMap((r) => (nameCanExist(r.from) ? snapshot.relationAssertions(r.from, r.relationType, r.to).filter((f) => f.view.source === source) : []));
}

/** The retractions of `found` (each assertion once), by `source`. */
export function retractionsOf(found: readonly Found[], source: string, reason: string): RecordInput[] {
  return [...new Set(found.map((f) => f.hash))].map((hash) => ({ type: 'retraction', assertion: hash, source, reason }));
}
