// The KVTransaction handle MemoryStore gives a transaction callback: writes are staged here
// (copies, keyed by hex) and read back before the committed entries, so the callback sees
// its own writes; the store applies them only if the callback returns. Like LMDB's handle,
// it refuses use after the callback ends.
import { ClosedError } from '../errors.js';
import { copyBytes } from './bytes.js';
import { checkKey, isStorableKey } from './guards.js';
import type { KVTransaction } from './kv-store.js';

type Lookup = (key: Uint8Array) => Uint8Array | undefined;

const hex = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.length).toString('hex');

export class MemoryTransaction implements KVTransaction {
  private readonly staged = new Map<string, { key: Uint8Array; value: Uint8Array | undefined }>();
  private readonly committed: Lookup;
  private readonly keyBytesMax: number;
  private open = true;

  /** `committed` finds a key's committed value (without copying it); keys over `keyBytesMax` bytes are refused. */
  constructor(committed: Lookup, keyBytesMax: number) {
    this.committed = committed;
    this.keyBytesMax = keyBytesMax;
  }

  /** Called when the callback returns or throws; every later call throws CLOSED. */
  finish(): void {
    this.open = false;
  }

  /** The staged writes: a value to store, or undefined to delete. */
  *writes(): Iterable<[Uint8Array, Uint8Array | undefined]> {
    for (const { key, value } of this.staged.values()) yield [key, value];
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

  put(key: Uint8Array, value: Uint8Array): void {
    this.check();
    checkKey(key, this.keyBytesMax);
    this.staged.set(hex(key), { key: copyBytes(key), value: copyBytes(value) });
  }

  putIfAbsent(key: Uint8Array, value: Uint8Array): boolean {
    this.check();
    checkKey(key, this.keyBytesMax);
    if (this.read(key) !== undefined) return false;
    this.put(key, value);
    return true;
  }

  del(key: Uint8Array): void {
    this.check();
    checkKey(key, this.keyBytesMax);
    this.staged.set(hex(key), { key: copyBytes(key), value: undefined });
  }
}
