// Zero-copy views agree with a full decode, work on a slice of a larger buffer (as a KV store
// returns it), read the fields a query needs without parsing `object`, and refuse the wrong kind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AssertionView, decodeRecord, encodeRecord, EpochView, openView, recordTypeOf, RetractionView, validateRecord, VoteView, type RecordView, type StemeRecord } from '../../src/records/index.js';
import { encodedArb, patched, samples, throwsInvalid } from './support.js';
import { fcParams } from '../support/seed.js';

/** The record a view shows, built only from the view's getters. */
function fromView(view: RecordView): StemeRecord {
  const optional = (entries: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  switch (view.type) {
    case 'assertion':
      return { type: 'assertion', subject: view.subject, predicate: view.predicate, object: view.object, source: view.source, ...optional({ confidence: view.confidence, epoch: view.epoch, supersedes: view.supersedes }), createdAt: view.createdAt };
    case 'vote':
      return { type: 'vote', assertion: view.assertion, voter: view.voter, stance: view.stance, weight: view.weight, ...optional({ epoch: view.epoch }), createdAt: view.createdAt };
    case 'epoch':
      return { type: 'epoch', id: view.id, name: view.name, ...optional({ description: view.description, parent: view.parent }), createdAt: view.createdAt };
    case 'retraction':
      return { type: 'retraction', assertion: view.assertion, source: view.source, ...optional({ reason: view.reason }), createdAt: view.createdAt };
  }
}

/** `bytes` copied into a larger Buffer at an odd offset, as a slice of it. */
function inSlice(bytes: Uint8Array, offset = 13): Buffer {
  const backing = Buffer.alloc(offset + bytes.length + 5, 0xaa);
  backing.set(bytes, offset);
  return backing.subarray(offset, offset + bytes.length);
}

describe('zero-copy views', () => {
  test('views agree with a full decode for random records', () => {
    fc.assert(fc.property(encodedArb, ({ bytes }) => assert.deepEqual(fromView(openView(bytes)), decodeRecord(bytes))), fcParams({ numRuns: 400 }));
  });
  test('views agree with a full decode on a Buffer slice with a non-zero byteOffset', () => {
    fc.assert(
      fc.property(encodedArb, fc.integer({ min: 1, max: 31 }), ({ bytes }, offset) => {
        const slice = inSlice(bytes, offset);
        assert.equal(recordTypeOf(slice), decodeRecord(bytes).type);
        assert.deepEqual(fromView(openView(slice)), decodeRecord(bytes));
        assert.deepEqual(decodeRecord(slice), decodeRecord(bytes));
      }),
      fcParams({ numRuns: 200 }),
    );
  });
  test("a vote view's assertion hash bytes are a subarray of the stored bytes, not a copy", () => {
    const slice = inSlice(encodeRecord(validateRecord(samples.vote)));
    const view = new VoteView(slice);
    assert.equal(view.assertionHashBytes.buffer, slice.buffer);
    assert.equal(view.assertionHashBytes.byteOffset, slice.byteOffset + 40);
    assert.equal(view.assertion, samples.vote.assertion);
    assert.deepEqual([view.voter, view.stance, view.weight, view.epoch], ['carol', 'support', 1, undefined]);
  });
  test("a retraction view's assertion hash bytes are a subarray of the stored bytes, not a copy", () => {
    const slice = inSlice(encodeRecord(validateRecord(samples.retraction)));
    const view = new RetractionView(slice);
    assert.equal(view.assertionHashBytes.buffer, slice.buffer);
    assert.equal(view.assertionHashBytes.byteOffset, slice.byteOffset + 16);
    assert.deepEqual([view.assertion, view.source, view.reason, view.createdAt], [samples.retraction.assertion, 'test', 'wrong unit', samples.retraction.createdAt]);
    const { reason: _, ...noReason } = samples.retraction;
    assert.equal(new RetractionView(encodeRecord(validateRecord(noReason))).reason, undefined);
  });
  test("an assertion view reads supersedes in place, and the text fields after it", () => {
    const supersedes = 'ef'.repeat(32);
    const slice = inSlice(encodeRecord(validateRecord({ ...samples.assertion, supersedes })));
    const view = new AssertionView(slice);
    assert.equal(view.supersedesHashBytes?.buffer, slice.buffer);
    assert.equal(view.supersedesHashBytes?.byteOffset, slice.byteOffset + 56);
    assert.equal(view.supersedes, supersedes);
    assert.deepEqual([view.subject, view.predicate, view.source, view.object], ['alice', 'knows', 'test', { a: null, b: [1, 'two'] }]);
    const without = new AssertionView(encodeRecord(validateRecord(samples.assertion)));
    assert.deepEqual([without.supersedes, without.supersedesHashBytes], [undefined, undefined]);
  });
  test("an assertion view reads the subject without parsing the object", () => {
    const bytes = encodeRecord(validateRecord({ ...samples.assertion, object: 'o' }));
    const broken = patched(bytes, bytes.length - 3, 0x7b); // the object text is no longer JSON
    const view = new AssertionView(broken);
    assert.equal(view.subject, 'alice');
    assert.equal(view.createdAt, samples.assertion.createdAt);
    throwsInvalid(() => view.object, 'object', /not valid JSON/);
  });
  test('text fields read ASCII and other UTF-8 alike, and refuse invalid UTF-8 after an ASCII start', () => {
    const bytes = encodeRecord(validateRecord({ ...samples.assertion, subject: 'abcd', predicate: 'é名🙂', source: 'x' }));
    const view = new AssertionView(inSlice(bytes));
    assert.deepEqual([view.subject, view.predicate, view.source], ['abcd', 'é名🙂', 'x']);
    assert.deepEqual(Buffer.from(new AssertionView(inSlice(encodeRecord(validateRecord({ ...samples.assertion, subject: 'é\u0000名' })))).subjectBytes), Buffer.from('é\u0000名'));
    const subjectStart = 56; // the fixed part of an assertion (docs/record-format.md)
    const cut = new AssertionView(patched(bytes, subjectStart + 3, 0x80)); // 'abc' then a lone continuation byte
    throwsInvalid(() => cut.subject, 'subject', /not valid UTF-8/);
    assert.equal(cut.predicate, 'é名🙂');
  });
  test('an epoch view reads an epoch', () => {
    const view = new EpochView(encodeRecord(validateRecord({ ...samples.epoch, description: 'd', parent: 1 })));
    assert.deepEqual([view.id, view.name, view.description, view.parent], [3, 'classical', 'd', 1]);
  });
  test('a view of the wrong kind is refused', () => {
    const vote = encodeRecord(validateRecord(samples.vote));
    throwsInvalid(() => new AssertionView(vote), 'type', /is vote, not assertion/);
    throwsInvalid(() => new EpochView(vote), 'type', /is vote, not epoch/);
    throwsInvalid(() => new RetractionView(vote), 'type', /is vote, not retraction/);
    throwsInvalid(() => new VoteView(encodeRecord(validateRecord(samples.retraction))), 'type', /is retraction, not vote/);
  });
  test('a view checks the header and the lengths when it is constructed', () => {
    const vote = encodeRecord(validateRecord(samples.vote));
    throwsInvalid(() => new VoteView(patched(vote, 3, 1)), '', /header padding/);
    throwsInvalid(() => new VoteView(vote.subarray(0, vote.length - 1)), '', /truncated/);
    throwsInvalid(() => openView(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0])), 'type', /unknown record type 9/);
  });
});
