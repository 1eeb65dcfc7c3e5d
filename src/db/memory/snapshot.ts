// What one memory-graph call reads: the G: family (src/layout/graph.ts) as ingest left it, and
// the records logged since and not yet ingested (the overlay), sorted out once per call. A
// stored G: entry is live unless a pending retraction or supersession names it (ingest removes
// the entry when it stores one). Pending graph assertions, and stored ones that a pending change
// promotes to first of their entity or triple, are what the G: entries do not show yet.
import { hashFromBytes, hashToBytes, isWellFormed, openView, type AssertionView, type Hash } from '../../records/index.js';
import { stringBytesMax } from '../../limits.js';
import {
  assertionKey,
  decodeAssertionList,
  graphRole,
  graphTripleKey,
  graphTypesKey,
  relationTargetOfJson,
  type GraphRole,
  type ListedAssertion,
} from '../../layout/index.js';
import { storeHolds, type Reads } from '../queries.js';

const encoder = new TextEncoder();

/** A graph assertion a read found: its view, hash and first LSN. */
export interface Found {
  view: AssertionView;
  hash: Hash;
  lsn: number;
}

/** Log order: LSN, then hash (two records of one frame never share both). */
export function byLog(a: { lsn: number; hash: string }, b: { lsn: number; hash: string }): number {
  return a.lsn - b.lsn || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);
}

