// The records module's public surface: what a record is (types), validation, canonical
// encoding, decoding, hashing and zero-copy views. Everything else in src/records is
// internal. The byte format is documented in docs/record-format.md.
export type { Assertion, Epoch, EpochId, Hash, JsonValue, RecordType, Retraction, StemeRecord, Vote } from './types.js';
export { hashFromBytes, hashRecordBytes, hashToBytes, isHash, parseHash, recordDigest } from './hash.js';
export { parseEpochId } from './fields.js';
export { validateRecord } from './validate.js';
export { encodeAndHash, encodeRecord, prepareRecord, type PreparedFields, type PreparedRecord } from './encode.js';
export { decodeRecord, decodeStored, decodeStoredAssertion } from './decode.js';
export { canonicalJson } from './canonical-json.js';
export { recordTypeOf } from './reader.js';
export { AssertionView } from './assertion-view.js';
export { VoteView } from './vote-view.js';
export { EpochView } from './epoch-view.js';
export { RetractionView } from './retraction-view.js';
export { openView, type RecordView } from './view.js';
export { isWellFormed } from './unicode.js';
