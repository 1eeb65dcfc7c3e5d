// bench:http's peer: the server a developer would write in an afternoon with fastify and
// better-sqlite3, with StemeDB's three busiest routes, the same JSON in and out and the same
// content hashes (src/records' prepareRecord, so both stores name a record alike). SQLite runs
// with journal_mode=WAL and synchronous=FULL, one transaction per POST (durable before the
// 201, as StemeDB's is). It stores each record's JSON text and parses it on every read.
// Usage: node dist/bench/http-peer.js --dir DIR [--port N]; prints "listening at URL".
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import path from 'node:path';
import { prepareRecord, type Assertion } from '../src/records/index.js';

const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};
const dir = arg('dir');
if (dir === undefined) throw new Error('usage: http-peer --dir DIR [--port N]');

const db = new Database(path.join(dir, 'peer.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE IF NOT EXISTS assertions (lsn INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, subject TEXT NOT NULL, predicate TEXT NOT NULL, body TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS by_subject ON assertions (subject, predicate, hash);
  CREATE TABLE IF NOT EXISTS votes (assertion BLOB NOT NULL, lsn INTEGER NOT NULL, voter TEXT NOT NULL, stance TEXT NOT NULL, weight REAL NOT NULL, created_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS votes_by_assertion ON votes (assertion, created_at, lsn);
  CREATE TABLE IF NOT EXISTS status_changes (target BLOB NOT NULL, lsn INTEGER NOT NULL, kind TEXT NOT NULL, hash BLOB NOT NULL);
  CREATE INDEX IF NOT EXISTS status_by_target ON status_changes (target, lsn);
`);
const insert = db.prepare('INSERT OR IGNORE INTO assertions (hash, subject, predicate, body) VALUES (?, ?, ?, ?)');
const lsnOf = db.prepare<[Buffer], { lsn: number }>('SELECT lsn FROM assertions WHERE hash = ?');
const byHash = db.prepare<[Buffer], { lsn: number; body: string }>('SELECT lsn, body FROM assertions WHERE hash = ?');
const votesOf = db.prepare<[Buffer], { voter: string; stance: string; weight: number }>('SELECT voter, stance, weight FROM votes WHERE assertion = ? ORDER BY created_at, lsn');
const firstChange = db.prepare<[Buffer], { kind: string; hash: Buffer }>('SELECT kind, hash FROM status_changes WHERE target = ? ORDER BY lsn LIMIT 1');
const aboutSubject = db.prepare<[string, number], { lsn: number; hash: Buffer; body: string }>(
  'SELECT a.lsn, a.hash, a.body FROM assertions a WHERE a.subject = ? AND NOT EXISTS (SELECT 1 FROM status_changes s WHERE s.target = a.hash) ORDER BY a.predicate, a.hash LIMIT ?',
);
const endLsn = db.prepare<[], { end: number | null }>('SELECT max(lsn) AS end FROM assertions');

type Stored = Assertion & { hash: string; lsn: number; status: 'live' | 'retracted' | 'superseded'; retractedBy?: string; supersededBy?: string };

function withStatus(record: Assertion, hash: Buffer, lsn: number): Stored {
  const change = firstChange.get(hash);
  const stored: Stored = { ...record, hash: hash.toString('hex'), lsn, status: 'live' };
  if (change === undefined) return stored;
  return change.kind === 'r' ? { ...stored, status: 'retracted', retractedBy: change.hash.toString('hex') } : { ...stored, status: 'superseded', supersededBy: change.hash.toString('hex') };
}

function tally(hash: Buffer) {
  const latest = new Map<string, { stance: string; weight: number }>();
  for (const vote of votesOf.all(hash)) latest.set(vote.voter, vote);
  let support = 0;
  let oppose = 0;
  for (const vote of latest.values()) {
    if (vote.stance === 'support') support += vote.weight;
    else oppose += vote.weight;
  }
  return { support, oppose, score: support - oppose, voters: latest.size, atLsn: endLsn.get()?.end ?? 0 };
}

const text = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const hashSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const assertionInput = {
  type: 'object',
  additionalProperties: false,
  required: ['subject', 'predicate', 'object', 'source'],
  properties: { subject: text, predicate: text, object: { description: 'any JSON value' }, source: text, confidence: { type: 'number', minimum: 0, maximum: 1 }, epoch: { type: 'integer', minimum: 0 }, supersedes: hashSchema, createdAt: { type: 'integer', minimum: 0 } },
} as const;
const storedAssertion = {
  type: 'object',
  additionalProperties: true,
  properties: {
    type: { type: 'string' },
    subject: { type: 'string' },
    predicate: { type: 'string' },
    object: { description: 'any JSON value' },
    source: { type: 'string' },
    confidence: { type: 'number' },
    epoch: { type: 'integer' },
    supersedes: { type: 'string' },
    createdAt: { type: 'integer' },
    hash: { type: 'string' },
    lsn: { type: 'integer' },
    status: { type: 'string' },
    retractedBy: { type: 'string' },
    supersededBy: { type: 'string' },
  },
} as const;
const tallySchema = { type: 'object', properties: { support: { type: 'number' }, oppose: { type: 'number' }, score: { type: 'number' }, voters: { type: 'integer' }, atLsn: { type: 'integer' } } } as const;

const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } } });

app.post<{ Body: Record<string, unknown> }>(
  '/v1/assertions',
  { schema: { body: assertionInput, response: { 201: { type: 'object', properties: { hash: { type: 'string' }, lsn: { type: 'integer' } } } } } },
  async (request, reply) => {
    const prepared = prepareRecord({ ...request.body, type: 'assertion' });
    // The prepared record leaves the object in the encoded bytes; the peer keeps the caller's.
    const record = { ...(prepared.record as Omit<Assertion, 'object'>), object: request.body.object } as Assertion;
    const hash = Buffer.from(prepared.hash, 'hex');
    // Autocommit: the insert is its own transaction, durable (synchronous=FULL) when run() returns.
    const result = insert.run(hash, record.subject, record.predicate, JSON.stringify(record));
    const lsn = result.changes === 1 ? Number(result.lastInsertRowid) : lsnOf.get(hash)!.lsn;
    return reply.code(201).send({ hash: prepared.hash, lsn });
  },
);

app.get<{ Params: { hash: string } }>(
  '/v1/assertions/:hash',
  { schema: { params: { type: 'object', properties: { hash: hashSchema } }, response: { 200: { type: 'object', properties: { record: storedAssertion, tally: tallySchema } } } } },
  async (request, reply) => {
    const hash = Buffer.from(request.params.hash, 'hex');
    const row = byHash.get(hash);
    if (row === undefined) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no record with hash ${request.params.hash}` } });
    return { record: withStatus(JSON.parse(row.body) as Assertion, hash, row.lsn), tally: tally(hash) };
  },
);

app.get<{ Params: { subject: string }; Querystring: { limit?: number } }>(
  '/v1/subjects/:subject/assertions',
  {
    schema: {
      params: { type: 'object', properties: { subject: text } },
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000 } } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: storedAssertion }, atLsn: { type: 'integer' } } } },
    },
  },
  async (request) => {
    const items = aboutSubject.all(request.params.subject, request.query.limit ?? 100).map((row) => ({ ...(JSON.parse(row.body) as Assertion), hash: row.hash.toString('hex'), lsn: row.lsn, status: 'live' as const }));
    return { items, atLsn: endLsn.get()?.end ?? 0 };
  },
);

const address = await app.listen({ host: '127.0.0.1', port: Number(arg('port') ?? 0) });
console.log(`listening at ${address}`);
const stop = (): void => {
  void app.close().then(() => {
    db.close();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
