// Where each record kind's bytes live: an assertion under its hash (H:), a vote under its
// assertion (V:, so votes on one assertion are one prefix scan), an epoch under its id (E:,
// so epochs list in numeric order). The value under a primary key is exactly the logged bytes.
import { hashToBytes, type StemeRecord } from '../records/index.js';
import { assertionKey, epochKey, voteKey } from './keys.js';

export function primaryKey(record: StemeRecord, hash: Uint8Array): Uint8Array {
  switch (record.type) {
    case 'assertion':
      return assertionKey(hash);
    case 'vote':
      return voteKey(hashToBytes(record.assertion), hash);
    case 'epoch':
      return epochKey(record.id);
  }
}
