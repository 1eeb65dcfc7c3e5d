// What one memory-graph call reads: the G: family (src/layout/graph.ts) as ingest left it, and
// the records logged since and not yet ingested (the overlay). A stored G: entry is live unless
// a pending retraction or supersession names it (ingest removes the entry when it stores one).
// Pending graph assertions about a name are looked up by subject, on demand; what needs every
// pending record (relations pointing to a name, and the entities and relations a pending change
// promotes to first of their name or triple) is gathered by one pass over the overlay, only
// when a call asks, so a call on an idle store pays nothing for pending writes.
import { hashToBytes, isWellFormed, openView, type AssertionView, type Hash } from '../../records/index.js';
import { stringBytesMax } from '../../limits.js';
import { assertionKey, decodeAssertionList, graphRole, graphTripleKey, graphTypesKey, relationTargetOfJson, type GraphRole, type ListedAssertion } from '../../layout/index.js';
import { storeHolds, type Reads } from '../queries.js';
import { hashFromBytes } from '../../records/index.js';

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

/** A relation triple as text: the same for every assertion of it. */
export function tripleId(from: string, relationType: string, to: string): string {
  return JSON.stringify([from, relationType, to]);
}

interface PendingGraph {
  /** Every pending live relation assertion, in log order. */
  relations: Found[];
  /** Each first live type assertion of a name that the G:e entries do not show (pending, or promoted by a pending change), in log order. */
  shownEntities: Found[];
  /** The same for relation triples and the G:r, G:f and G:t entries. */
  shownRelations: Found[];
}

const noPendingGraph: PendingGraph = { relations: [], shownEntities: [], shownRelations: [] };

export class GraphSnapshot {
  /** Nothing is pending: no G: entry is dead, and nothing needs merging. */
  readonly idle: boolean;
  private readonly about = new Map<string, Found[]>();
  private pendingGraph: PendingGraph | undefined;

  constructor(readonly reads: Reads) {
    this.idle = reads.overlay.size === 0;
  }

  /** A stored G: entry's assertion is dead when a pending retraction or supersession names it. */
  dead(hash: Hash): boolean {
    return !this.idle && this.reads.overlay.statusChanges(hash).length > 0;
  }

  /** A stored assertion named by a G:y or G:p list, when live and really of `check`'s shape. */
  stored(hashBytes: Uint8Array, lsn: number, check: (view: AssertionView) => boolean): Found | undefined {
    const hash = hashFromBytes(hashBytes);
    if (this.dead(hash)) return undefined;
    const bytes = this.reads.store.get(assertionKey(hashBytes));
    if (bytes === undefined) return undefined;
    const view = openView(bytes) as AssertionView;
    // Keys hold digests of names: compare the real ones, so even a collision answers right.
    return check(view) ? { view, hash, lsn } : undefined;
  }

  /** Pending (not yet ingested) live graph assertions about `subject` of `role`, in log order. */
  pending(subject: string, role: GraphRole): Found[] {
    if (this.idle) return [];
    let all = this.about.get(subject);
    if (all === undefined) {
      all = [];
      for (const entry of this.reads.overlay.assertionsAbout(subject)) {
        if (storeHolds(this.reads.store, entry) || this.dead(entry.hash)) continue;
        const view = openView(entry.bytes) as AssertionView;
        if (graphRole(view) !== undefined) all.push({ view, hash: entry.hash, lsn: entry.lsn });
      }
      all.sort(byLog);
      this.about.set(subject, all);
    }
    return all.filter((f) => graphRole(f.view) === role);
  }

  /** Live entries of a stored G:y or G:p list, in log order, with their place in it. */
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

  private typeCheck(name: string): (view: AssertionView) => boolean {
    return (v) => v.subject === name && graphRole(v) === 'type';
  }

  /** Every live type assertion of `name` (stored, then pending), in log order. */
  types(name: string): Found[] {
    return [...this.liveListed(graphTypesKey(encoder.encode(name)), this.typeCheck(name)), ...this.pending(name, 'type')];
  }

  /** The type assertion that makes `name` an entity: its first live one; `indexed` when its G:e entry shows it. */
  firstType(name: string): { found: Found; indexed: boolean } | undefined {
    const stored = this.liveListed(graphTypesKey(encoder.encode(name)), this.typeCheck(name));
    if (stored[0] !== undefined) return { found: stored[0], indexed: stored[0].at === 0 };
    const pending = this.pending(name, 'type')[0];
    return pending === undefined ? undefined : { found: pending, indexed: false };
  }

