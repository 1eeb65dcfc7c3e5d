// Decoding: bytes from the WAL or the KV store back to a record. The structure is read
// through the views (header, bounds, padding, flags, UTF-8); the record is then re-encoded,
// which checks every field, and bytes that do not re-encode identically are not canonical
// and are refused: one logical record has exactly one byte string and one hash.
// Only InvalidRecordError escapes, and InvariantError (a bug in StemeDB, never the data's).
import { InvalidRecordError, InvariantError } from '../errors.js';
import { objectBytesMax } from '../limits.js';
import type { AssertionView } from './assertion-view.js';
import { encodeRecord } from './encode.js';
import type { EpochView } from './epoch-view.js';
import type { RetractionView } from './retraction-view.js';
import type { Assertion, Epoch, Retraction, StemeRecord, Vote } from './types.js';
import { openView } from './view.js';
import type { VoteView } from './vote-view.js';

function assertion(view: AssertionView): Assertion {
  // Refuse an oversized object before parsing it: the length is known from the fixed part.
  const bytes = view.objectBytes;
  if (bytes > objectBytesMax) throw new InvalidRecordError('object', `is ${bytes} bytes encoded; the limit is ${objectBytesMax}`);
  // Fields are assigned in the record's key order, not spread in: every get and every query
  // result goes through here, and a conditional spread allocates an object for each field.
  const { subject, predicate, object, source, confidence, epoch, supersedes, createdAt } = view;
  if (confidence === undefined && epoch === undefined && supersedes === undefined) return { type: 'assertion', subject, predicate, object, source, createdAt };
  const record = { type: 'assertion', subject, predicate, object, source } as Assertion;
  if (confidence !== undefined) record.confidence = confidence;
  if (epoch !== undefined) record.epoch = epoch;
  if (supersedes !== undefined) record.supersedes = supersedes;
  record.createdAt = createdAt;
  return record;
}

function vote(view: VoteView): Vote {
  const { epoch } = view;
  return { type: 'vote', assertion: view.assertion, voter: view.voter, stance: view.stance, weight: view.weight, ...(epoch !== undefined && { epoch }), createdAt: view.createdAt };
}

function epoch(view: EpochView): Epoch {
  const { description, parent } = view;
  return { type: 'epoch', id: view.id, name: view.name, ...(description !== undefined && { description }), ...(parent !== undefined && { parent }), createdAt: view.createdAt };
}

function retraction(view: RetractionView): Retraction {
  const { reason } = view;
  return { type: 'retraction', assertion: view.assertion, source: view.source, ...(reason !== undefined && { reason }), createdAt: view.createdAt };
}

function read(bytes: Uint8Array): StemeRecord {
  const view = openView(bytes);
  switch (view.type) {
    case 'assertion':
      return assertion(view);
    case 'vote':
      return vote(view);
    case 'epoch':
      return epoch(view);
    case 'retraction':
      return retraction(view);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b); // memcmp, not a JS loop
}

/**
 * Runs a read of record bytes, reporting every failure as InvalidRecordError but a broken
 * invariant (a bug, not bad input: it must not be filed as bad data). Anything else came from
 * reading malformed bytes (a range past the end, invalid JSON): the bytes are not a record we
 * can vouch for, and callers handle one error type.
 */
function asRecordError<T>(readBytes: () => T): T {
  try {
    return readBytes();
  } catch (error) {
    if (error instanceof InvalidRecordError || error instanceof InvariantError) throw error;
    throw new InvalidRecordError('', `undecodable record: ${String(error)}`, { cause: error });
  }
}

/** The record `bytes` encode; throws InvalidRecordError (only) if they are not canonical record bytes. */
export function decodeRecord(bytes: Uint8Array): StemeRecord {
  return asRecordError(() => {
    const record = read(bytes);
    if (!sameBytes(encodeRecord(record), bytes)) throw new InvalidRecordError('', 'non-canonical encoding');
    return record;
  });
}

/**
 * decodeStored for an assertion whose view a query already opened (to match its fields before
 * decoding anything): the same checks and errors, without reading the header twice.
 */
export function decodeStoredAssertion(view: AssertionView): Assertion {
  return asRecordError(() => assertion(view));
}

/**
 * The record in bytes that were checked when they were stored: the KV store holds only bytes
 * the strict decoder (or the writer's own encoding) accepted, under their hash, and `verify`
 * re-checks them. The structure is still read through the views (bounds, flags, UTF-8), but
 * the bytes are not re-encoded to prove them canonical: that proof was made once, at ingest,
 * and repeating it on every read costs more than the read. Throws InvalidRecordError when the
 * structure is damaged.
 */
export function decodeStored(bytes: Uint8Array): StemeRecord {
  return asRecordError(() => read(bytes));
}
