// Dead letters (X:{lsn}): a logged payload that ingest could not store, filed instead of
// skipped, so nothing acknowledged disappears silently. Three kinds: a payload that does not decode as a record, an epoch
// that conflicts with the first definition of its id, and a record the KV store refused (a
// key longer than the store takes: an environment with small pages, or a record an older
// version wrote). The value is JSON {lsn, hash, kind, reason, payload (base64)}, so an
// operator can read it with any tool; letters filed before `hash` and `kind` existed get them
// on reading (the hash from the payload, the kind from the reason).
import { hashRecordBytes, type Hash } from '../records/index.js';
import type { KVReader, KVStore, KVTransaction } from '../storage/index.js';
import { deadLetterKey, deadLetterPrefix } from './keys.js';

/** undecodable: not a record; epoch-conflict: a second definition of an epoch id; unstorable: the KV store refused one of its keys. */
export type DeadLetterKind = 'undecodable' | 'epoch-conflict' | 'unstorable';

export interface DeadLetter {
  lsn: number;
  /** BLAKE3-256 of the payload: the record's hash, when it is a record. */
  hash: Hash;
  kind: DeadLetterKind;
  reason: string;
  /** The logged payload, base64. */
  payload: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Files a dead letter for the record at `lsn`; returns false if one is already there (replay). */
export function putDeadLetter(tx: KVTransaction, lsn: number, kind: DeadLetterKind, reason: string, payload: Uint8Array): boolean {
  const letter: DeadLetter = { lsn, hash: hashRecordBytes(payload), kind, reason, payload: Buffer.from(payload).toString('base64') };
  return tx.putIfAbsent(deadLetterKey(lsn), encoder.encode(JSON.stringify(letter)));
}

export function hasDeadLetter(reader: KVReader, lsn: number): boolean {
  return reader.has(deadLetterKey(lsn));
}

export function decodeDeadLetter(value: Uint8Array): DeadLetter {
  const letter = JSON.parse(decoder.decode(value)) as Partial<DeadLetter> & { lsn: number; reason: string; payload: string };
  const hash = letter.hash ?? hashRecordBytes(Buffer.from(letter.payload, 'base64'));
  // Before kinds were kept, only two existed, and an epoch conflict's reason named its code.
  const kind = letter.kind ?? (letter.reason.startsWith('EPOCH_CONFLICT') ? 'epoch-conflict' : 'undecodable');
  return { lsn: letter.lsn, hash, kind, reason: letter.reason, payload: letter.payload };
}

/** The dead letter filed for the record at `lsn`, if any. */
export function readDeadLetter(reader: KVReader, lsn: number): DeadLetter | undefined {
  const value = reader.get(deadLetterKey(lsn));
  return value === undefined ? undefined : decodeDeadLetter(value);
}

/** The first `limit` dead letters in log order (the keys are LSNs, big-endian). */
export function firstDeadLetters(store: KVStore, limit: number): DeadLetter[] {
  const letters: DeadLetter[] = [];
  for (const { value } of store.scanPrefix(deadLetterPrefix(), { limit })) letters.push(decodeDeadLetter(value));
  return letters;
}

export { deadLetterPrefix };
