// Keeps the memory graph's G: family (src/layout/graph.ts, docs/key-layout.md) current inside the
// ingest transaction: a stored assertion of a graph shape is listed (its entity's types, its
// triple's assertions) and indexed when it is the first live one; its first retraction or
// supersession unlists it and indexes the next live one in its place. Entity ids are assigned
// in log order, and the search postings of a batch are merged into their stored values once, at
// the end of the batch (as pair summaries are), so a batch rewrites each posting value once.
import {
  forEachTrigram,
  decodeAssertionList,
  decodeGraphId,
  encodeAssertionList,
  encodeGraphId,
  encodeObservationValue,
  encodePostings,
  encodeRelationValue,
  graphBlockBitmapBytes,
  graphEntityKey,
  graphFromKey,
  graphIdBlockBits,
  graphIdKey,
  graphIdsPerBlock,
  graphNameKey,
  graphNextIdKey,
  graphObservationKey,
  graphPostingKey,
  graphRelationKey,
  graphRole,
  graphToKey,
  graphTripleKey,
  graphTypesKey,
  graphUnicodeKey,
  graphUnicodeVersion,
  readPostings,
  readU64,
  relationTargetOfJson,
  stringObjectOf,
  subjectKeyFromUtf8,
  type ListedAssertion,
} from '../layout/index.js';
import type { AssertionView } from '../records/index.js';
import { sameBytes, type KVTransaction } from '../storage/index.js';

const encoder = new TextEncoder();
/** A batch's postings are keyed trigram * 2^20 + block (ids are u32: blocks below 2^20). */
const blockSpan = 2 ** 20;

export class GraphIndex {
  /** This batch's new postings: ids (within their block) per (trigram, block). */
  private readonly postings = new Map<number, number[]>();
  /** The ids of the names this batch met (by their UTF-8 as latin1 text). */
  private readonly ids = new Map<string, number | undefined>();
  private nextId: number | undefined;
  private nextIdChanged = false;

  constructor(private readonly tx: KVTransaction) {}

  /** A newly stored assertion, first logged at `lsn`. */
  assertion(view: AssertionView, hash: Uint8Array, lsn: number): void {
    const role = graphRole(view);
    if (role === undefined) return;
    const listed = { lsn, hash: hash.slice() };
    if (role === 'relation') {
      const { from, to, key } = this.triple(view);
      if (this.listAdd(key, listed)) this.putRelation(from, view.predicateBytes, to, listed);
      return;
    }
    const name = view.subjectBytes;
    const id = this.idOf(name);
    if (id !== undefined) this.post(id, stringObjectOf(view));
    if (role === 'observation') this.tx.put(graphObservationKey(name, lsn, hash), encodeObservationValue(name, view.objectJsonBytes));
    else if (this.listAdd(graphTypesKey(name), listed)) this.tx.put(graphEntityKey(lsn, hash), name);
  }

  /** A stored assertion was retracted or superseded (only its first change matters; later ones find nothing to do). */
  changed(target: AssertionView, hash: Uint8Array): void {
    const role = graphRole(target);
    if (role === undefined) return;
    const entry = this.tx.get(subjectKeyFromUtf8(target.subjectBytes, target.predicateBytes, hash));
    if (entry === undefined) return;
    const lsn = readU64(entry);
    if (role === 'observation') {
      this.tx.del(graphObservationKey(target.subjectBytes, lsn, hash));
      return;
    }
    if (role === 'type') {
      const name = target.subjectBytes;
      const next = this.listRemove(graphTypesKey(name), hash);
      if (next === undefined) return;
      this.tx.del(graphEntityKey(lsn, hash));
      if (next !== null) this.tx.put(graphEntityKey(next.lsn, next.hash), name);
      return;
    }
    const { from, to, key } = this.triple(target);
    const next = this.listRemove(key, hash);
    if (next === undefined) return;
    this.tx.del(graphRelationKey(lsn, hash));
    this.tx.del(graphFromKey(from, lsn, hash));
    this.tx.del(graphToKey(to, lsn, hash));
    if (next !== null) this.putRelation(from, target.predicateBytes, to, next);
  }

