// Opening the right zero-copy view for encoded bytes whose kind the caller does not know.
// Views trust what decodeRecord would check at length (limits, canonical JSON); use them on
// bytes StemeDB wrote and checked, decodeRecord on bytes from anywhere else.
import { AssertionView } from './assertion-view.js';
import { EpochView } from './epoch-view.js';
import { recordTypeOf } from './reader.js';
import { RetractionView } from './retraction-view.js';
import { VoteView } from './vote-view.js';

export type RecordView = AssertionView | VoteView | EpochView | RetractionView;

/** A view of the kind the header declares; throws InvalidRecordError on malformed bytes. */
export function openView(bytes: Uint8Array): RecordView {
  switch (recordTypeOf(bytes)) {
    case 'assertion':
      return new AssertionView(bytes);
    case 'vote':
      return new VoteView(bytes);
    case 'epoch':
      return new EpochView(bytes);
    case 'retraction':
      return new RetractionView(bytes);
  }
}
