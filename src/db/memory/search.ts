// search_nodes (docs/mcp.md): the entities whose name, type or an observation contains the query,
// ignoring case, as the reference server matches them (String.prototype.toLowerCase, then
// includes). Candidates come from the postings of the query's trigrams (src/layout/graph.ts),
// a block of 4096 entity ids at a time, in id order, plus the names pending writes touch; each
// candidate is read and matched, so the postings only ever narrow the search, never answer it.
// A call examines at most `candidatesMax` entities and returns at most `limit` matches, with the
// position to go on from: its work is bounded whatever the store holds.
import {
  decodeGraphId,
  graphBlockBitmapBytes,
  graphIdBlockBits,
  graphIdKey,
  graphIdsPerBlock,
  graphNameKey,
  graphNextIdKey,
  graphPostingKey,
  graphUnicodeKey,
  graphUnicodeVersion,
  readPostings,
} from '../../layout/index.js';
import { objectBytesMax } from '../../limits.js';
import { readEntity, type GraphEntity } from './reads.js';
import type { GraphSnapshot } from './snapshot.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/**
 * Longer than any text an entity can hold, lowercased, in UTF-16 code units: a text is at most
 * objectBytesMax bytes of UTF-8 (so as many code units), and lowercasing at most doubles them.
 */
const textUnitsLoweredMax = 2 * objectBytesMax;

/** Where a search goes on: the next entity id to examine, then pending names logged after an LSN. */
export interface SearchPosition {
  id: number;
  /** Pending names (without an id yet) first logged at or before this LSN were examined; -1: none. */
  pendingLsn: number;
}

export interface SearchResult {
  found: Array<{ entity: GraphEntity; lsn: number; hash: string }>;
  next?: SearchPosition;
}

/** The query's distinct trigrams (as the postings key them), at most `max`, spread over the query. */
export function queryTrigrams(lowered: string, max: number): number[] {
  const bytes = encoder.encode(lowered);
  const all: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i + 3 <= bytes.length; i++) {
    const trigram = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    if (!seen.has(trigram)) {
      seen.add(trigram);
      all.push(trigram);
    }
  }
  if (all.length <= max) return all;
  // Any subset narrows correctly; spread ones narrow best.
  return Array.from({ length: max }, (_, i) => all[Math.floor((i * all.length) / max)]!);
}

export function matchesQuery(entity: GraphEntity, lowered: string): boolean {
  return entity.name.toLowerCase().includes(lowered) || entity.entityType.toLowerCase().includes(lowered) || entity.observations.some((o) => o.toLowerCase().includes(lowered));
}

/** The candidate ids of one block: those in every trigram's postings (every id when `trigrams` is empty). */
function candidatesOf(snapshot: GraphSnapshot, block: number, trigrams: readonly number[]): Uint8Array {
  const bitmap = new Uint8Array(graphBlockBitmapBytes);
  if (trigrams.length === 0) return bitmap.fill(0xff);
  const other = new Uint8Array(graphBlockBitmapBytes);
  for (const [i, trigram] of trigrams.entries()) {
    const value = snapshot.reads.store.get(graphPostingKey(trigram, block));
    if (value === undefined) return bitmap.fill(0);
    if (i === 0) {
      readPostings(value, bitmap);
      continue;
    }
    other.fill(0);
    readPostings(value, other);
    for (let b = 0; b < graphBlockBitmapBytes; b++) bitmap[b] = bitmap[b]! & other[b]!;
  }
  return bitmap;
}

export function searchEntities(snapshot: GraphSnapshot, query: string, options: { limit: number; candidatesMax: number; trigramsMax: number; after?: SearchPosition | undefined }): SearchResult {
  const { store } = snapshot.reads;
  const lowered = query.toLowerCase();
  // A query longer than any text matches nothing, and is not cut into trigrams.
  if (lowered.length > textUnitsLoweredMax) return { found: [] };
  const next = store.get(graphNextIdKey);
  const idEnd = next === undefined ? 0 : decodeGraphId(next);
  // Postings lowercased under another Unicode version could miss a match: then every id is a candidate.
  const unicode = store.get(graphUnicodeKey);
  const indexed = unicode === undefined || decoder.decode(unicode) === graphUnicodeVersion();
  const trigrams = indexed ? queryTrigrams(lowered, options.trigramsMax) : [];

  // Names that pending writes touch are candidates whatever the postings say (they have none yet).
  const pendingIds = new Map<number, string>();
  const newNames: Array<{ name: string; lsn: number }> = [];
  const pendingNames = snapshot.pendingNames();
  for (const [name, lsn] of pendingNames) {
    const utf8 = encoder.encode(name);
    const id = store.get(graphNameKey(utf8));
    if (id === undefined) newNames.push({ name, lsn });
    else pendingIds.set(decodeGraphId(id), name);
  }
  newNames.sort((a, b) => a.lsn - b.lsn);

  const found: SearchResult['found'] = [];
  let examined = 0;
  const full = (): boolean => found.length === options.limit || examined === options.candidatesMax;
  const examine = (name: string): void => {
    examined += 1;
    const read = readEntity(snapshot, name);
    if (read !== undefined && matchesQuery(read.entity, lowered)) found.push(read);
  };

  const start = options.after?.id ?? 0;
  for (let block = start >>> graphIdBlockBits; block * graphIdsPerBlock < idEnd; block++) {
    const bitmap = candidatesOf(snapshot, block, trigrams);
    for (const id of pendingIds.keys()) if (id >>> graphIdBlockBits === block) bitmap[(id & (graphIdsPerBlock - 1)) >>> 3]! |= 1 << (id & 7);
    for (let byte = 0; byte < graphBlockBitmapBytes; byte++) {
      if (bitmap[byte] === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((bitmap[byte]! & (1 << bit)) === 0) continue;
        const id = block * graphIdsPerBlock + byte * 8 + bit;
        if (id < start) continue;
        if (id >= idEnd) break;
        if (full()) return { found, next: { id, pendingLsn: -1 } };
        const name = store.get(graphIdKey(id));
        if (name !== undefined) examine(pendingIds.get(id) ?? decoder.decode(name));
      }
    }
  }
  const pendingAfter = options.after !== undefined && options.after.id >= idEnd ? options.after.pendingLsn : -1;
  let last = pendingAfter;
  for (const { name, lsn } of newNames) {
    if (lsn <= pendingAfter) continue;
    if (full()) return { found, next: { id: idEnd, pendingLsn: last } };
    examine(name);
    last = lsn;
  }
  return { found };
}
