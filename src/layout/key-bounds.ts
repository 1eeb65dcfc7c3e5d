// The longest key of every KV key family, derived from the record limits (src/limits.ts) and
// the parts keys.ts builds each family's keys from, in bytes as stored: a text part after
// escaping, whose worst case is a text of NUL bytes only (each one doubled). kvKeyBytesMax,
// the longest of all, is what a store must take for every valid record to be storable:
// StemeDB.open compares it with the store's cap, and test/layout/key-bounds.test.ts builds each
// family's longest key from the worst characters and stores it in LMDB.
import { stringBytesMax } from '../limits.js';
import {
  familyTagBytes,
  hashBytesLength,
  keyIntegerBytes,
  objectPartBytesMax,
  predicateDigestBytes,
  statusKindBytes,
  textPartBytesMax,
  voteKeySeparatorBytes,
} from './keys.js';
import { graphDigestBytes, graphSubTagBytes } from './graph.js';
import { counterNames, metaNames } from './meta.js';
import { pairEntryKeyBytesMax } from './pair-index.js';

/** Every key family the layout writes (docs/key-layout.md), by its tag letter. */
export const keyFamilies = ['H', 'V', 'E', 'S', 'O', 'A', 'L', 'T', 'R', 'X', 'C', 'M', 'B', 'K', 'F', 'P', 'G'] as const;
export type KeyFamily = (typeof keyFamilies)[number];

// The texts keys hold: a subject (S:, L:, B:, K:), a predicate (O:) and a source (A:), each at
// most stringBytesMax bytes of UTF-8 (validate.ts; the decoder checks it again on replay).
const subjectPart = textPartBytesMax(stringBytesMax);
const predicatePart = textPartBytesMax(stringBytesMax);
const sourcePart = textPartBytesMax(stringBytesMax);
const longestName = (names: readonly string[]): number => Math.max(...names.map((name) => Buffer.byteLength(name, 'utf8')));

/** The longest key of each family, in bytes. */
export const keyFamilyBytesMax: Readonly<Record<KeyFamily, number>> = {
  H: familyTagBytes + hashBytesLength,
  V: familyTagBytes + hashBytesLength + voteKeySeparatorBytes + hashBytesLength,
  E: familyTagBytes + keyIntegerBytes,
  S: familyTagBytes + subjectPart + predicateDigestBytes + hashBytesLength,
  O: familyTagBytes + predicatePart + objectPartBytesMax + hashBytesLength,
  A: familyTagBytes + sourcePart + keyIntegerBytes + hashBytesLength,
  L: familyTagBytes + subjectPart + keyIntegerBytes + hashBytesLength,
  T: familyTagBytes + hashBytesLength + keyIntegerBytes + statusKindBytes + hashBytesLength,
  R: familyTagBytes + hashBytesLength,
  X: familyTagBytes + keyIntegerBytes,
  C: familyTagBytes + longestName(counterNames),
  M: familyTagBytes + longestName(metaNames),
  B: familyTagBytes + subjectPart + predicateDigestBytes,
  K: familyTagBytes + subjectPart + predicateDigestBytes,
  F: familyTagBytes + hashBytesLength,
  // An indexed pair's entries (pair-index.ts) have fixed lengths; the longest is a voter entry.
  P: pairEntryKeyBytesMax,
  // The memory graph's longest keys hold no text, only digests of names: G:o, G:f and G:t.
  G: familyTagBytes + graphSubTagBytes + graphDigestBytes + keyIntegerBytes + hashBytesLength,
};

/**
 * The longest key StemeDB builds for any valid record (2,151 bytes: an O: key whose predicate
 * is 1,024 NUL bytes and whose object is inline JSON of 64 bytes). A store whose keys are
 * capped below it cannot hold every valid record; LMDB with 8 KiB pages takes 4,026 bytes.
 */
export const kvKeyBytesMax = Math.max(...keyFamilies.map((family) => keyFamilyBytesMax[family]));
