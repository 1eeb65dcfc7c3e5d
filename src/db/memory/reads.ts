// Reads of the memory graph (docs/mcp.md, "The memory graph"): an entity, the relations touching
// a set of entities, a page of the whole graph, and search. Each reads the G: entries it needs
// (src/layout/graph.ts) through a GraphSnapshot, so its cost follows what it returns: an entity
// costs its live observations, relations come from per-entity lists merged in log order, and
// search reads the postings of the query's trigrams, checking each candidate it returns.
import {
  decodeObservationValue,
  decodeRelationValue,
  graphEntityPrefix,
  graphFromPrefix,
  graphLsnOfKey,
  graphObservationPrefix,
  graphRelationPrefix,
  graphToPrefix,
  hashFromKeyEnd,
  relationTargetOfJson,
  stringObjectOf,
  u64be,
} from '../../layout/index.js';
import { hashFromBytes, hashToBytes, type AssertionView, type Hash } from '../../records/index.js';
import { concatBytes, sameBytes } from '../../storage/index.js';
import { byLog, nameCanExist, type Found, type GraphSnapshot } from './snapshot.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface GraphEntity {
  name: string;
  entityType: string;
  observations: string[];
}

export interface GraphRelation {
  from: string;
  to: string;
  relationType: string;
}

/** A position in log order: strictly after it is where a page resumes. */
export interface LogPosition {
  lsn: number;
  hash: string;
}

export function relationOf(view: AssertionView): GraphRelation {
  return { from: view.subject, to: relationTargetOfJson(view.objectJsonBytes)!, relationType: view.predicate };
}

/** The entity `name` (its first live type, its live observations in log order, each text once), with its type's LSN and hash. */
export function readEntity(snapshot: GraphSnapshot, name: string): { entity: GraphEntity; lsn: number; hash: string } | undefined {
  if (!nameCanExist(name)) return undefined;
  const type = snapshot.firstType(name)?.found;
  if (type === undefined) return undefined;
  const observations: string[] = [];
  const seen = new Set<string>();
  const add = (text: string): void => {
    if (seen.has(text)) return;
    seen.add(text);
    observations.push(text);
  };
  const utf8 = encoder.encode(name);
  for (const { key, value } of snapshot.reads.store.scanPrefix(graphObservationPrefix(utf8))) {
    const observation = decodeObservationValue(value);
    // Keys hold a digest of the name; the value holds the name itself.
    if (!sameBytes(observation.name, utf8)) continue;
    if (!snapshot.idle && snapshot.dead(hashFromBytes(hashFromKeyEnd(key)))) continue;
    add(observation.text);
  }
  for (const found of snapshot.pending(name, 'observation')) add(stringObjectOf(found.view));
  return { entity: { name, entityType: stringObjectOf(type.view), observations }, lsn: type.lsn, hash: type.hash };
}

/** The entities among `names` (each once), in log order of their types. */
export function readEntities(snapshot: GraphSnapshot, names: Iterable<string>): Array<{ entity: GraphEntity; lsn: number; hash: string }> {
  const out: Array<{ entity: GraphEntity; lsn: number; hash: string }> = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const read = readEntity(snapshot, name);
    if (read !== undefined) out.push(read);
  }
  return out.sort(byLog);
}

/** One entry of a G: list in log order: its position, and its value when stored. */
interface Listed {
  lsn: number;
  hash: string;
  value?: Uint8Array;
  found?: Found;
}

/** A lazy stream of the stored G: entries under `prefix` after a log position. */
function* storedAfter(snapshot: GraphSnapshot, prefix: Uint8Array, after: LogPosition | undefined): Generator<Listed> {
  const options = after === undefined ? {} : { after: concatBytes(prefix, u64be(after.lsn), hashToBytes(after.hash as Hash)) };
  for (const { key, value } of snapshot.reads.store.scanPrefix(prefix, options)) yield { lsn: graphLsnOfKey(key), hash: hashFromBytes(hashFromKeyEnd(key)), value };
}

/** The found assertions after a log position, as a stream. */
function shownAfter(found: readonly Found[], after: LogPosition | undefined): Iterator<Listed> {
  return found.filter((f) => after === undefined || byLog(f, after) > 0).map((f) => ({ lsn: f.lsn, hash: f.hash, found: f }))[Symbol.iterator]();
}

/** The relation a listed entry stands for, when live (the stored ones are checked against the overlay's pending changes). */
function relationOfListed(snapshot: GraphSnapshot, item: Listed): GraphRelation | undefined {
  if (item.found !== undefined) return relationOf(item.found.view);
  if (snapshot.dead(item.hash as Hash)) return undefined;
  return decodeRelationValue(item.value!);
}

/** A min-heap of streams by their head's log position: the k-way merge of per-entity lists. */
class Merge<T extends { lsn: number; hash: string }> {
  private readonly heads: Array<{ head: T; rest: Iterator<T> }> = [];

