// Canonical encoding: [type u8][7 zero bytes][fixed fields][variable fields], laid out with
// DataView per src/records/layout.ts. The same logical record always gives the same bytes,
// and those bytes are what is hashed, logged and stored.
import { assert } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { hashRecordBytes, hashToBytes } from './hash.js';
import { assertionLayout as A, epochLayout as E, voteLayout as V } from './layout.js';
import { recordTypeCodes, type Assertion, type Epoch, type Hash, type StemeRecord, type Vote } from './types.js';
import { objectJsonCache } from './validate.js';

const utf8 = new TextEncoder();

function start(type: StemeRecord['type'], bytes: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(bytes); // zero-filled: padding, absent slots and reserved words
  out[0] = recordTypeCodes[type];
  return { out, view: new DataView(out.buffer) };
}

function u64(view: DataView, offset: number, value: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, 'u64 fields hold non-negative safe integers');
  view.setBigUint64(offset, BigInt(value), true);
}

function encodeAssertion(record: Assertion): Uint8Array {
  const parts = [record.subject, record.predicate, record.source].map((s) => utf8.encode(s));
  const object = utf8.encode(objectJsonCache.get(record) ?? canonicalJson(record.object));
  const [subject, predicate, source] = parts as [Uint8Array, Uint8Array, Uint8Array];
  const { out, view } = start('assertion', A.fixedBytes + subject.length + predicate.length + source.length + object.length);
  u64(view, A.createdAt, record.createdAt);
  let flags = 0;
  if (record.confidence !== undefined) {
    view.setFloat64(A.confidence, record.confidence, true);
    flags |= A.flagConfidence;
  }
  if (record.epoch !== undefined) {
    u64(view, A.epoch, record.epoch);
    flags |= A.flagEpoch;
  }
  view.setUint32(A.flags, flags, true);
  view.setUint32(A.subjectBytes, subject.length, true);
  view.setUint32(A.predicateBytes, predicate.length, true);
  view.setUint32(A.sourceBytes, source.length, true);
  view.setUint32(A.objectBytes, object.length, true);
  let offset = A.fixedBytes;
  for (const part of [subject, predicate, source, object]) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function encodeVote(record: Vote): Uint8Array {
  const voter = utf8.encode(record.voter);
  const { out, view } = start('vote', V.fixedBytes + voter.length);
  u64(view, V.createdAt, record.createdAt);
  view.setFloat64(V.weight, record.weight, true);
  if (record.epoch !== undefined) {
    u64(view, V.epoch, record.epoch);
    view.setUint32(V.flags, V.flagEpoch, true);
  }
  out[V.stance] = record.stance === 'support' ? 0 : 1;
  out.set(hashToBytes(record.assertion), V.assertion);
  view.setUint32(V.voterBytes, voter.length, true);
  out.set(voter, V.fixedBytes);
  return out;
}

function encodeEpoch(record: Epoch): Uint8Array {
  const name = utf8.encode(record.name);
  const description = record.description === undefined ? new Uint8Array(0) : utf8.encode(record.description);
  const { out, view } = start('epoch', E.fixedBytes + name.length + description.length);
  u64(view, E.id, record.id);
  u64(view, E.createdAt, record.createdAt);
  let flags = 0;
  if (record.parent !== undefined) {
    u64(view, E.parent, record.parent);
    flags |= E.flagParent;
  }
  if (record.description !== undefined) flags |= E.flagDescription;
  view.setUint32(E.flags, flags, true);
  view.setUint32(E.nameBytes, name.length, true);
  view.setUint32(E.descriptionBytes, description.length, true);
  out.set(name, E.fixedBytes);
  out.set(description, E.fixedBytes + name.length);
  return out;
}

/** The canonical bytes of a validated record (use validateRecord first on untrusted input). */
export function encodeRecord(record: StemeRecord): Uint8Array {
  switch (record.type) {
    case 'assertion':
      return encodeAssertion(record);
    case 'vote':
      return encodeVote(record);
    case 'epoch':
      return encodeEpoch(record);
  }
}

export function encodeAndHash(record: StemeRecord): { bytes: Uint8Array; hash: Hash } {
  const bytes = encodeRecord(record);
  return { bytes, hash: hashRecordBytes(bytes) };
}
