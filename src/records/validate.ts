// Validates an untrusted value (parsed JSON, a caller's object) into a normalised record:
// fields in a fixed order, optional fields present only when given, a vote's weight filled
// with 1, -0 written as 0, createdAt filled with the current time. Every refusal is an
// InvalidRecordError naming the field path and the reason.
import { InvalidRecordError } from '../errors.js';
import { descriptionBytesMax, objectBytesMax, stringBytesMax } from '../limits.js';
import { canonicalJson, isWellFormed } from './canonical-json.js';
import { parseHash } from './hash.js';
import type { Assertion, Epoch, EpochId, StemeRecord, Vote } from './types.js';

type Input = Record<string, unknown>;

const allowedFields = {
  assertion: ['type', 'subject', 'predicate', 'object', 'source', 'confidence', 'epoch', 'createdAt'],
  vote: ['type', 'assertion', 'voter', 'stance', 'weight', 'epoch', 'createdAt'],
  epoch: ['type', 'id', 'name', 'description', 'parent', 'createdAt'],
} as const;

const utf8 = new TextEncoder();
/** Canonical JSON of each validated assertion's object, so encoding does not redo it. */
export const objectJsonCache = new WeakMap<object, string>();

function text(input: Input, field: string, bytesMax: number, allowEmpty = false): string {
  const value = input[field];
  if (typeof value !== 'string') throw new InvalidRecordError(field, value === undefined ? 'is required' : 'must be a string');
  if (!allowEmpty && value.length === 0) throw new InvalidRecordError(field, 'must not be empty');
  if (!isWellFormed(value)) throw new InvalidRecordError(field, 'contains a lone surrogate (not valid Unicode)');
  const bytes = utf8.encode(value).length;
  if (bytes > bytesMax) throw new InvalidRecordError(field, `is ${bytes} bytes of UTF-8; the limit is ${bytesMax}`);
  return value;
}

function safeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidRecordError(field, 'must be an integer from 0 to 2^53-1');
  }
  return value;
}

export function parseEpochId(value: unknown, field = 'epoch'): EpochId {
  return safeInteger(value, field) as EpochId;
}

function createdAt(input: Input, nowMs: number): number {
  return input.createdAt === undefined ? nowMs : safeInteger(input.createdAt, 'createdAt');
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidRecordError(field, 'must be a finite number');
  return Object.is(value, -0) ? 0 : value;
}

function assertion(input: Input, nowMs: number): Assertion {
  const subject = text(input, 'subject', stringBytesMax);
  const predicate = text(input, 'predicate', stringBytesMax);
  if (!('object' in input) || input.object === undefined) throw new InvalidRecordError('object', 'is required (null is a value)');
  const objectJson = canonicalJson(input.object);
  const objectBytes = utf8.encode(objectJson).length;
  if (objectBytes > objectBytesMax) throw new InvalidRecordError('object', `is ${objectBytes} bytes encoded; the limit is ${objectBytesMax}`);
  const source = text(input, 'source', stringBytesMax);
  const record: Assertion = { type: 'assertion', subject, predicate, object: JSON.parse(objectJson) as Assertion['object'], source, createdAt: 0 };
  if (input.confidence !== undefined) {
    const confidence = finite(input.confidence, 'confidence');
    if (confidence < 0 || confidence > 1) throw new InvalidRecordError('confidence', 'must be from 0 to 1');
    record.confidence = confidence;
  }
  if (input.epoch !== undefined) record.epoch = parseEpochId(input.epoch, 'epoch');
  record.createdAt = createdAt(input, nowMs);
  objectJsonCache.set(record, objectJson);
  return record;
}

function vote(input: Input, nowMs: number): Vote {
  const hash = parseHash(input.assertion, 'assertion');
  const voter = text(input, 'voter', stringBytesMax);
  if (input.stance !== 'support' && input.stance !== 'oppose') throw new InvalidRecordError('stance', "must be 'support' or 'oppose'");
  let weight = 1;
  if (input.weight !== undefined) {
    weight = finite(input.weight, 'weight');
    if (weight <= 0) throw new InvalidRecordError('weight', 'must be greater than 0');
  }
  const record: Vote = { type: 'vote', assertion: hash, voter, stance: input.stance, weight, createdAt: 0 };
  if (input.epoch !== undefined) record.epoch = parseEpochId(input.epoch, 'epoch');
  record.createdAt = createdAt(input, nowMs);
  return record;
}

function epoch(input: Input, nowMs: number): Epoch {
  const record: Epoch = { type: 'epoch', id: parseEpochId(input.id, 'id'), name: text(input, 'name', stringBytesMax), createdAt: 0 };
  if (input.description !== undefined) record.description = text(input, 'description', descriptionBytesMax, true);
  if (input.parent !== undefined) record.parent = parseEpochId(input.parent, 'parent');
  record.createdAt = createdAt(input, nowMs);
  return record;
}

/** Validates and normalises an untrusted record; `createdAt` defaults to `nowMs`. */
export function validateRecord(input: unknown, nowMs: number = Date.now()): StemeRecord {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidRecordError('', 'a record must be a JSON object');
  }
  const fields = input as Input;
  const type = fields.type;
  if (type !== 'assertion' && type !== 'vote' && type !== 'epoch') {
    throw new InvalidRecordError('type', "must be 'assertion', 'vote' or 'epoch'");
  }
  const allowed: readonly string[] = allowedFields[type];
  for (const key of Object.keys(fields)) {
    if (!allowed.includes(key)) throw new InvalidRecordError(key, `is not a field of ${type === 'epoch' ? 'an' : 'a'} ${type}`);
  }
  if (type === 'assertion') return assertion(fields, nowMs);
  return type === 'vote' ? vote(fields, nowMs) : epoch(fields, nowMs);
}
