// Request bodies and response shapes for the HTTP tests.
import type { Tally } from '../../../src/index.js';

export interface WriteAnswer {
  hash: string;
  lsn: number;
}

export interface StoredBody {
  type: 'assertion' | 'vote' | 'epoch';
  hash: string;
  createdAt: number;
  [field: string]: unknown;
}

export interface RecordAnswer {
  record: StoredBody;
  tally?: Tally;
}

export interface VotesAnswer {
  votes: StoredBody[];
  tally: Tally;
}

export interface PageAnswer {
  items: StoredBody[];
  cursor?: string;
}

export function assertionBody(subject: string, n = 0) {
  return { subject, predicate: 'measure', object: { n, tags: ['a', 'b'], nested: { ok: true, none: null } }, source: 'http-test', createdAt: 1_700_000_000_000 + n };
}

export const unknownHash = 'f'.repeat(64);