  add(stream: Iterator<T>): void {
    const first = stream.next();
    if (!first.done) this.push({ head: first.value, rest: stream });
  }

  next(): T | undefined {
    const top = this.heads[0];
    if (top === undefined) return undefined;
    const value = top.head;
    const following = top.rest.next();
    if (!following.done) {
      top.head = following.value;
    } else {
      const last = this.heads.pop()!;
      if (this.heads.length === 0) return value;
      this.heads[0] = last;
    }
    this.down(0);
    return value;
  }

  private push(item: { head: T; rest: Iterator<T> }): void {
    this.heads.push(item);
    let i = this.heads.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (byLog(this.heads[parent]!.head, this.heads[i]!.head) <= 0) break;
      [this.heads[parent], this.heads[i]] = [this.heads[i]!, this.heads[parent]!];
      i = parent;
    }
  }

  private down(start: number): void {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.heads.length && byLog(this.heads[left]!.head, this.heads[smallest]!.head) < 0) smallest = left;
      if (right < this.heads.length && byLog(this.heads[right]!.head, this.heads[smallest]!.head) < 0) smallest = right;
      if (smallest === i) return;
      [this.heads[smallest], this.heads[i]] = [this.heads[i]!, this.heads[smallest]!];
      i = smallest;
    }
  }
}

/**
 * The relations with at least one end among `names`, in log order, after `after`: each
 * triple's first live assertion, each once; at most `max` of them, and whether more follow.
 */
export function relationsTouching(snapshot: GraphSnapshot, names: readonly string[], after: LogPosition | undefined, max: number): { relations: Array<GraphRelation & LogPosition>; more: boolean } {
  const wanted = new Set(names);
  const merge = new Merge<Listed>();
  for (const name of wanted) {
    const utf8 = encoder.encode(name);
    merge.add(storedAfter(snapshot, graphFromPrefix(utf8), after));
    merge.add(storedAfter(snapshot, graphToPrefix(utf8), after));
  }
  merge.add(shownAfter(snapshot.shownRelations.filter((f) => touches(relationOf(f.view), wanted)), after));
  const relations: Array<GraphRelation & LogPosition> = [];
  let previous: string | undefined;
  for (let item = merge.next(); item !== undefined; item = merge.next()) {
    // A relation between two of the names is in both their lists: adjacent in the merge.
    if (item.hash === previous) continue;
    previous = item.hash;
    const relation = relationOfListed(snapshot, item);
    // Keys hold digests of names; the value holds the names themselves.
    if (relation === undefined || !touches(relation, wanted)) continue;
    if (relations.length === max) return { relations, more: true };
    relations.push({ ...relation, lsn: item.lsn, hash: item.hash });
  }
  return { relations, more: false };
}

function touches(relation: GraphRelation, names: ReadonlySet<string>): boolean {
  return names.has(relation.from) || names.has(relation.to);
}

/** One item of the whole graph in its reading order: entities, then relations, each in log order. */
export type GraphItem = { kind: 'entity'; entity: GraphEntity; position: LogPosition } | { kind: 'relation'; relation: GraphRelation; position: LogPosition };

/**
 * The whole graph as one sequence (the reference server's file order): every entity in log
 * order of its type, then every relation in log order, starting after `after` in the phase
 * it names; at most `max` items, and whether more follow.
 */
export function graphItems(snapshot: GraphSnapshot, after: { phase: 'entity' | 'relation'; position?: LogPosition } | undefined, max: number): { items: GraphItem[]; more: boolean } {
  const items: GraphItem[] = [];
  if (after === undefined || after.phase === 'entity') {
    const merge = new Merge<Listed>();
    merge.add(storedAfter(snapshot, graphEntityPrefix(), after?.position));
    merge.add(shownAfter(snapshot.shownEntities, after?.position));
    for (let item = merge.next(); item !== undefined; item = merge.next()) {
      const name = item.found !== undefined ? item.found.view.subject : decoder.decode(item.value!);
      const read = readEntity(snapshot, name);
      // Listed at the type that makes it an entity: a name typed twice is listed once, and a
      // stored type with a pending change is listed where the one promoted in its place is.
      if (read === undefined || read.hash !== item.hash) continue;
      if (items.length === max) return { items, more: true };
      items.push({ kind: 'entity', entity: read.entity, position: { lsn: item.lsn, hash: item.hash } });
    }
  }
  const relationsAfter = after?.phase === 'relation' ? after.position : undefined;
  const merge = new Merge<Listed>();
  merge.add(storedAfter(snapshot, graphRelationPrefix(), relationsAfter));
  merge.add(shownAfter(snapshot.shownRelations, relationsAfter));
  for (let item = merge.next(); item !== undefined; item = merge.next()) {
    const relation = relationOfListed(snapshot, item);
    if (relation === undefined) continue;
    if (items.length === max) return { items, more: true };
    items.push({ kind: 'relation', relation, position: { lsn: item.lsn, hash: item.hash } });
  }
  return { items, more: false };
}
