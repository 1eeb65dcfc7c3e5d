// Dead letters (X:{lsn}): a logged payload that could not be stored because it does not decode
// as a record (or, for an epoch, conflicts with the first definition). The value is JSON
// {lsn, reason, payload (base64)}, so an operator can read it with any tool.
import type { KVReader, KVTransaction } from '../storage/index.js';
import { deadLetterKey, deadLetterPrefix } from './keys.js';

export interface DeadLetter {
  lsn: number;
  reason: string;
  /** The logged payload, base64. */
  payload: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Files a dead letter for the record at `lsn`; returns false if one is already there (replay). */
export function putDeadLetter(tx: KVTransaction, lsn: number, reason: string, payload: Uint8Array): boolean {
  const letter: DeadLetter = { lsn, reason, payload: Buffer.from(payload).toString('base64') };
  return tx.putIfAbsent(deadLetterKey(lsn), encoder.encode(JSON.stringify(letter)));
}

export function hasDeadLetter(reader: KVReader, lsn: number): boolean {
  return reader.has(deadLetterKey(lsn));
}

export function decodeDeadLetter(value: Uint8Array): DeadLetter {
  return JSON.parse(decoder.decode(value)) as DeadLetter;
}

export { deadLetterPrefix };
