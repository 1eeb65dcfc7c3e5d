// The KVTransaction handle MemoryStore gives a transaction callback: writes are staged here
// (copies, keyed by hex) and read back before the committed entries, so the callback sees its
// own writes, in point reads and in scans; the store applies them only if the callback
// returns. Like LMDB's handle, it refuses use after the callback ends. The staged keys are
// also kept in order, as sorted runs of distinct power-of-two sizes (a binomial merge): a key
// costs O(log n) amortised to stage, and a scan merges the runs, so a batch of n writes with
// scans between them is not quadratic.
import { ClosedError } from '../errors.js';
import { compareBytes, copyBytes, startsWith } from './bytes.js';
import { checkKey, isStorableKey, scanRange } from './guards.js';
import type { KVEntry, KVTransaction, ScanOptions } from './kv-store.js';

type Lookup = (key: Uint8Array) => Uint8Array | undefined;
/** The committed entries under `prefix` from `start` (inclusive), in key order, not copied. */
type CommittedScan = (prefix: Uint8Array, start: Uint8Array) => Iterable<KVEntry>;

const hex = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.length).toString('hex');

interface Staged {
  key: Uint8Array;
  value: Uint8Array | undefined;
}

export class MemoryTransaction implements KVTransaction {
  private readonly staged = new Map<string, Staged>();
  /** Each staged key once, as hex (hex text orders as the bytes it encodes), in sorted runs: runs[i] is empty or holds 2^i keys. */
  private readonly runs: string[][] = [];
  private readonly committed: Lookup;
  private readonly committedScan: CommittedScan;
  private readonly keyBytesMax: number;
  private open = true;

  /**
   * `committed` finds a key's committed value, `committedScan` walks them (neither copies);
   * keys over `keyBytesMax` bytes are refused.
   */
  constructor(committed: Lookup, committedScan: CommittedScan, keyBytesMax: number) {
    this.committed = committed;
    this.committedScan = committedScan;
    this.keyBytesMax = keyBytesMax;
  }

  /** Called when the callback returns or throws; every later call throws CLOSED. */
  finish(): void {
    this.open = false;
  }

  /** The staged writes in key order: a value to store, or undefined to delete. */
  *writes(): Iterable<[Uint8Array, Uint8Array | undefined]> {
    for (const id of this.stagedFrom('')) {
      const { key, value } = this.staged.get(id)!;
      yield [key, value];
    }
  }

  private check(): void {
    if (!this.open) throw new ClosedError('kv transaction');
  }

  private read(key: Uint8Array): Uint8Array | undefined {
    this.check();
    if (!isStorableKey(key, this.keyBytesMax)) return undefined;
    const write = this.staged.get(hex(key));
    return write !== undefined ? write.value : this.committed(key);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const value = this.read(key);
    return value === undefined ? undefined : copyBytes(value);
  }

  has(key: Uint8Array): boolean {
    return this.read(key) !== undefined;
  }

  private stage(key: Uint8Array, value: Uint8Array | undefined): void {
    const id = hex(key);
    if (!this.staged.has(id)) this.addToRuns(id);
    this.staged.set(id, { key: copyBytes(key), value: value === undefined ? undefined : copyBytes(value) });
  }

  /** Adds a new hex key: carries merged runs upward like a binary counter. */
  private addToRuns(id: string): void {
    let carry = [id];
    for (let i = 0; ; i++) {
      const run = this.runs[i];
      if (run === undefined || run.length === 0) {
        this.runs[i] = carry;
        return;
      }
      carry = mergeSorted(run, carry);
      this.runs[i] = [];
    }
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.check();
    checkKey(key, this.keyBytesMax);
    this.stage(key, value);
  }

  putIfAbsent(key: Uint8Array, value: Uint8Array): boolean {
    this.check();
    checkKey(key, this.keyBytesMax);
    if (this.read(key) !== undefined) return false;
    this.stage(key, value);
    return true;
  }

  del(key: Uint8Array): void {
    this.check();
    checkKey(key, this.keyBytesMax);
    this.stage(key, undefined);
  }

  scanPrefix(prefix: Uint8Array, options: ScanOptions = {}): Iterable<KVEntry> {
    this.check();
    const range = scanRange(prefix, options, this.keyBytesMax);
    return range.empty ? [] : this.scan(prefix, range.start, range.limit);
  }

  /** The staged hex keys from `startId` on, in order: the runs merged, each from its own lower bound. */
  private *stagedFrom(startId: string): Generator<string> {
    const runs = this.runs.filter((run) => run.length > 0);
    const at = runs.map((run) => lowerBound(run, startId));
    for (;;) {
      let best = -1;
      for (let r = 0; r < runs.length; r++) if (at[r]! < runs[r]!.length && (best === -1 || runs[r]![at[r]!]! < runs[best]![at[best]!]!)) best = r;
      if (best === -1) return;
      yield runs[best]![at[best]!++]!;
    }
  }

  /** The committed entries and the staged writes under `prefix` from `start`, merged in key order (a staged write wins). */
  private *scan(prefix: Uint8Array, start: Uint8Array, limit: number): Generator<KVEntry> {
    const ids = this.stagedFrom(hex(start));
    let next = ids.next();
    const stagedAt = (): Staged | undefined => {
      const write = next.done === true ? undefined : this.staged.get(next.value);
      return write !== undefined && startsWith(write.key, prefix) ? write : undefined;
    };
    const advance = (): void => {
      next = ids.next();
    };
    let left = limit;
    const emit = (key: Uint8Array, value: Uint8Array | undefined): KVEntry | undefined => {
      if (value === undefined) return undefined; // staged delete
      left -= 1;
      return { key: copyBytes(key), value: copyBytes(value) };
    };
    for (const entry of this.committedScan(prefix, start)) {
      for (let write = stagedAt(); write !== undefined && compareBytes(write.key, entry.key) <= 0 && left > 0; write = stagedAt()) {
        advance();
        const same = compareBytes(write.key, entry.key) === 0;
        const out = emit(write.key, write.value);
        if (out !== undefined) yield out;
        this.check();
        if (same) break;
      }
      if (left <= 0) return;
      if (this.staged.has(hex(entry.key))) continue; // written in this transaction: emitted (or deleted) above
      const out = emit(entry.key, entry.value);
      if (out !== undefined) yield out;
      this.check();
      if (left <= 0) return;
    }
    for (let write = stagedAt(); write !== undefined && left > 0; write = stagedAt()) {
      advance();
      const out = emit(write.key, write.value);
      if (out !== undefined) yield out;
      this.check();
    }
  }
}

/** Index of the first key in sorted `run` that is >= `id`. */
function lowerBound(run: readonly string[], id: string): number {
  let lo = 0;
  let hi = run.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (run[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Two sorted runs of distinct keys, merged. */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]! < b[j]! ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
