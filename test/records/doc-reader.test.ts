// An independent reader of docs/record-format.md: the byte layouts transcribed from the
// document into a few dozen plain lines (DataView, TextDecoder, no code from src/records),
// run over every test vector. If the document's diagrams and the encoder disagree, this
// reader gets a different record than the input, or trips over the lengths.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blake3 } from '../../src/blake3.js';
import { validateRecord } from '../../src/records/index.js';
import { vectors } from './doc-vectors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The record `bytes` hold, read by the diagrams of docs/record-format.md. */
function readByTheDocument(bytes: Uint8Array): Record<string, unknown> {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number): number => data.getUint32(at, true);
  const u64 = (at: number): number => Number(data.getBigUint64(at, true));
  const hash = (at: number): string => Buffer.from(bytes.subarray(at, at + 32)).toString('hex');
  /** Text fields one after the other from `at`; nothing may follow the last one. */
  const texts = (at: number, lengths: number[]): string[] => {
    const out = lengths.map((n) => utf8.decode(bytes.subarray(at, (at += n))));
    assert.equal(at, bytes.length, 'the text fields end the record');
    return out;
  };
  assert.deepEqual([...bytes.subarray(1, 8)], [0, 0, 0, 0, 0, 0, 0], 'header padding');
  const when = (present: number, field: string, value: () => unknown): Record<string, unknown> => (present ? { [field]: value() } : {});
  switch (bytes[0]) {
    case 0: {
      const flags = u32(32);
      assert.equal(flags & ~0b111, 0, 'assertion flags');
      const start = flags & 4 ? 56 + 32 : 56; // supersedes: 32 bytes when bit 2 is set, none when clear
      const [subject, predicate, source, object] = texts(start, [u32(36), u32(40), u32(44), u32(48)]);
      return {
        type: 'assertion', subject, predicate, object: JSON.parse(object!), source,
        ...when(flags & 1, 'confidence', () => data.getFloat64(16, true)),
        ...when(flags & 2, 'epoch', () => u64(24)),
        ...when(flags & 4, 'supersedes', () => hash(56)),
        createdAt: u64(8),
      };
    }
    case 1: {
      const flags = u32(32);
      const [voter] = texts(80, [u32(72)]);
      const stance = ['support', 'oppose'][bytes[36]!];
      return { type: 'vote', assertion: hash(40), voter, stance, weight: data.getFloat64(16, true), ...when(flags & 2, 'epoch', () => u64(24)), createdAt: u64(8) };
    }
    case 2: {
      const flags = u32(32);
      const [name, description] = texts(48, [u32(36), u32(40)]);
      return { type: 'epoch', id: u64(8), name, ...when(flags & 1, 'description', () => description), ...when(flags & 2, 'parent', () => u64(24)), createdAt: u64(16) };
    }
    case 3: {
      const flags = u32(48);
      assert.equal(flags & ~1, 0, 'retraction flags');
      const [source, reason] = texts(64, [u32(52), u32(56)]);
      return { type: 'retraction', assertion: hash(16), source, ...when(flags & 1, 'reason', () => reason), createdAt: u64(8) };
    }
    default:
      throw new Error(`type ${bytes[0]} is not in the document`);
  }
}

describe('an independent reader written from docs/record-format.md', () => {
  for (const vector of vectors) {
    test(`${vector.title}: reads the listed bytes as the input, and they hash to the listed hash`, () => {
      assert.deepEqual(readByTheDocument(vector.bytes), validateRecord(JSON.parse(vector.input)));
      assert.equal(Buffer.from(blake3(vector.bytes)).toString('hex'), vector.hash);
    });
  }
});
