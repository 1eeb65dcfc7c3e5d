// The one owner of the KV store's layout (docs/key-layout.md): every key family and every
// value format StemeDB keeps in the store. Ingest writes through it, queries, verify and
// export read through it; src/storage below it knows only bytes, keys and scans.
export * from './keys.js';
export { keyFamilies, keyFamilyBytesMax, kvKeyBytesMax, type KeyFamily } from './key-bounds.js';
export { readU64, writeU64 } from './u64.js';
export { decodeLocator, encodeLocator, recordKindCode, type Locator, type RecordKindCode } from './locator.js';
export {
  addCounts,
  checkpointKey,
  counterNames,
  layoutVersion,
  metaNames,
  readCheckpoint,
  readCounter,
  readLayoutVersion,
  writeCheckpoint,
  writeLayoutVersion,
  zeroCounts,
  type CounterName,
  type Counts,
} from './meta.js';
export { decodeDeadLetter, firstDeadLetters, hasDeadLetter, putDeadLetter, readDeadLetter, type DeadLetter, type DeadLetterKind } from './dead-letter.js';
export { primaryKey } from './primary-key.js';
export {
  decodeContested,
  decodeInputs,
  decodePairHead,
  decodeSummary,
  encodeJsonValue,
  encodePairHead,
  encodePairValue,
  mayBeContestedInAScope,
  pairForm,
  pairNames,
  type ContestedEntry,
  type InputAssertion,
  type InputVote,
  type PairForm,
  type PairInputs,
  type StoredCandidate,
  type StoredSummary,
} from './pair-state.js';
export * from './pair-index.js';
export { readPairSummary, type PairReader } from './pair-read.js';
export * from './graph.js';
