// Storable by construction, through the real HTTP API over real LMDB: records at, just below
// and just past every record limit, written with the characters that cost most in a key (NUL,
// which escaping doubles) or in UTF-8 (4-byte characters), are either refused with a clear 4xx
// and a code, or acknowledged 201 and then stored and readable (by hash, by subject, by
// predicate, by source, in the history), in the server and again after the node is closed and
// reopened, with verify clean and no dead letter. Plus the bounds of a request itself: batch
// size, body size, path parameter length, page size. fast-check; the seed is printed on failure.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { StemeDB, type Health } from '../../src/index.js';
import {
  descriptionBytesMax,
  httpBatchRecordsMax,
  httpBodyBytesMaxDefault,
  httpParamCharsMax,
  objectBytesMax,
  objectDepthMax,
  pageLimitMax,
  reasonBytesMax,
  stringBytesMax,
} from '../../src/limits.js';
import { canonicalJson } from '../../src/records/index.js';
import { createServer, shutdown } from '../../src/server/index.js';
import { fcParams } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';

/** The characters a text is made of: the key's worst (NUL), UTF-8's widest, and the others. */
const charClasses = ['\u0000', 'a', 'é', '€', '😀'] as const;
type CharClass = (typeof charClasses)[number];

/** A text of exactly `bytes` bytes of UTF-8: as many `char` as fit, then 'a' to make up the rest. */
function textOfBytes(char: CharClass, bytes: number): string {
  const width = Buffer.byteLength(char, 'utf8');
  const count = Math.floor(bytes / width);
  return char.repeat(count) + 'a'.repeat(bytes - count * width);
}

/** A string whose canonical JSON is exactly `bytes` bytes (NUL is 6 there: \u0000). */
function jsonStringOfBytes(char: CharClass, bytes: number): string {
  const width = Buffer.byteLength(canonicalJson(char), 'utf8') - 2;
  const count = Math.floor((bytes - 2) / width);
  return char.repeat(count) + 'a'.repeat(bytes - 2 - count * width);
}

const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);

interface Served {
  db: StemeDB;
  app: FastifyInstance;
  url: string;
  /** Stops the server and closes the database (once; also when the test fails first). */
  close(): Promise<void>;
}

async function serve(t: TestContext, dir: string): Promise<Served> {
  const db = await StemeDB.open(dir, { log: () => undefined });
  const app = await createServer(db, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(typeof address === 'object' && address !== null);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= shutdown(app, db));
  t.after(close);
  return { db, app, url: `http://127.0.0.1:${address.port}`, close };
}

interface Answer {
  status: number;
  body: { hash?: string; error?: { code: string; message: string }; [field: string]: unknown };
}

async function send(url: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${url}${route}`, method === 'GET' ? {} : { method, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** A clear refusal: a 4xx with a code in the error shape. */
function assertRefused(answer: Answer, what: string): void {
  assert.ok(answer.status >= 400 && answer.status < 500, `${what}: expected a 4xx, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  assert.match(answer.body.error?.code ?? '', /^[A-Z_]+$/, what);
}

/** What one acknowledged write should be found as. */
interface Acked {
  hash: string;
  type: 'assertion' | 'vote' | 'epoch' | 'retraction';
  sent: Record<string, unknown>;
}

/** Reads an acknowledged record back every way the API has, over HTTP. */
async function readBack(url: string, acked: Acked): Promise<void> {
  const got = await send(url, 'GET', `/v1/assertions/${acked.hash}`);
  assert.equal(got.status, 200, `${acked.type} ${acked.hash}: ${JSON.stringify(got.body).slice(0, 200)}`);
  const record = got.body.record as Record<string, unknown>;
  for (const [field, value] of Object.entries(acked.sent)) assert.deepEqual(record[field], value, `${acked.type}.${field}`);
  if (acked.type !== 'assertion') return;
  const subject = acked.sent.subject as string;
  const about = await send(url, 'GET', `/v1/subjects/${encodeURIComponent(subject)}/assertions?limit=${pageLimitMax}`);
  assert.equal(about.status, 200);
  assert.ok((about.body.items as Array<{ hash: string }>).some((item) => item.hash === acked.hash), 'listed under its subject');
  const byPredicate = await send(url, 'GET', `/v1/assertions?predicate=${encodeURIComponent(acked.sent.predicate as string)}&limit=${pageLimitMax}`);
  assert.ok((byPredicate.body.items as Array<{ hash: string }>).some((item) => item.hash === acked.hash), 'found by predicate');
}

