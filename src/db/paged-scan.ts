// One page of an index scan merged with the overlay. The KV store's entries under a prefix
// (after the cursor's key) and the pending records' keys in the same index are merged in key
// order, a key present in both counted once; each hit is offered to `accept`, which returns
// the item (or undefined to skip it: out of the asOf cut, filtered, retracted), until limit + 1
// items are found: the page, and the proof that another page follows. Scanning is lazy, so a
// page costs the entries it reads, not the size of the index.
import { compareBytes, type KVStore } from '../storage/index.js';
import type { Hash } from '../records/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/** One index entry: its full key, the record's hash and the LSN it was first logged at. */
export interface IndexHit {
  key: Uint8Array;
  hash: Hash;
  lsn: number;
  /** The stored entry's value (absent for a pending record's hit). */
  value?: Uint8Array;
}

export interface PagedScan<T> {
  /** The query's name and parameters (limit and cursor aside): what its cursors are bound to. */
  query: string;
  params: readonly unknown[];
  prefix: Uint8Array;
  /** The hit a stored entry under `prefix` stands for. */
  fromStore: (key: Uint8Array, value: Uint8Array) => IndexHit;
  /** The pending records' hits under `prefix`, in any order. */
  pending: () => IndexHit[];
  accept: (hit: IndexHit) => T | undefined;
  limit: number;
  cursor: string | undefined;
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

function* merged(store: Iterable<IndexHit>, pending: IndexHit[]): Generator<IndexHit> {
  let p = 0;
  for (const hit of store) {
    while (p < pending.length && compareBytes(pending[p]!.key, hit.key) < 0) yield pending[p++]!;
    if (p < pending.length && compareBytes(pending[p]!.key, hit.key) === 0) p++; // pending and stored: once
    yield hit;
  }
  while (p < pending.length) yield pending[p++]!;
}

/** One page of `scan`'s items, with the cursor of the next page when there is one. */
export function pagedScan<T>(kv: KVStore, scan: PagedScan<T>): { items: T[]; cursor?: string } {
  const position = decodeCursor(scan.query, scan.params, scan.cursor);
  const after = position === undefined ? undefined : Buffer.concat([scan.prefix, position]);
  const stored = (function* () {
    for (const { key, value } of kv.scanPrefix(scan.prefix, after === undefined ? {} : { after })) yield scan.fromStore(key, value);
  })();
  const pending = scan
    .pending()
    .filter((hit) => startsWith(hit.key, scan.prefix) && (after === undefined || compareBytes(hit.key, after) > 0))
    .sort((a, b) => compareBytes(a.key, b.key));
  const items: T[] = [];
  let lastKey: Uint8Array | undefined;
  for (const hit of merged(stored, pending)) {
    const item = scan.accept(hit);
    if (item === undefined) continue;
    if (items.length === scan.limit) {
      // One more than a page exists: the next page starts after the last item of this one.
      return { items, cursor: encodeCursor(scan.query, scan.params, lastKey!.subarray(scan.prefix.length)) };
    }
    items.push(item);
    lastKey = hit.key;
  }
  return { items };
}
