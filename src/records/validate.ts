// Validation of untrusted records (parsed JSON, a caller's object) and the same checks the
// encoder repeats before it writes bytes. A valid record has exactly its kind's fields (an
// unknown field is refused: it would be silently dropped from the bytes and the hash), a
// vote's weight filled with 1, -0 written as 0; every refusal is an InvalidRecordError naming
// the field path and the reason.
import { InvalidArgumentError, InvalidRecordError } from '../errors.js';
import { descriptionBytesMax, objectBytesMax, reasonBytesMax, stringBytesMax, voteWeightMax, voteWeightMin } from '../limits.js';
import { canonicalJson } from './canonical-json.js';
import { checkFinite, checkSafeInteger, checkText, own, parseEpochId, type Input } from './fields.js';
import { parseHash } from './hash.js';
import { withArticle, type Assertion, type Epoch, type JsonValue, type RecordType, type Retraction, type StemeRecord, type Vote } from './types.js';

/** A checked record; an assertion carries its object's canonical JSON so it is built once. */
export type Checked =
  | { type: 'assertion'; record: Assertion; objectJson: string }
  | { type: 'vote'; record: Vote }
  | { type: 'epoch'; record: Epoch }
  | { type: 'retraction'; record: Retraction };

const fieldsOf: Record<RecordType, ReadonlySet<string>> = {
  assertion: new Set(['type', 'subject', 'predicate', 'object', 'source', 'confidence', 'epoch', 'supersedes', 'createdAt']),
  vote: new Set(['type', 'assertion', 'voter', 'stance', 'weight', 'epoch', 'createdAt']),
  epoch: new Set(['type', 'id', 'name', 'description', 'parent', 'createdAt']),
  retraction: new Set(['type', 'assertion', 'source', 'reason', 'createdAt']),
};

/** createdAt as given, or `nowMs` when absent and a default is allowed (validation, not encoding). */
function createdAt(input: Input, nowMs: number | undefined): number {
  const value = own(input, 'createdAt');
  return checkSafeInteger(value === undefined && nowMs !== undefined ? nowMs : value, 'createdAt');
}

/** An optional field: undefined when absent (or given as undefined), else checked by `check`. */
function optional<T>(input: Input, field: string, check: (value: unknown, path: string) => T): T | undefined {
  const value = own(input, field);
  return value === undefined ? undefined : check(value, field);
}

function checkConfidence(value: unknown, path: string): number {
  const confidence = checkFinite(value, path);
  if (confidence < 0 || confidence > 1) throw new InvalidRecordError(path, 'must be from 0 to 1');
  return confidence;
}

function checkAssertion(input: Input, nowMs: number | undefined): Checked {
  const subject = checkText(own(input, 'subject'), 'subject', stringBytesMax);
  const predicate = checkText(own(input, 'predicate'), 'predicate', stringBytesMax);
  const object = own(input, 'object');
  if (object === undefined) throw new InvalidRecordError('object', 'is required (null is a value)');
  const objectJson = canonicalJson(object);
  const objectBytes = Buffer.byteLength(objectJson, 'utf8');
  if (objectBytes > objectBytesMax) throw new InvalidRecordError('object', `is ${objectBytes} bytes encoded; the limit is ${objectBytesMax}`);
  const source = checkText(own(input, 'source'), 'source', stringBytesMax);
  const confidence = optional(input, 'confidence', checkConfidence);
  const epoch = optional(input, 'epoch', parseEpochId);
  const supersedes = optional(input, 'supersedes', parseHash);
  const record: Assertion = {
    type: 'assertion', subject, predicate, object: object as JsonValue, source,
    ...(confidence !== undefined && { confidence }),
    ...(epoch !== undefined && { epoch }),
    ...(supersedes !== undefined && { supersedes }),
    createdAt: createdAt(input, nowMs),
  };
  return { type: 'assertion', record, objectJson };
}

