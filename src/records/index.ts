// The records module's public surface: record types, validation, canonical encoding,
// decoding, hashing and zero-copy views.
export type { Assertion, Epoch, EpochId, Hash, JsonValue, RecordType, StemeRecord, Vote } from './types.js';
export { hashFromBytes, hashRecordBytes, hashToBytes, isHash, parseHash } from './hash.js';
export { parseEpochId, validateRecord } from './validate.js';
export { encodeAndHash, encodeRecord } from './encode.js';
export { decodeRecord } from './decode.js';
export { AssertionView, EpochView, openView, recordTypeOf, VoteView, type RecordView } from './view.js';
export { canonicalJson } from './canonical-json.js';
