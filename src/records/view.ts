// Opening the right zero-copy view for encoded bytes whose kind the caller does not know.
// Views trust what decodeRecord would check at length (limits, canonical JSON); use them on
// bytes StemeDB wrote and checked, decodeRecord on bytes from anywhere else.
import { AssertionView } from './assertion-view.js';
import { EpochView } from './epoch-view.js';
import { recordTypeOf } from './reader.js';
import { VoteView } from './vote-view.js';

export type RecordView = AssertionView | VoteView | EpochView;

/** A view of the kind the header declares; throws InvalidRecordError on malformed bytes. */
export function openView(bytes: Uint8Array): RecordView {
  const type = recordTypeOf(bytes);
  if (type === 'assertion') return new AssertionView(bytes);
  return type === 'vote' ? new VoteView(bytes) : new EpochView(bytes);
}
