// Applies a batch of WAL records to the KV store inside one transaction: the records under
// their content-addressed keys, the subject index, vote locators, counters, dead letters for
// bad payloads, and the checkpoint — all or nothing, so a crash leaves a batch boundary.
// Replay is idempotent: a key already present is skipped and counted once.
import type { WalEntry } from '../wal/index.js';
import { decodeRecord, hashToBytes, recordDigest, type Assertion, type Epoch, type Retraction, type Vote } from '../records/index.js';
import type { KVTransaction } from '../storage/index.js';
import {
  assertionKey,
  counterKey,
  deadLetterKey,
  epochKey,
  locatorKey,
  metaKey,
  subjectKey,
  subjectKeyFromUtf8,
  voteKey,
} from '../storage/index.js';
import { encodeLocator, recordKindCode } from './locator.js';
import { readU64, writeU64 } from './u64.js';

export const checkpointKey = metaKey('checkpoint');
export const counterNames = ['assertions', 'votes', 'epochs', 'deadLetters'] as const;
export type CounterName = (typeof counterNames)[number];
export type Counts = Record<CounterName, number>;

const emptyValue = new Uint8Array(0);

export function zeroCounts(): Counts {
  return { assertions: 0, votes: 0, epochs: 0, deadLetters: 0 };
}

export function readCheckpoint(get: (key: Uint8Array) => Uint8Array | undefined): number {
  const value = get(checkpointKey);
  return value === undefined ? 0 : readU64(value);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * What storing a record reads from it: its kind and the field its index key needs. A decoded
 * record has these, and so does a view over the record's bytes (src/records views), which
 * also offers them as bytes in place: then the key is built without a string in between.
 */
export type Storable =
  | (Pick<Assertion, 'type' | 'subject'> & { readonly subjectBytes?: Uint8Array })
  | (Pick<Vote, 'type' | 'assertion'> & { readonly assertionHashBytes?: Uint8Array })
  | Pick<Epoch, 'type' | 'id'>
  | Pick<Retraction, 'type'>;

/** A record this process validated and logged: its fields and hash, handed over in memory. */
export interface Prepared {
  record: Storable;
  /** The record's hash, as its 32 bytes. */
  hashBytes: Uint8Array;
}

/** A WAL entry, with the writer's hand-off when there is one. */
export interface IngestEntry extends WalEntry {
  prepared?: Prepared | undefined;
}

/** Why a record cannot be stored (besides failing to decode), or undefined. */
function store(tx: KVTransaction, record: Storable, hash: Uint8Array, payload: Uint8Array, lsn: number, added: Counts): string | undefined {
  switch (record.type) {
    case 'assertion': {
      if (!tx.putIfAbsent(assertionKey(hash), payload)) return undefined;
      const bytes = record.subjectBytes;
      tx.put(bytes === undefined ? subjectKey(record.subject, hash) : subjectKeyFromUtf8(bytes, hash), emptyValue);
      added.assertions += 1;
      return undefined;
    }
    case 'vote': {
      const key = voteKey(record.assertionHashBytes ?? hashToBytes(record.assertion), hash);
      if (!tx.putIfAbsent(key, payload)) return undefined;
      tx.put(locatorKey(hash), encodeLocator(recordKindCode.vote, lsn, key));
      added.votes += 1;
      return undefined;
    }
    case 'epoch': {
      const key = epochKey(record.id);
      const existing = tx.get(key);
      if (existing !== undefined) {
        // First definition in log order wins; the facade refuses conflicts before logging them.
        return sameBytes(existing, payload) ? undefined : `EPOCH_CONFLICT: epoch ${record.id} is already defined with different content`;
      }
      tx.put(key, payload);
      tx.put(locatorKey(hash), encodeLocator(recordKindCode.epoch, lsn, key));
      added.epochs += 1;
      return undefined;
    }
    case 'retraction':
      // #11: retraction storage lands with the layout module
      // No key layout holds a retraction yet, so one in the log becomes a dead letter. The
      // facade refuses to write retractions until then (checkWritableYet, src/db/write-checks.ts).
      return 'RETRACTION_NOT_STORED: retractions are not stored yet (the key layout for them is not designed)';
  }
}

function deadLetter(tx: KVTransaction, entry: WalEntry, reason: string, added: Counts): void {
  const letter = { lsn: entry.lsn, reason, payload: Buffer.from(entry.payload).toString('base64') };
  if (tx.putIfAbsent(deadLetterKey(entry.lsn), new TextEncoder().encode(JSON.stringify(letter)))) added.deadLetters += 1;
}

/**
 * Applies `entries` (in LSN order) and advances the checkpoint; returns what was newly added.
 * A hand-off skips decoding and hashing: the writer validated and hashed exactly these bytes.
 * Everything else (replay after a restart) goes through the strict decoder.
 */
export function applyBatch(tx: KVTransaction, entries: readonly IngestEntry[]): Counts {
  const added = zeroCounts();
  for (const entry of entries) {
    let problem: string | undefined;
    try {
      const record = entry.prepared?.record ?? decodeRecord(entry.payload);
      const hash = entry.prepared?.hashBytes ?? recordDigest(entry.payload);
      problem = store(tx, record, hash, entry.payload, entry.lsn, added);
    } catch (error) {
      // Bad data never stops ingestion: any decode failure becomes a dead letter.
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem !== undefined) deadLetter(tx, entry, problem, added);
  }
  for (const name of counterNames) {
    if (added[name] === 0) continue;
    const key = counterKey(name);
    const current = tx.get(key);
    tx.put(key, writeU64((current === undefined ? 0 : readU64(current)) + added[name]));
  }
  const last = entries[entries.length - 1];
  if (last !== undefined) tx.put(checkpointKey, writeU64(last.nextLsn));
  return added;
}

export { recordKindCode };
