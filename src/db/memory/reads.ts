// Reads of the memory graph (docs/mcp.md, "The memory graph"): an entity, the relations touching
// a set of entities, a page of the whole graph, and search. Each reads the G: entries it needs
// (src/layout/graph.ts) through a GraphSnapshot, so its cost follows what it returns: an entity
// costs its live observations, relations come from per-entity lists merged in log order, and
// search reads the postings of the query's trigrams, checking each candidate it returns.
import {
  graphEntityPrefix,
  graphFromPrefix,
  graphLsnOfKey,
  graphObservationPrefix,
  graphRelationPrefix,
  graphRole,
  graphToPrefix,
  hashFromKeyEnd,
  relationTargetOfJson,
  stringObjectOf,
  u64be,
} from '../../layout/index.js';
import { hashFromBytes, hashToBytes, type AssertionView } from '../../records/index.js';
import { concatBytes } from '../../storage/index.js';
import { byLog, nameCanExist, type Found, type GraphSnapshot } from './snapshot.js';

const encoder = new TextEncoder();

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

/** The entity `name` (its first live type, its live observations in log order, each text once), with its type's LSN. */
export function readEntity(snapshot: GraphSnapshot, name: string): { entity: GraphEntity; lsn: number; hash: string } | undefined {
  if (!nameCanExist(name)) return undefined;
  const type = snapshot.firstType(name)?.found;
  if (type === undefined) return undefined;
  const observations: string[] = [];
  const seen = new Set<string>();
  const add = (view: AssertionView): void => {
    const text = stringObjectOf(view);
    if (seen.has(text)) return;
    seen.add(text);
    observations.push(text);
  };
  const utf8 = encoder.encode(name);
  for (const { key } of snapshot.reads.store.scanPrefix(graphObservationPrefix(utf8))) {
    const found = snapshot.stored(hashFromKeyEnd(key), graphLsnOfKey(key), (v) => v.subject === name && graphRole(v) === 'observation');
    if (found !== undefined) add(found.view);
  }
  for (const found of snapshot.pendingObservations.get(name) ?? []) add(found.view);
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

/** A lazy stream of stored G: entries under `prefix` after a log position, each its (lsn, hash). */
function* storedAfter(snapshot: GraphSnapshot, prefix: Uint8Array, after: LogPosition | undefined): Generator<{ lsn: number; hashBytes: Uint8Array; hash: string }> {
  const options = after === undefined ? {} : { after: concatBytes(prefix, u64be(after.lsn), hashToBytes(after.hash as never)) };
  for (const { key } of snapshot.reads.store.scanPrefix(prefix, options)) {
    const hashBytes = hashFromKeyEnd(key);
    yield { lsn: graphLsnOfKey(key), hashBytes, hash: hashFromBytes(hashBytes) };
  }
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
  const merge = new Merge<{ lsn: number; hash: string; hashBytes?: Uint8Array; view?: AssertionView }>();
  for (const name of wanted) {
    const utf8 = encoder.encode(name);
    merge.add(storedAfter(snapshot, graphFromPrefix(utf8), after));
    merge.add(storedAfter(snapshot, graphToPrefix(utf8), after));
  }
  const shown = snapshot.shownRelations.filter((f) => (after === undefined || byLog(f, after) > 0) && touches(f.view, wanted));
  merge.add(shown[Symbol.iterator]());
  const relations: Array<GraphRelation & LogPosition> = [];
  let previous: string | undefined;
  for (let item = merge.next(); item !== undefined; item = merge.next()) {
    // A relation between two of the names is in both their lists: adjacent in the merge.
    if (item.hash === previous) continue;
    previous = item.hash;
    const found: Found | undefined = item.view !== undefined
      ? (item as Found)
      : snapshot.stored(item.hashBytes!, item.lsn, (v) => graphRole(v) === 'relation' && touches(v, wanted));
    if (found === undefined) continue;
    if (relations.length === max) return { relations, more: true };
    relations.push({ ...relationOf(found.view), lsn: found.lsn, hash: found.hash });
  }
  return { relations, more: false };
}

function touches(view: AssertionView, names: ReadonlySet<string>): boolean {
  return names.has(view.subject) || names.has(relationTargetOfJson(view.objectJsonBytes)!);
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
    const merge = new Merge<{ lsn: number; hash: string; hashBytes?: Uint8Array; view?: AssertionView }>();
    merge.add(storedAfter(snapshot, graphEntityPrefix(), after?.position));
    merge.add(snapshot.shownEntities.filter((f) => after?.position === undefined || byLog(f, after.position) > 0)[Symbol.iterator]());
    for (let item = merge.next(); item !== undefined; item = merge.next()) {
      const found: Found | undefined = item.view !== undefined ? (item as Found) : snapshot.stored(item.hashBytes!, item.lsn, (v) => graphRole(v) === 'type');
      if (found === undefined) continue;
      const read = readEntity(snapshot, found.view.subject);
      // Listed at the type that makes it an entity (a name typed twice is listed once).
      if (read === undefined || read.hash !== found.hash) continue;
      if (items.length === max) return { items, more: true };
      items.push({ kind: 'entity', entity: read.entity, position: { lsn: found.lsn, hash: found.hash } });
    }
  }
  const relationsAfter = after?.phase === 'relation' ? after.position : undefined;
  const merge = new Merge<{ lsn: number; hash: string; hashBytes?: Uint8Array; view?: AssertionView }>();
  merge.add(storedAfter(snapshot, graphRelationPrefix(), relationsAfter));
  merge.add(snapshot.shownRelations.filter((f) => relationsAfter === undefined || byLog(f, relationsAfter) > 0)[Symbol.iterator]());
  for (let item = merge.next(); item !== undefined; item = merge.next()) {
    const found: Found | undefined = item.view !== undefined ? (item as Found) : snapshot.stored(item.hashBytes!, item.lsn, (v) => graphRole(v) === 'relation');
    if (found === undefined) continue;
    if (items.length === max) return { items, more: true };
    items.push({ kind: 'relation', relation: relationOf(found.view), position: { lsn: found.lsn, hash: found.hash } });
  }
  return { items, more: false };
}
