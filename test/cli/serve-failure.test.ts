// `serve` when the database fails. In process, through the FileSystem seam: serveUntil ends
// serving with DATABASE_FAILED (exit 4) after an ENOSPC on a WAL write, or keeps serving with
// 'stay'. Through the real bin on a real full disk (a small tmpfs, where mounting is allowed):
// clients write until the disk fills; serve exits 4 and, once space returns, every
// acknowledged record is there and verify is clean; with --on-wal-failure=stay it stays up,
// reads 200, writes and /v1/health 503.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { CliError } from '../../src/cli/errors.js';
import { exitDatabaseFailed } from '../../src/cli/exit-codes.js';
import { reportError } from '../../src/cli/report-error.js';
import { serveUntil } from '../../src/cli/serve-until.js';
import { StemeDB, type DatabaseFailure } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { mountTmpfs } from '../support/tmpfs.js';
import { FaultyFileSystem } from '../wal/fixtures/faulty-fs.js';
import { exitOf, ndjson, spawnStemedb, stemedb, waitForOutput } from './fixtures/cli.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const record = (i: number) => ({ subject: `city:${i}`, predicate: 'note', object: 'x'.repeat(1000), source: 'test' });

async function failingDb(t: TestContext): Promise<{ db: StemeDB; fileSystem: FaultyFileSystem }> {
  const fileSystem = new FaultyFileSystem();
  const db = await StemeDB.open(tempDir(t), { log: () => undefined, fileSystem });
  t.after(() => db.close());
  return { db, fileSystem };
}

