// Each way decodeRecord refuses bytes, one named case each (after LevelDB's log_test): the
// error is always InvalidRecordError, with the field path where there is one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { objectBytesMax, reasonBytesMax, stringBytesMax } from '../../src/limits.js';
import { decodeRecord, encodeRecord, validateRecord } from '../../src/records/index.js';
import { patched, samples, spliced, throwsInvalid } from './support.js';

const assertion = encodeRecord(validateRecord({ ...samples.assertion, object: 'o' })); // subject 56..61, object 70..73
const vote = encodeRecord(validateRecord(samples.vote)); // voter at 80
const epoch = encodeRecord(validateRecord({ ...samples.epoch, description: 'd' }));
const retraction = encodeRecord(validateRecord(samples.retraction)); // source 64..68, reason 68..78
const superseding = encodeRecord(validateRecord({ ...samples.assertion, object: 'o', supersedes: 'ef'.repeat(32) })); // hash 56..88, subject 88..93
const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

describe('decoding refuses', () => {
  test('valid bytes decode (the baseline for every case below)', () => {
    for (const bytes of [assertion, vote, epoch, retraction, superseding]) assert.deepEqual(encodeRecord(decodeRecord(bytes)), bytes);
  });
  test('fewer bytes than the header', () => {
    throwsInvalid(() => decodeRecord(new Uint8Array(0)), '', /truncated/);
    throwsInvalid(() => decodeRecord(assertion.subarray(0, 7)), '', /truncated: 7 bytes/);
  });
  test('an unknown type byte', () => {
    throwsInvalid(() => decodeRecord(patched(assertion, 0, 4)), 'type', /unknown record type 4/);
    throwsInvalid(() => decodeRecord(patched(vote, 0, 255)), 'type', /unknown record type 255/);
  });
  test('non-zero header padding', () => {
    for (let i = 1; i < 8; i++) throwsInvalid(() => decodeRecord(patched(epoch, i, 1)), '', new RegExp(`header padding at byte ${i}`));
  });
  test('a truncated fixed part', () => {
    throwsInvalid(() => decodeRecord(vote.subarray(0, 79)), '', /fixed part of a vote is 80/);
    throwsInvalid(() => decodeRecord(assertion.subarray(0, 55)), '', /fixed part of an assertion is 56/);
    throwsInvalid(() => decodeRecord(retraction.subarray(0, 63)), '', /fixed part of a retraction is 64/);
  });
  test('a supersedes bit with no hash after the fixed part', () => {
    // The text fields then would start at 88: the lengths no longer add up to the record.
    throwsInvalid(() => decodeRecord(patched(assertion, 32, 4, 4)), '', /truncated: the fields need 105 bytes, the record has 73/);
    throwsInvalid(() => decodeRecord(spliced(superseding, 60, 28)), '', /truncated/); // the hash cut short
  });
  test('a supersedes hash whose bit is clear', () => {
    // Read as text, the hash bytes make the fields 32 bytes too long for their lengths.
    throwsInvalid(() => decodeRecord(patched(superseding, 32, 0, 4)), '', /32 trailing bytes/);
  });
  test('a truncated variable part', () => {
    throwsInvalid(() => decodeRecord(assertion.subarray(0, assertion.length - 1)), '', /truncated: the fields need/);
    throwsInvalid(() => decodeRecord(patched(vote, 72, 6, 4)), '', /truncated/); // voterBytes one too many
  });
  test('trailing bytes after the last field', () => {
    throwsInvalid(() => decodeRecord(Buffer.concat([vote, new Uint8Array(2)])), '', /2 trailing bytes/);
    throwsInvalid(() => decodeRecord(Buffer.concat([retraction, new Uint8Array(1)])), '', /1 trailing bytes/);
  });
  test('invalid UTF-8 in a text field', () => {
    throwsInvalid(() => decodeRecord(patched(vote, 80, 0xff)), 'voter', /not valid UTF-8/);
    throwsInvalid(() => decodeRecord(patched(assertion, 56, 0xc3)), 'subject', /not valid UTF-8/); // a cut 2-byte sequence
    throwsInvalid(() => decodeRecord(patched(superseding, 88, 0xc3)), 'subject', /not valid UTF-8/); // after the hash
    throwsInvalid(() => decodeRecord(patched(retraction, 64, 0xff)), 'source', /not valid UTF-8/);
    throwsInvalid(() => decodeRecord(patched(retraction, 77, 0x80)), 'reason', /not valid UTF-8/);
    throwsInvalid(() => decodeRecord(spliced(patched(vote, 72, 7, 4), 80, 1, ascii('\xed\xa0\x80'))), 'voter', /UTF-8/); // an encoded surrogate
  });
  test('an unknown flag bit', () => {
    throwsInvalid(() => decodeRecord(patched(assertion, 32, 8, 4)), '', /unknown flags 0x8/);
    throwsInvalid(() => decodeRecord(patched(vote, 32, 1, 4)), '', /unknown flags 0x1/);
    throwsInvalid(() => decodeRecord(patched(vote, 32, 4, 4)), '', /unknown flags 0x4/); // supersedes is an assertion's bit only
    throwsInvalid(() => decodeRecord(patched(epoch, 32, 4, 4)), '', /unknown flags 0x4/);
    throwsInvalid(() => decodeRecord(patched(retraction, 48, 3, 4)), '', /unknown flags 0x3/);
  });
  test('a non-zero slot whose flag says the field is absent', () => {
    throwsInvalid(() => decodeRecord(patched(assertion, 16, 1)), '', /slot of an absent confidence at byte 16/);
    throwsInvalid(() => decodeRecord(patched(assertion, 31, 1)), '', /slot of an absent epoch at byte 31/);
    throwsInvalid(() => decodeRecord(patched(epoch, 24, 9, 8)), '', /slot of an absent parent/);
  });
  test('description bytes whose flag says the description is absent', () => {
    throwsInvalid(() => decodeRecord(patched(epoch, 32, 0, 4)), 'description', /flag says it is absent/);
  });
  test('reason bytes whose flag says the reason is absent', () => {
    throwsInvalid(() => decodeRecord(patched(retraction, 48, 0, 4)), 'reason', /flag says it is absent/);
  });
  test('a present but empty reason (a second spelling of no reason)', () => {
    const empty = spliced(patched(retraction, 56, 0, 4), 68, 10); // flag still set, reason cut out
    throwsInvalid(() => decodeRecord(empty), 'reason', /empty/);
  });
  test('a non-zero reserved word or stance padding', () => {
    throwsInvalid(() => decodeRecord(patched(assertion, 52, 1)), '', /reserved word at byte 52/);
    throwsInvalid(() => decodeRecord(patched(vote, 37, 1)), '', /stance padding at byte 37/);
    throwsInvalid(() => decodeRecord(patched(epoch, 47, 1)), '', /reserved word at byte 47/);
    throwsInvalid(() => decodeRecord(patched(retraction, 60, 1)), '', /reserved word at byte 60/);
    throwsInvalid(() => decodeRecord(patched(superseding, 52, 1)), '', /reserved word at byte 52/);
  });
  test('an unknown stance code', () => {
    throwsInvalid(() => decodeRecord(patched(vote, 36, 2)), 'stance', /unknown stance code 2/);
  });
  test('an integer above 2^53-1', () => {
    throwsInvalid(() => decodeRecord(patched(vote, 14, 0x20)), 'createdAt', /larger than 2\^53-1/);
    throwsInvalid(() => decodeRecord(patched(epoch, 15, 0x80)), 'id', /larger than 2\^53-1/);
    throwsInvalid(() => decodeRecord(patched(retraction, 14, 0x20)), 'createdAt', /larger than 2\^53-1/);
  });
  test('a field over its limit', () => {
    const full = encodeRecord(validateRecord({ ...samples.vote, voter: 'v'.repeat(stringBytesMax) }));
    const over = spliced(patched(full, 72, stringBytesMax + 1, 4), 80, 0, ascii('v'));
    throwsInvalid(() => decodeRecord(over), 'voter', /1025 bytes of UTF-8; the limit is 1024/);
    const fullReason = encodeRecord(validateRecord({ ...samples.retraction, reason: 'r'.repeat(reasonBytesMax) }));
    const overReason = spliced(patched(fullReason, 56, reasonBytesMax + 1, 4), 68, 0, ascii('r'));
    throwsInvalid(() => decodeRecord(overReason), 'reason', new RegExp(`${reasonBytesMax + 1} bytes of UTF-8; the limit is ${reasonBytesMax}`));
  });
  test('an object over its limit, before its text is parsed', () => {
    const big = encodeRecord(validateRecord({ ...samples.assertion, object: 'x'.repeat(objectBytesMax - 2) }));
    const over = spliced(patched(big, 48, objectBytesMax + 1, 4), 71, 0, ascii('x'));
    throwsInvalid(() => decodeRecord(over), 'object', /65537 bytes encoded; the limit is 65536/);
  });
  test('a broken field rule: NaN weight, empty subject', () => {
    const nan = new Uint8Array(vote);
    new DataView(nan.buffer).setFloat64(16, Number.NaN, true);
    throwsInvalid(() => decodeRecord(nan), 'weight', /finite/);
    throwsInvalid(() => decodeRecord(spliced(patched(assertion, 36, 0, 4), 56, 5)), 'subject', /empty/);
  });
  test('object text that is not JSON', () => {
    throwsInvalid(() => decodeRecord(patched(assertion, 70, 0x7b)), 'object', /not valid JSON/); // {o"
  });
  test('object text that is JSON but not canonical', () => {
    const withKeys = (text: string): Uint8Array => spliced(patched(assertion, 48, text.length, 4), 70, 3, ascii(text));
    assert.equal(decodeRecord(withKeys('{"a":1,"b":2}')).type, 'assertion');
    for (const text of ['{"b":2,"a":1}', '{"a": 1}', '{"a":1.0}', '[-0]', '"\\u0061"', '{"a":1,"a":1}', ' 1']) {
      throwsInvalid(() => decodeRecord(withKeys(text)), '', /non-canonical encoding/);
    }
  });
  test('a -0 confidence (it would be a second spelling of 0)', () => {
    const minusZero = patched(patched(assertion, 32, 1, 4), 23, 0x80); // flag set, sign bit set
    throwsInvalid(() => decodeRecord(minusZero), '', /non-canonical encoding/);
  });
});