/** Whether any entity could have this name: a subject is 1 to stringBytesMax bytes of well-formed UTF-8. */
export function nameCanExist(name: string): boolean {
  return name.length > 0 && name.length <= stringBytesMax && isWellFormed(name) && encoder.encode(name).length <= stringBytesMax;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

export class GraphSnapshot {
  /** Pending type assertions by entity name, in log order. */
  readonly pendingTypes = new Map<string, Found[]>();
  /** Pending observations by entity name, in log order. */
  readonly pendingObservations = new Map<string, Found[]>();
  /**
   * The first live assertion of each relation triple that the G: entries do not show: pending
   * ones, and stored ones promoted by a pending change of the triple's first. In log order.
   */
  readonly shownRelations: Found[] = [];
  /** The same for entities: each first live type assertion the G:e entries do not show. In log order. */
  readonly shownEntities: Found[] = [];

  constructor(readonly reads: Reads) {
    const touchedNames = new Set<string>();
    const touchedTriples = new Map<string, AssertionView>();
    const pendingRelations = new Map<string, Found[]>();
    for (const entry of reads.overlay.entries()) {
      const { record } = entry;
      if (record.type === 'retraction' || (record.type === 'assertion' && record.supersedes !== undefined)) {
        // A pending change of a stored graph assertion may promote another to first.
        const target = record.type === 'retraction' ? record.assertion : record.supersedes!;
        const bytes = reads.store.get(assertionKey(hashToBytes(target)));
        if (bytes !== undefined) this.touch(openView(bytes) as AssertionView, touchedNames, touchedTriples);
      }
      if (record.type !== 'assertion' || storeHolds(reads.store, entry) || this.dead(entry.hash)) continue;
      const view = openView(entry.bytes) as AssertionView;
      const role = graphRole(view);
      if (role === undefined) continue;
      const found = { view, hash: entry.hash, lsn: entry.lsn };
      if (role === 'type') push(this.pendingTypes, view.subject, found);
      else if (role === 'observation') push(this.pendingObservations, view.subject, found);
      else push(pendingRelations, tripleId(view), found);
      this.touch(view, touchedNames, touchedTriples);
    }
    for (const name of touchedNames) {
      const first = this.firstType(name);
      if (first !== undefined && !first.indexed) this.shownEntities.push(first.found);
    }
    for (const [id, view] of touchedTriples) {
      const first = this.firstOfTriple(view, pendingRelations.get(id) ?? []);
      if (first !== undefined && !first.indexed) this.shownRelations.push(first.found);
    }
    this.shownEntities.sort(byLog);
    this.shownRelations.sort(byLog);
  }

  private touch(view: AssertionView, names: Set<string>, triples: Map<string, AssertionView>): void {
    const role: GraphRole | undefined = graphRole(view);
    if (role === 'type') names.add(view.subject);
    else if (role === 'relation') triples.set(tripleId(view), view);
  }

  /** A stored G: entry's assertion is dead when a pending retraction or supersession names it. */
  dead(hash: Hash): boolean {
    return this.reads.overlay.statusChanges(hash).length > 0;
  }

  /** The stored assertion with this hash, live or not. */
  storedView(hashBytes: Uint8Array): AssertionView | undefined {
    const bytes = this.reads.store.get(assertionKey(hashBytes));
    return bytes === undefined ? undefined : (openView(bytes) as AssertionView);
  }

  /** The stored assertion a G: entry or list names, when it is live and really has `check`'s shape. */
  stored(hashBytes: Uint8Array, lsn: number, check: (view: AssertionView) => boolean): Found | undefined {
    const hash = hashFromBytes(hashBytes);
    if (this.dead(hash)) return undefined;
    const bytes = this.reads.store.get(assertionKey(hashBytes));
    if (bytes === undefined) return undefined;
    const view = openView(bytes) as AssertionView;
    // Keys hold digests of names: compare the real bytes, so even a collision answers right.
    return check(view) ? { view, hash, lsn } : undefined;
  }

  /** Live entries of a stored G:y or G:p list, in log order. */
  private liveListed(key: Uint8Array, check: (view: AssertionView) => boolean): Array<Found & { at: number }> {
    const value = this.reads.store.get(key);
    if (value === undefined) return [];
    const out: Array<Found & { at: number }> = [];
    decodeAssertionList(value).forEach((item: ListedAssertion, at) => {
      const found = this.stored(item.hash, item.lsn, check);
      if (found !== undefined) out.push({ ...found, at });
    });
    return out;
  }

  /** Every live type assertion of `name` (stored, then pending), in log order. */
  types(name: string): Found[] {
    const utf8 = encoder.encode(name);
    const stored = this.liveListed(graphTypesKey(utf8), (v) => v.subject === name && graphRole(v) === 'type');
    return [...stored, ...(this.pendingTypes.get(name) ?? [])];
  }

  /** The type assertion that makes `name` an entity: its first live one; `indexed` when G:e shows it. */
  firstType(name: string): { found: Found; indexed: boolean } | undefined {
    const utf8 = encoder.encode(name);
    const stored = this.liveListed(graphTypesKey(utf8), (v) => v.subject === name && graphRole(v) === 'type');
    if (stored[0] !== undefined) return { found: stored[0], indexed: stored[0].at === 0 };
    const pending = this.pendingTypes.get(name)?.[0];
    return pending === undefined ? undefined : { found: pending, indexed: false };
  }

  /** Every live assertion of a relation triple (stored, then pending), in log order. */
  relationAssertions(from: string, relationType: string, to: string): Found[] {
    const key = graphTripleKey(encoder.encode(from), encoder.encode(relationType), encoder.encode(to));
    const stored = this.liveListed(key, (v) => v.subject === from && v.predicate === relationType && relationTargetOfJson(v.objectJsonBytes) === to);
    const pending: Found[] = [];
    for (const found of this.pendingRelationsOf(from)) {
      if (found.view.predicate === relationType && relationTargetOfJson(found.view.objectJsonBytes) === to) pending.push(found);
    }
    return [...stored, ...pending];
  }

  private firstOfTriple(view: AssertionView, pending: Found[]): { found: Found; indexed: boolean } | undefined {
    const to = relationTargetOfJson(view.objectJsonBytes)!;
    const key = graphTripleKey(view.subjectBytes, view.predicateBytes, encoder.encode(to));
    const from = view.subject;
    const relationType = view.predicate;
    const stored = this.liveListed(key, (v) => v.subject === from && v.predicate === relationType && relationTargetOfJson(v.objectJsonBytes) === to);
    if (stored[0] !== undefined) return { found: stored[0], indexed: stored[0].at === 0 };
    return pending[0] === undefined ? undefined : { found: pending[0], indexed: false };
  }

  /** Pending (not yet ingested) live relation assertions starting at `from`, every one of them. */
  private pendingRelationsOf(from: string): Found[] {
    const out: Found[] = [];
    for (const entry of this.reads.overlay.assertionsAbout(from)) {
      if (storeHolds(this.reads.store, entry) || this.dead(entry.hash)) continue;
      const view = openView(entry.bytes) as AssertionView;
      if (graphRole(view) === 'relation') out.push({ view, hash: entry.hash, lsn: entry.lsn });
    }
    return out.sort(byLog);
  }

  /** Every pending live relation assertion touching `name` (from or to it). */
  pendingRelationsTouching(name: string): Found[] {
    const out: Found[] = [];
    for (const entry of this.reads.overlay.entries()) {
      if (entry.record.type !== 'assertion' || storeHolds(this.reads.store, entry) || this.dead(entry.hash)) continue;
      const view = openView(entry.bytes) as AssertionView;
      if (graphRole(view) !== 'relation') continue;
      if (view.subject === name || relationTargetOfJson(view.objectJsonBytes) === name) out.push({ view, hash: entry.hash, lsn: entry.lsn });
    }
    return out;
  }
}

/** A relation triple as text: the same for every assertion of it. */
export function tripleId(view: AssertionView): string {
  return JSON.stringify([view.subject, view.predicate, relationTargetOfJson(view.objectJsonBytes)]);
}