  /** Writes the batch's postings (each posting value read and rewritten once) and the next id. */
  flush(): void {
    const keys = [...this.postings.keys()].sort((a, b) => a - b);
    for (const combined of keys) {
      const key = graphPostingKey(Math.floor(combined / blockSpan), combined % blockSpan);
      const bitmap = new Uint8Array(graphBlockBitmapBytes);
      const stored = this.tx.get(key);
      if (stored !== undefined) readPostings(stored, bitmap);
      for (const low of this.postings.get(combined)!) bitmap[low >>> 3] = bitmap[low >>> 3]! | (1 << (low & 7));
      this.tx.put(key, encodePostings(bitmap));
    }
    if (keys.length > 0 && !this.tx.has(graphUnicodeKey)) this.tx.put(graphUnicodeKey, encoder.encode(graphUnicodeVersion()));
    if (this.nextIdChanged) this.tx.put(graphNextIdKey, encodeGraphId(this.nextId!));
    this.postings.clear();
    this.ids.clear();
    this.nextIdChanged = false;
  }

  private triple(view: AssertionView): { from: Uint8Array; to: Uint8Array; key: Uint8Array } {
    const from = view.subjectBytes;
    const to = encoder.encode(relationTargetOfJson(view.objectJsonBytes)!);
    return { from, to, key: graphTripleKey(from, view.predicateBytes, to) };
  }

  private putRelation(from: Uint8Array, relationType: Uint8Array, to: Uint8Array, { lsn, hash }: ListedAssertion): void {
    const value = encodeRelationValue(from, relationType, to);
    this.tx.put(graphRelationKey(lsn, hash), value);
    this.tx.put(graphFromKey(from, lsn, hash), value);
    this.tx.put(graphToKey(to, lsn, hash), value);
  }

  /** Appends to a list (records arrive in log order); true when it is the list's only entry, the first live one. */
  private listAdd(key: Uint8Array, item: ListedAssertion): boolean {
    const stored = this.tx.get(key);
    const list = stored === undefined ? [] : decodeAssertionList(stored);
    if (list.some((l) => sameBytes(l.hash, item.hash))) return false;
    list.push(item);
    this.tx.put(key, encodeAssertionList(list));
    return list.length === 1;
  }

  /**
   * Removes `hash` from a list. undefined: it was not first (nothing to re-index, maybe not
   * listed at all); null: it was first and the list is now empty; else the new first entry.
   */
  private listRemove(key: Uint8Array, hash: Uint8Array): ListedAssertion | null | undefined {
    const stored = this.tx.get(key);
    if (stored === undefined) return undefined;
    const list = decodeAssertionList(stored);
    const at = list.findIndex((l) => sameBytes(l.hash, hash));
    if (at === -1) return undefined;
    list.splice(at, 1);
    if (list.length === 0) this.tx.del(key);
    else this.tx.put(key, encodeAssertionList(list));
    if (at !== 0) return undefined;
    return list[0] ?? null;
  }

  /**
   * The entity id of a name, assigned (with its name's postings) the first time the name is
   * an entity's or an observation's subject. Undefined only when another name holds the id its
   * digest maps to (a BLAKE3-128 collision): that name is then not searchable, never wrong.
   */
  private idOf(name: Uint8Array): number | undefined {
    // An entity's records usually come together: its type and observations, one batch.
    const memo = Buffer.from(name.buffer, name.byteOffset, name.byteLength).toString('latin1');
    if (this.ids.has(memo)) return this.ids.get(memo);
    const id = this.lookUpId(name);
    this.ids.set(memo, id);
    return id;
  }

  private lookUpId(name: Uint8Array): number | undefined {
    const key = graphNameKey(name);
    const stored = this.tx.get(key);
    if (stored !== undefined) {
      const id = decodeGraphId(stored);
      const holder = this.tx.get(graphIdKey(id));
      return holder !== undefined && sameBytes(holder, name) ? id : undefined;
    }
    if (this.nextId === undefined) {
      const next = this.tx.get(graphNextIdKey);
      this.nextId = next === undefined ? 0 : decodeGraphId(next);
    }
    const id = this.nextId++;
    this.nextIdChanged = true;
    this.tx.put(key, encodeGraphId(id));
    this.tx.put(graphIdKey(id), name.slice());
    this.post(id, new TextDecoder().decode(name));
    return id;
  }

  private post(id: number, text: string): void {
    const block = id >>> graphIdBlockBits;
    const low = id & (graphIdsPerBlock - 1);
    // A trigram twice in one text sets its bit twice: cheaper than a set per text.
    forEachTrigram(text, (trigram) => {
      const combined = trigram * blockSpan + block;
      const lows = this.postings.get(combined);
      if (lows === undefined) this.postings.set(combined, [low]);
      else if (lows[lows.length - 1] !== low) lows.push(low);
    });
  }
}