  private tripleCheck(from: string, relationType: string, to: string): (view: AssertionView) => boolean {
    return (v) => v.subject === from && v.predicate === relationType && relationTargetOfJson(v.objectJsonBytes) === to;
  }

  /** Every live assertion of a relation triple (stored, then pending), in log order. */
  relationAssertions(from: string, relationType: string, to: string): Found[] {
    const check = this.tripleCheck(from, relationType, to);
    const stored = this.liveListed(graphTripleKey(encoder.encode(from), encoder.encode(relationType), encoder.encode(to)), check);
    return [...stored, ...this.pending(from, 'relation').filter((f) => check(f.view))];
  }

  private firstOfTriple(from: string, relationType: string, to: string): { found: Found; indexed: boolean } | undefined {
    const check = this.tripleCheck(from, relationType, to);
    const stored = this.liveListed(graphTripleKey(encoder.encode(from), encoder.encode(relationType), encoder.encode(to)), check);
    if (stored[0] !== undefined) return { found: stored[0], indexed: stored[0].at === 0 };
    const pending = this.pending(from, 'relation').find((f) => check(f.view));
    return pending === undefined ? undefined : { found: pending, indexed: false };
  }

  /** The pending part of the graph as a whole: one pass over the overlay, on first use. */
  private whole(): PendingGraph {
    if (this.idle) return noPendingGraph;
    if (this.pendingGraph !== undefined) return this.pendingGraph;
    const names = new Set<string>();
    const triples = new Map<string, [string, string, string]>();
    const relations: Found[] = [];
    const touch = (view: AssertionView): void => {
      const role = graphRole(view);
      if (role === 'type') names.add(view.subject);
      else if (role === 'relation') {
        const to = relationTargetOfJson(view.objectJsonBytes)!;
        triples.set(tripleId(view.subject, view.predicate, to), [view.subject, view.predicate, to]);
      }
    };
    for (const entry of this.reads.overlay.entries()) {
      const { record } = entry;
      if (record.type === 'retraction' || (record.type === 'assertion' && record.supersedes !== undefined)) {
        // A pending change of a stored graph assertion may promote another to first.
        const target = record.type === 'retraction' ? record.assertion : record.supersedes!;
        const bytes = this.reads.store.get(assertionKey(hashToBytes(target)));
        if (bytes !== undefined) touch(openView(bytes) as AssertionView);
      }
      if (record.type !== 'assertion' || storeHolds(this.reads.store, entry) || this.dead(entry.hash)) continue;
      const view = openView(entry.bytes) as AssertionView;
      touch(view);
      if (graphRole(view) === 'relation') relations.push({ view, hash: entry.hash, lsn: entry.lsn });
    }
    const shownEntities: Found[] = [];
    for (const name of names) {
      const first = this.firstType(name);
      if (first !== undefined && !first.indexed) shownEntities.push(first.found);
    }
    const shownRelations: Found[] = [];
    for (const [from, relationType, to] of triples.values()) {
      const first = this.firstOfTriple(from, relationType, to);
      if (first !== undefined && !first.indexed) shownRelations.push(first.found);
    }
    this.pendingGraph = { relations: relations.sort(byLog), shownEntities: shownEntities.sort(byLog), shownRelations: shownRelations.sort(byLog) };
    return this.pendingGraph;
  }

  /** First live type assertions the G:e entries do not show yet, in log order. */
  get shownEntities(): Found[] {
    return this.whole().shownEntities;
  }

  /** First live relation assertions the G:r, G:f and G:t entries do not show yet, in log order. */
  get shownRelations(): Found[] {
    return this.whole().shownRelations;
  }

  /** Every pending live relation assertion with `name` at either end. */
  pendingRelationsTouching(name: string): Found[] {
    return this.whole().relations.filter((f) => f.view.subject === name || relationTargetOfJson(f.view.objectJsonBytes) === name);
  }

  /** Names with pending type or observation assertions (search examines them whatever the postings say), with their first pending LSN. */
  pendingNames(): Map<string, number> {
    const out = new Map<string, number>();
    if (this.idle) return out;
    for (const entry of this.reads.overlay.entries()) {
      if (entry.record.type !== 'assertion' || storeHolds(this.reads.store, entry) || this.dead(entry.hash)) continue;
      const view = openView(entry.bytes) as AssertionView;
      const role = graphRole(view);
      if ((role === 'type' || role === 'observation') && !out.has(view.subject)) out.set(view.subject, entry.lsn);
    }
    for (const found of this.shownEntities) if (!out.has(found.view.subject)) out.set(found.view.subject, found.lsn);
    return out;
  }
}