test('with exit, a WAL failure ends serving with DATABASE_FAILED, exit code 4', async (t) => {
  const { db, fileSystem } = await failingDb(t);
  const until = serveUntil(new AbortController().signal, db, 'exit', () => assert.fail('not staying'));
  fileSystem.failOn('write', 'ENOSPC');
  await assert.rejects(db.assert(record(1)), { code: 'WAL_FAILED' });
  const failure = await until;
  assert.ok(failure instanceof CliError);
  assert.equal(failure.code, 'DATABASE_FAILED');
  assert.match(failure.message, /^the wal failed \(WAL write or fsync failed: ENOSPC/);
  const lines: string[] = [];
  const exitCode = reportError(failure, { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream);
  assert.equal(exitCode, exitDatabaseFailed);
  assert.equal(exitDatabaseFailed, 4);
  assert.match(lines.join(''), /^stemedb: DATABASE_FAILED: the wal failed .*ENOSPC.*restart/);
});

test('with stay, a WAL failure is reported and serving goes on until a signal', async (t) => {
  const { db, fileSystem } = await failingDb(t);
  const stop = new AbortController();
  const stayed: DatabaseFailure[] = [];
  let ended = false;
  const until = serveUntil(stop.signal, db, 'stay', (failure) => stayed.push(failure)).finally(() => (ended = true));
  fileSystem.failOn('datasync', 'ENOSPC');
  await assert.rejects(db.assert(record(1)), { code: 'WAL_FAILED' });
  await db.failed;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stayed.length, 1);
  assert.equal(stayed[0]!.part, 'wal');
  assert.equal(ended, false);
  stop.abort('SIGTERM');
  assert.equal(await until, undefined);
});

const urlPattern = /at (http:\/\/127\.0\.0\.1:\d+) /;

/** serve on a data directory inside a fresh tmpfs of `bytes`; undefined where mounting is refused. */
async function serveOnTmpfs(t: TestContext, bytes: number, args: string[]) {
  const mounted = mountTmpfs(t, '', bytes);
  if (!mounted.ok) {
    t.skip(mounted.reason);
    return undefined;
  }
  const data = path.join(mounted.dir, 'data');
  const child = spawnStemedb(data, ['serve', '--port', '0', '--log-level', 'warn', ...args]);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  await waitForOutput(child, /\n {2}curl \S+\/v1\/stats\n/);
  const url = urlPattern.exec(stdout)?.[1];
  assert.ok(url, stdout);
  return { child, url, data, grow: mounted.grow, stderr: () => stderr };
}

/** 16 clients write ~1 KB assertions until the first refusal each; resolves the acknowledged hashes and the refusals. */
async function fillDisk(url: string): Promise<{ acked: string[]; refusals: Array<{ status: number; code: string; message: string }> }> {
  const acked: string[] = [];
  const refusals: Array<{ status: number; code: string; message: string }> = [];
  let next = 0;
  const client = async (): Promise<void> => {
    for (;;) {
      let response: Response;
      try {
        response = await fetch(`${url}/v1/assertions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record(next++)) });
      } catch {
        return; // the server exited: this write was not acknowledged
      }
      const body = (await response.json()) as { hash?: string; error?: { code: string; message: string } };
      if (response.status !== 201) {
        refusals.push({ status: response.status, code: body.error?.code ?? '', message: body.error?.message ?? '' });
        return;
      }
      acked.push(body.hash!);
    }
  };
  await Promise.all(Array.from({ length: 16 }, client));
  return { acked, refusals };
}

function assertAllThere(data: string, acked: string[]): void {
  const verify = stemedb(data, ['verify']);
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  const exported = stemedb(data, ['export']);
  assert.equal(exported.status, 0, exported.stderr);
  const hashes = new Set(ndjson(exported.stdout).map((line) => (line as { hash: string }).hash));
  const missing = acked.filter((hash) => !hashes.has(hash));
  assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged records are missing`);
}

test('serve on a disk that fills: writes are refused with WAL_FAILED, serve exits 4, and after space returns everything acknowledged is there', async (t) => {
  const served = await serveOnTmpfs(t, 6 * MiB, []);
  if (served === undefined) return;
  const { acked, refusals } = await fillDisk(served.url);
  assert.ok(acked.length > 100, `only ${acked.length} writes acknowledged`);
  // A client may see its write refused, or (when the WAL failed in a zero fill, between
  // writes) find the server stopping or gone: never an acknowledgement that is then lost.
  for (const refusal of refusals) {
    assert.equal(refusal.status, 503);
    assert.ok(['WAL_FAILED', 'SHUTTING_DOWN'].includes(refusal.code), refusal.code);
    if (refusal.code === 'WAL_FAILED') assert.match(refusal.message, /ENOSPC/);
  }
  assert.equal(await exitOf(served.child), exitDatabaseFailed, served.stderr());
  assert.match(served.stderr(), /\nstemedb: DATABASE_FAILED: the wal failed .*ENOSPC/);
  const fatal = served.stderr().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string });
  assert.ok(fatal.some((entry) => entry.level === 60 && /ENOSPC/.test(entry.msg)), 'the cause is logged at fatal level');

  served.grow(256 * MiB);
  assertAllThere(served.data, acked);
});

test('serve --on-wal-failure=stay on a full disk keeps serving reads, with 503 on writes and on /v1/health', async (t) => {
  const served = await serveOnTmpfs(t, 6 * MiB, ['--on-wal-failure', 'stay']);
  if (served === undefined) return;
  const { acked, refusals } = await fillDisk(served.url);
  assert.ok(refusals.length > 0 && refusals.every((refusal) => refusal.code === 'WAL_FAILED'), JSON.stringify(refusals.slice(0, 3)));
  const health = await fetch(`${served.url}/v1/health`);
  assert.equal(health.status, 503);
  const body = (await health.json()) as { writable: boolean; wal: { status: string; error: string }; reasons: string[] };
  assert.equal(body.writable, false);
  assert.equal(body.wal.status, 'failed');
  assert.match(body.wal.error, /ENOSPC/);
  assert.equal((await fetch(`${served.url}/v1/health/live`)).status, 200);
  assert.equal((await fetch(`${served.url}/v1/assertions/${acked[acked.length - 1]!}`)).status, 200);
  assert.equal(served.child.exitCode, null, 'still serving');
  served.child.kill('SIGTERM');
  assert.equal(await exitOf(served.child), 0, served.stderr());
  served.grow(256 * MiB);
  assertAllThere(served.data, acked);
});

test('with exit, ingest failing for good ends serving with DATABASE_FAILED for the ingest, and a reopen recovers every write', async (t) => {
  // A real full KV file system (where mounting is allowed): LMDB commits fail; with two attempts
  // allowed, ingest stops for good, db.failed names it, and serveUntil ends with exit code 4.
  const kv = mountTmpfs(t, 'kv', 512 * KiB);
  if (!kv.ok) return t.skip(kv.reason);
  const db = await StemeDB.open(kv.dir, { log: () => undefined, ingestAttemptsMax: 2, ingestRetryDelayMsMin: 5 });
  const until = serveUntil(new AbortController().signal, db, 'exit', () => assert.fail('not staying'));
  const written: string[] = [];
  let ended: CliError | undefined;
  void until.then((failure) => (ended = failure));
  for (let batch = 0; batch < 40 && ended === undefined; batch++) {
    const records = Array.from({ length: 100 }, (_, i) => ({ type: 'assertion', ...record(batch * 100 + i) }));
    try {
      for (const { hash } of await db.appendBatch(records, { visible: false })) written.push(hash);
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'STORAGE', 'a write refused once ingest has failed says so'); // durable, not ingested
    }
  }
  const failure = await until;
  assert.ok(failure instanceof CliError);
  assert.equal(failure.code, 'DATABASE_FAILED');
  assert.match(failure.message, /^the ingest failed \(ingest stopped after 2 failed attempts/);
  assert.equal(db.health().ingest.status, 'failed');
  assert.equal(db.stats().deadLetters, 0);
  kv.grow(256 * MiB);
  await db.close();
  // What a supervisor does: restart. Everything acknowledged is there.
  const reopened = await StemeDB.open(kv.dir, { log: () => undefined });
  t.after(() => reopened.close());
  for (const hash of written) assert.equal(reopened.get(hash)?.type, 'assertion', hash);
  assert.equal((await reopened.verify()).ok, true);
});
