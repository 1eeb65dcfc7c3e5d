// verify's check of the memory graph's family G: (src/layout/graph.ts): recomputed from the
// stored assertions alone, in log order, the way docs/key-layout.md states it (not by running
// ingest's code again), then compared with the store entry by entry. Ids go to names in the
// order of their first type or observation; postings hold every text those ever had; the
// lists, and the entries of the first live ones, only what is live.
import {
  forEachTrigram,
  assertionPrefix,
  encodeAssertionList,
  encodeGraphId,
  encodeObservationValue,
  encodeRelationValue,
  encodePostings,
  firstChangeKey,
  graphBlockBitmapBytes,
  graphEntityKey,
  graphFamilyPrefix,
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
  hashFromKeyEnd,
  readU64,
  relationTargetOfJson,
  stringObjectOf,
  subjectKeyFromUtf8,
  type ListedAssertion,
} from '../../layout/index.js';
import { openView, type AssertionView } from '../../records/index.js';
import { sameBytes, type KVStore } from '../../storage/index.js';

const encoder = new TextEncoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

interface Graphed {
  view: AssertionView;
  hash: Uint8Array;
  lsn: number;
  live: boolean;
}

/** Problems with the G: family, as `where: message` pairs (at most `max`). */
export function verifyGraph(store: KVStore, max: number): Array<{ where: string; message: string }> {
  const graphed: Graphed[] = [];
  for (const { key, value } of store.scanPrefix(assertionPrefix())) {
    let view: AssertionView;
    try {
      view = openView(value) as AssertionView;
      if (graphRole(view) === undefined) continue;
    } catch {
      continue; // a damaged record: verifyStore reports it
    }
    const hash = hashFromKeyEnd(key).slice();
    const lsnBytes = store.get(subjectKeyFromUtf8(view.subjectBytes, view.predicateBytes, hash));
    if (lsnBytes === undefined) continue; // reported by verifyStore
    graphed.push({ view, hash, lsn: readU64(lsnBytes), live: !store.has(firstChangeKey(hash)) });
  }
  graphed.sort((a, b) => a.lsn - b.lsn || Buffer.compare(a.hash, b.hash));

  const expected = new Map<string, Uint8Array>();
  const put = (key: Uint8Array, value: Uint8Array = new Uint8Array(0)): void => void expected.set(hex(key), value);
  const ids = new Map<string, number>();
  const postings = new Map<string, { trigram: number; block: number; bitmap: Uint8Array }>();
  const post = (id: number, text: string): void => {
    const block = id >>> graphIdBlockBits;
    const trigrams = new Set<number>();
    forEachTrigram(text, (trigram) => void trigrams.add(trigram));
    for (const trigram of trigrams) {
      const id_ = `${trigram}:${block}`;
      let entry = postings.get(id_);
      if (entry === undefined) {
        entry = { trigram, block, bitmap: new Uint8Array(graphBlockBitmapBytes) };
        postings.set(id_, entry);
      }
      const low = id & (graphIdsPerBlock - 1);
      entry.bitmap[low >>> 3] = entry.bitmap[low >>> 3]! | (1 << (low & 7));
    }
  };
  const lists = new Map<string, { key: Uint8Array; items: ListedAssertion[] }>();
  const listed = (key: Uint8Array, item: ListedAssertion): void => {
    const id = hex(key);
    const list = lists.get(id) ?? { key, items: [] };
    list.items.push(item);
    lists.set(id, list);
  };
  const firstsOfTypes: Graphed[] = [];
  const firstsOfTriples = new Map<string, { from: Uint8Array; to: Uint8Array; first: Graphed }>();
  const relationValue = (g: Graphed, to: Uint8Array): Uint8Array => encodeRelationValue(g.view.subjectBytes, g.view.predicateBytes, to);
  for (const g of graphed) {
    const role = graphRole(g.view)!;
    const name = g.view.subjectBytes;
    if (role !== 'relation') {
      let id = ids.get(hex(name));
      if (id === undefined) {
        id = ids.size;
        ids.set(hex(name), id);
        put(graphNameKey(name), encodeGraphId(id));
        put(graphIdKey(id), name);
        post(id, g.view.subject);
      }
      post(id, stringObjectOf(g.view));
      if (!g.live) continue;
      if (role === 'observation') put(graphObservationKey(name, g.lsn, g.hash), encodeObservationValue(name, g.view.objectJsonBytes));
      else {
        const key = graphTypesKey(name);
        if (!lists.has(hex(key))) firstsOfTypes.push(g);
        listed(key, { lsn: g.lsn, hash: g.hash });
      }
      continue;
    }
    if (!g.live) continue;
    const to = encoder.encode(relationTargetOfJson(g.view.objectJsonBytes)!);
    const key = graphTripleKey(name, g.view.predicateBytes, to);
    if (!lists.has(hex(key))) firstsOfTriples.set(hex(key), { from: name, to, first: g });
    listed(key, { lsn: g.lsn, hash: g.hash });
  }
  for (const { key, items } of lists.values()) put(key, encodeAssertionList(items));
  for (const g of firstsOfTypes) put(graphEntityKey(g.lsn, g.hash), g.view.subjectBytes);
  for (const { from, to, first } of firstsOfTriples.values()) {
    put(graphRelationKey(first.lsn, first.hash), relationValue(first, to));
    put(graphFromKey(from, first.lsn, first.hash), relationValue(first, to));
    put(graphToKey(to, first.lsn, first.hash), relationValue(first, to));
  }
  for (const { trigram, block, bitmap } of postings.values()) put(graphPostingKey(trigram, block), encodePostings(bitmap));
  if (ids.size > 0) put(graphNextIdKey, encodeGraphId(ids.size));

  const problems: Array<{ where: string; message: string }> = [];
  const report = (where: string, message: string): void => {
    if (problems.length < max) problems.push({ where, message });
  };
  const unicodeKey = hex(graphUnicodeKey);
  let found = 0;
  for (const { key, value } of store.scanPrefix(graphFamilyPrefix())) {
    const id = hex(key);
    if (id === unicodeKey) {
      if (postings.size === 0) report('memory graph (G:u)', 'a Unicode version is recorded, but no text is indexed');
      continue;
    }
    found += 1;
    const wanted = expected.get(id);
    if (wanted === undefined) report(`memory graph (G:${String.fromCharCode(key[2]!)}) ${id}`, 'an entry no stored record calls for');
    else if (!sameBytes(wanted, value)) report(`memory graph (G:${String.fromCharCode(key[2]!)}) ${id}`, 'its value differs from the one the stored records call for');
  }
  if (found !== expected.size) report('memory graph (G:)', `holds ${found} entries; the stored records call for ${expected.size}`);
  if (postings.size > 0 && !store.has(graphUnicodeKey)) report('memory graph (G:u)', 'texts are indexed, but the Unicode version they were lowercased with is not recorded');
  return problems;
}