/** The same reads through the library, after a reopen: every index family read from LMDB. */
function readBackLocally(db: StemeDB, acked: Acked): void {
  const got = db.get(acked.hash) as unknown as Record<string, unknown> | undefined;
  assert.ok(got !== undefined, `${acked.type} ${acked.hash} after reopen`);
  for (const [field, value] of Object.entries(acked.sent)) assert.deepEqual(got[field], value, `${acked.type}.${field} after reopen`);
  if (acked.type !== 'assertion') return;
  const has = (items: Array<{ hash: string }>): boolean => items.some((item) => item.hash === acked.hash);
  const { subject, predicate, source } = acked.sent as { subject: string; predicate: string; source: string };
  assert.ok(has(db.assertionsAbout(subject, { limit: pageLimitMax, includeRetracted: true }).items), 'S:');
  assert.ok(has(db.find({ predicate, includeRetracted: true, limit: pageLimitMax }).items), 'O:');
  assert.ok(has(db.find({ source, includeRetracted: true, limit: pageLimitMax }).items), 'A:');
  assert.ok(db.history(subject, { limit: pageLimitMax }).items.some((item) => item.hash === acked.hash), 'L:');
}

/** A case: which bound, made of which characters, and how far from it (-1, 0, +1). */
interface Case {
  bound: Bound;
  char: CharClass;
  delta: -1 | 0 | 1;
}

type Bound = 'subject' | 'predicate' | 'assertion source' | 'voter' | 'epoch name' | 'description' | 'retraction source' | 'reason' | 'object bytes' | 'object depth' | 'confidence' | 'epoch id';
const bounds: Bound[] = ['subject', 'predicate', 'assertion source', 'voter', 'epoch name', 'description', 'retraction source', 'reason', 'object bytes', 'object depth', 'confidence', 'epoch id'];

/** Writes one case; returns what was acknowledged (the answer for the probed record, and any helper record). */
class Writer {
  private n = 0;
  private largestIdUsed = false;
  readonly acked: Acked[] = [];

  constructor(private readonly url: string) {}

  private async write(type: Acked['type'], record: Record<string, unknown>, expectOk: boolean | undefined, what: string): Promise<string | undefined> {
    const route = { assertion: '/v1/assertions', vote: '/v1/votes', epoch: '/v1/epochs', retraction: '/v1/retractions' }[type];
    const answer = await send(this.url, 'POST', route, record);
    if (answer.status === 201) {
      assert.notEqual(expectOk, false, `${what}: acknowledged past its limit`);
      const acked: Acked = { hash: answer.body.hash!, type, sent: record };
      this.acked.push(acked);
      await readBack(this.url, acked);
      return acked.hash;
    }
    assertRefused(answer, what);
    assert.notEqual(expectOk, true, `${what}: refused within its limit: ${JSON.stringify(answer.body.error)}`);
    return undefined;
  }

  private assertion(fields: Record<string, unknown> = {}): Record<string, unknown> {
    this.n += 1;
    return { subject: `subject-${this.n}`, predicate: 'measure', object: this.n, source: 'probe', createdAt: 1_700_000_000_000 + this.n, ...fields };
  }

  async run({ bound, char, delta }: Case): Promise<void> {
    const what = `${bound} made of ${JSON.stringify(char)}, limit ${delta >= 0 ? '+' : ''}${delta}`;
    const ok = delta <= 0;
    const text = (limit: number): string => textOfBytes(char, limit + delta);
    switch (bound) {
      case 'subject':
      case 'predicate':
        return void (await this.write('assertion', this.assertion({ [bound]: text(stringBytesMax) }), ok, what));
      case 'assertion source':
        return void (await this.write('assertion', this.assertion({ source: text(stringBytesMax) }), ok, what));
      case 'object bytes':
        return void (await this.write('assertion', this.assertion({ object: jsonStringOfBytes(char, objectBytesMax + delta) }), ok, what));
      case 'object depth':
        return void (await this.write('assertion', this.assertion({ object: nested(objectDepthMax + delta) }), ok, what));
      case 'confidence':
        return void (await this.write('assertion', this.assertion({ confidence: delta === 1 ? 1 + Number.EPSILON : delta === 0 ? 1 : 0 }), ok, what));
      case 'voter': {
        const target = await this.write('assertion', this.assertion(), true, 'the voted assertion');
        return void (await this.write('vote', { assertion: target, voter: text(stringBytesMax), stance: 'support', createdAt: 1_700_000_000_000 + this.n }, ok, what));
      }
      case 'epoch name':
      case 'description': {
        this.n += 1;
        const fields = bound === 'epoch name' ? { name: text(stringBytesMax) } : { name: `epoch-${this.n}`, description: text(descriptionBytesMax) };
        return void (await this.write('epoch', { id: 1_000_000 + this.n, ...fields, createdAt: 1_700_000_000_000 }, ok, what));
      }
      case 'epoch id': {
        this.n += 1;
        // The largest id once (an id is defined once); below it, ids no other case takes.
        const largest = delta === 0 && !this.largestIdUsed;
        if (largest) this.largestIdUsed = true;
        const id = delta === 1 ? Number.MAX_SAFE_INTEGER + 1 : largest ? Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER - 1 - this.n;
        return void (await this.write('epoch', { id, name: `epoch-${this.n}`, createdAt: 1_700_000_000_000 }, ok, what));
      }
      case 'retraction source':
      case 'reason': {
        const source = bound === 'retraction source' ? text(stringBytesMax) : 'probe';
        const target = await this.write('assertion', this.assertion({ source }), bound === 'reason' || ok ? true : false, 'the retracted assertion');
        const retraction = { assertion: target ?? 'f'.repeat(64), source, ...(bound === 'reason' && { reason: text(reasonBytesMax) }), createdAt: 1_700_000_000_000 + this.n };
        return void (await this.write('retraction', retraction, ok, what));
      }
    }
  }
}

