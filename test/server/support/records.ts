// Request bodies and response shapes for the HTTP tests.
import assert from 'node:assert/strict';
import type { StemeStats, Tally } from '../../../src/index.js';
import { getJson, type TestServer } from './server.js';

export interface WriteAnswer {
  hash: string;
  lsn: number;
}

export interface StoredBody {
  type: 'assertion' | 'vote' | 'epoch' | 'retraction';
  hash: string;
  createdAt: number;
  [field: string]: unknown;
}

/** An assertion as reads return it: with the LSN it was logged at and its status. */
export interface AssertionBody extends StoredBody {
  type: 'assertion';
  lsn: number;
  status: 'live' | 'retracted' | 'superseded';
  retractedBy?: string;
  supersededBy?: string;
}

export type TallyBody = Tally & { atLsn: number };

export interface RecordAnswer {
  record: StoredBody;
  tally?: TallyBody;
}

export interface VotesAnswer {
  votes: StoredBody[];
  tally: TallyBody;
}

export interface PageAnswer<T = AssertionBody> {
  items: T[];
  cursor?: string;
  atLsn: number;
}

export interface HistoryItemBody {
  lsn: number;
  type: 'assertion' | 'vote' | 'retraction';
  hash: string;
  record: Record<string, unknown>;
}

export function assertionBody(subject: string, n = 0) {
  return { subject, predicate: 'measure', object: { n, tags: ['a', 'b'], nested: { ok: true, none: null } }, source: 'http-test', createdAt: 1_700_000_000_000 + n };
}

export const unknownHash = 'f'.repeat(64);

/** The end of the log now: what a read without asOf reports as its atLsn. */
export async function endLsn(server: TestServer): Promise<number> {
  return (await getJson<StemeStats>(server, '/v1/stats')).body.wal.endLsn;
}

/** What a refused request must leave as it was: the record counts and the end of the log. */
async function logged(server: TestServer): Promise<{ records: StemeStats['records']; endLsn: number }> {
  const { body } = await getJson<StemeStats>(server, '/v1/stats');
  return { records: body.records, endLsn: body.wal.endLsn };
}

/** Runs `refuse` (which checks the refusal) and asserts that nothing was logged meanwhile. */
export async function nothingLogged(server: TestServer, refuse: () => Promise<unknown>): Promise<void> {
  const before = await logged(server);
  await refuse();
  assert.deepEqual(await logged(server), before, 'nothing is logged');
}

/** The route of a subject's assertions or history, the subject encoded as one path segment. */
export function subjectPath(subject: string, what: 'assertions' | 'history', query = ''): string {
  return `/v1/subjects/${encodeURIComponent(subject)}/${what}${query}`;
}
