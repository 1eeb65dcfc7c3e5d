// Where each record kind's bytes live: an assertion under its hash (H:), a vote under its
// assertion (V:, so votes on one assertion are one prefix scan), an epoch under its id (E:,
// so epochs list in numeric order), a retraction in the status index of its target (T:, under
// the LSN it was first logged at: found by its locator). The value is exactly the logged bytes.
import { hashToBytes, type StemeRecord } from '../records/index.js';
import { assertionKey, epochKey, voteKey } from './keys.js';

/** The primary key of an assertion, vote or epoch (a retraction's holds its LSN: see statusKey). */
export function primaryKey(record: Exclude<StemeRecord, { type: 'retraction' }>, hash: Uint8Array): Uint8Array {
  switch (record.type) {
    case 'assertion':
      return assertionKey(hash);
    case 'vote':
      return voteKey(hashToBytes(record.assertion), hash);
    case 'epoch':
      return epochKey(record.id);
  }
}