async function healthOf(url: string): Promise<{ status: number; body: Health }> {
  const response = await fetch(`${url}/v1/health`);
  return { status: response.status, body: (await response.json()) as Health };
}

/** Closes the server and the database, reopens the database, and checks what was acknowledged. */
async function reopenAndCheck(t: TestContext, dir: string, served: Served, acked: Acked[]): Promise<void> {
  await served.close();
  const db = await StemeDB.open(dir, { log: () => undefined });
  t.after(() => db.close());
  for (const record of acked) readBackLocally(db, record);
  const report = await db.verify();
  assert.deepEqual([report.ok, report.problems, report.deadLetters], [true, [], []]);
  const health = db.health();
  assert.deepEqual([health.status, health.deadLetters.count], ['ok', 0]);
}

describe('records at and past every limit, through HTTP', () => {
  test('the worst text of each field at its limit (1,024 NULs; 256 four-byte characters) is stored and readable; one byte more is a 4xx', async (t) => {
    const dir = tempDir(t);
    const served = await serve(t, dir);
    const writer = new Writer(served.url);
    for (const bound of bounds) {
      for (const char of ['\u0000', '😀'] as const) for (const delta of [0, 1] as const) await writer.run({ bound, char, delta });
    }
    const health = await healthOf(served.url);
    assert.deepEqual([health.status, health.body.status, health.body.deadLetters.count], [200, 'ok', 0]);
    assert.ok(writer.acked.length > bounds.length, `${writer.acked.length} acknowledged`);
    await reopenAndCheck(t, dir, served, writer.acked);
  });

  test('random records just below, at and just past the limits: a clear 4xx or stored and readable, and the node reopens', async (t) => {
    const dir = tempDir(t);
    const served = await serve(t, dir);
    const writer = new Writer(served.url);
    const caseArb = fc.record({ bound: fc.constantFrom(...bounds), char: fc.constantFrom(...charClasses), delta: fc.constantFrom(-1 as const, 0 as const, 1 as const) });
    await fc.assert(
      fc.asyncProperty(caseArb, async (probe) => {
        await writer.run(probe);
      }),
      fcParams({ numRuns: 120 }),
    );
    const health = await healthOf(served.url);
    assert.deepEqual([health.status, health.body.deadLetters.count], [200, 0]);
    await reopenAndCheck(t, dir, served, writer.acked);
  });

  test('a request\'s own bounds: batch size, body size, path parameter length and page size each answer a clear 4xx just past them', async (t) => {
    const dir = tempDir(t);
    const { url } = await serve(t, dir);
    const batch = (n: number): unknown[] => Array.from({ length: n }, (_, i) => ({ type: 'assertion', subject: 'batch', predicate: 'n', object: i, source: 'probe', createdAt: n }));
    const full = await send(url, 'POST', '/v1/batch', batch(httpBatchRecordsMax));
    assert.equal(full.status, 201, JSON.stringify(full.body).slice(0, 200));
    assertRefused(await send(url, 'POST', '/v1/batch', batch(httpBatchRecordsMax + 1)), 'one record past the batch limit');

    const tooLarge = await send(url, 'POST', '/v1/assertions', JSON.stringify({ subject: 's', predicate: 'p', source: 'x', object: 'x'.repeat(httpBodyBytesMaxDefault) }));
    assert.deepEqual([tooLarge.status, tooLarge.body.error?.code], [413, 'BODY_TOO_LARGE']);

    // A subject of 1,024 NULs is 3,072 characters percent-encoded: exactly the parameter limit.
    const nuls = '\u0000'.repeat(stringBytesMax);
    assert.equal(encodeURIComponent(nuls).length, httpParamCharsMax);
    const stored = await send(url, 'POST', '/v1/assertions', { subject: nuls, predicate: 'p', object: 1, source: 's', createdAt: 1 });
    assert.equal(stored.status, 201);
    const about = await send(url, 'GET', `/v1/subjects/${encodeURIComponent(nuls)}/assertions`);
    assert.deepEqual([about.status, (about.body.items as Array<{ hash: string }>).map((item) => item.hash)], [200, [stored.body.hash]]);
    assertRefused(await send(url, 'GET', `/v1/subjects/${encodeURIComponent(`${nuls}\u0000`)}/assertions`), 'a path parameter past its limit');

    assert.equal((await send(url, 'GET', `/v1/subjects/batch/assertions?limit=${pageLimitMax}`)).status, 200);
    assertRefused(await send(url, 'GET', `/v1/subjects/batch/assertions?limit=${pageLimitMax + 1}`), 'a page size past its limit');
    const health = await healthOf(url);
    assert.deepEqual([health.status, health.body.status], [200, 'ok']);
  });
});