function checkVote(input: Input, nowMs: number | undefined): Checked {
  const assertion = parseHash(own(input, 'assertion'), 'assertion');
  const voter = checkText(own(input, 'voter'), 'voter', stringBytesMax);
  const stance = own(input, 'stance');
  if (stance !== 'support' && stance !== 'oppose') throw new InvalidRecordError('stance', "must be 'support' or 'oppose'");
  // An absent weight is weight 1, and the decoded vote always has it: one logical vote, one
  // byte string, one hash, whichever way the caller wrote it.
  const given = own(input, 'weight');
  const weight = given === undefined ? 1 : checkFinite(given, 'weight');
  if (weight <= 0) throw new InvalidRecordError('weight', 'must be greater than 0');
  // A new record (nowMs given: validateRecord, prepareRecord) weighs within the stated range.
  // Bytes already logged (encodeRecord, and so decodeRecord) need only a finite weight > 0: a
  // WAL may hold votes an older version accepted, and the rules clamp those (docs/beliefs.md).
  if (nowMs !== undefined && (weight < voteWeightMin || weight > voteWeightMax)) {
    throw new InvalidRecordError('weight', `must be from ${voteWeightMin} to ${voteWeightMax}`);
  }
  const epoch = optional(input, 'epoch', parseEpochId);
  const record: Vote = { type: 'vote', assertion, voter, stance, weight, ...(epoch !== undefined && { epoch }), createdAt: createdAt(input, nowMs) };
  return { type: 'vote', record };
}

function checkEpoch(input: Input, nowMs: number | undefined): Checked {
  const id = parseEpochId(own(input, 'id'), 'id');
  const name = checkText(own(input, 'name'), 'name', stringBytesMax);
  // An empty description is kept distinct from none: the flag word tells them apart.
  const description = optional(input, 'description', (value, path) => checkText(value, path, descriptionBytesMax, true));
  const parent = optional(input, 'parent', parseEpochId);
  // The one cycle a single record can show; longer ones need the store to see.
  if (parent === id) throw new InvalidRecordError('parent', 'must differ from id (an epoch cannot be its own parent)');
  const record: Epoch = {
    type: 'epoch', id, name,
    ...(description !== undefined && { description }),
    ...(parent !== undefined && { parent }),
    createdAt: createdAt(input, nowMs),
  };
  return { type: 'epoch', record };
}

function checkRetraction(input: Input, nowMs: number | undefined): Checked {
  const assertion = parseHash(own(input, 'assertion'), 'assertion');
  const source = checkText(own(input, 'source'), 'source', stringBytesMax);
  // Non-empty when given: an empty reason says no more than none, and two spellings of one
  // retraction would be two records with two hashes.
  const reason = optional(input, 'reason', (value, path) => checkText(value, path, reasonBytesMax));
  const record: Retraction = { type: 'retraction', assertion, source, ...(reason !== undefined && { reason }), createdAt: createdAt(input, nowMs) };
  return { type: 'retraction', record };
}

/** Checks `input` completely; `nowMs` fills an absent createdAt, or undefined to require it. */
export function checkRecord(input: unknown, nowMs: number | undefined): Checked {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidRecordError('', 'a record must be a JSON object');
  }
  const fields = input as Input;
  const type = own(fields, 'type');
  if (type !== 'assertion' && type !== 'vote' && type !== 'epoch' && type !== 'retraction') {
    throw new InvalidRecordError('type', type === undefined ? 'is required' : "must be 'assertion', 'vote', 'epoch' or 'retraction'");
  }
  for (const key of Object.keys(fields)) {
    if (!fieldsOf[type].has(key)) throw new InvalidRecordError(key, `is not a field of ${withArticle(type)}`);
  }
  switch (type) {
    case 'assertion':
      return checkAssertion(fields, nowMs);
    case 'vote':
      return checkVote(fields, nowMs);
    case 'epoch':
      return checkEpoch(fields, nowMs);
    case 'retraction':
      return checkRetraction(fields, nowMs);
  }
}

/**
 * Validates and normalises an untrusted record. `createdAt` defaults to `nowMs` (Date.now()).
 * The result is a fresh object; an assertion's `object` is a canonical deep copy.
 */
export function validateRecord(input: unknown, nowMs: number = Date.now()): StemeRecord {
  return normalised(checkRecord(input, checkNow(nowMs)));
}

/** `nowMs` when it can stand for a createdAt; else INVALID_ARGUMENT (the caller's mistake, not the record's). */
export function checkNow(nowMs: number): number {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new InvalidArgumentError(`nowMs must be an integer from 0 to 2^53-1, got ${nowMs}`);
  return nowMs;
}

/** The checked record as validateRecord returns it: an assertion's object becomes a canonical deep copy. */
function normalised(checked: Checked): StemeRecord {
  if (checked.type !== 'assertion') return checked.record;
  return { ...checked.record, object: JSON.parse(checked.objectJson) as JsonValue };
}
