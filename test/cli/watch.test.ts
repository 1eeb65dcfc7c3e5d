// `stemedb watch` through the real bin: on the database directory it prints the existing
// changes and then waits; with --url it follows a running server and prints new changes as they
// are written; Ctrl-C (SIGINT) exits 0; a bad cursor exits 1 with INVALID_CURSOR.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { tempDir } from '../support/temp-dir.js';
import { CliError, type CliErrorCode } from '../../src/cli/errors.js';
import { reportError } from '../../src/cli/report-error.js';
import { openStream } from '../server/support/raw-http.js';
import { exitOf, ndjson, spawnStemedb, stemedb, waitForOutput } from './fixtures/cli.js';

function spawned(t: TestContext, data: string, args: string[]): ChildProcessWithoutNullStreams {
  const child = spawnStemedb(data, args);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

function collect(child: ChildProcessWithoutNullStreams): () => string {
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  return () => stdout;
}

test('watch on the directory prints every change after since, waits, and exits 0 on SIGINT', async (t) => {
  const data = tempDir(t);
  const first = stemedb(data, ['--json', 'assert', '--subject', 'city:oslo', '--predicate', 'population', '--object', '709037', '--source', 'ssb']);
  assert.equal(first.status, 0, first.stderr);
  const second = stemedb(data, ['--json', 'assert', '--subject', 'city:paris', '--predicate', 'population', '--object', '2148000', '--source', 'insee']);
  const { lsn } = JSON.parse(first.stdout) as { lsn: number };
  const child = spawned(t, data, ['--json', 'watch', '--since', String(lsn)]);
  const stdout = collect(child);
  await waitForOutput(child, /\n/);
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
  const changes = ndjson(stdout()) as Array<{ hash: string; record: { subject: string } }>;
  assert.deepEqual(changes.map((c) => c.hash), [(JSON.parse(second.stdout) as { hash: string }).hash]);
  assert.equal(changes[0]!.record.subject, 'city:paris');
});

test('watch --url follows a running server: new changes print as they are written, filtered; SIGINT exits 0', async (t) => {
  const data = tempDir(t);
  const server = spawned(t, data, ['serve', '--port', '0', '--log-level', 'warn', '--json']);
  const [line] = await waitForOutput(server, /\{.*\}\n/);
  const { url } = JSON.parse(line) as { url: string };
  const watcher = spawned(t, tempDir(t), ['watch', '--url', url, '--since', 'now', '--types', 'assertion', '--subject', 'city:oslo']);
  const stdout = collect(watcher);
  // Give the watcher time to connect: --since now starts where the log is when it does.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const subject of ['city:paris', 'city:oslo']) {
    const posted = await fetch(`${url}/v1/assertions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject, predicate: 'population', object: 1, source: 'test' }) });
    assert.equal(posted.status, 201);
  }
  await waitForOutput(watcher, /city:oslo/);
  watcher.kill('SIGINT');
  assert.equal(await exitOf(watcher), 0);
  const lines = stdout().split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, stdout());
  assert.match(lines[0]!, /^\d+\tassertion\t[0-9a-f]{64}\tcity:oslo population = 1 \(test\)$/);
  server.kill('SIGTERM');
  assert.equal(await exitOf(server), 0);
});

test('watch with a since beyond the end exits 1 with INVALID_CURSOR', (t) => {
  const data = tempDir(t);
  const result = stemedb(data, ['watch', '--since', '99999999']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: INVALID_CURSOR: /);
});

test('watch --url refused for load (429 TOO_MANY_STREAMS) says so and retries after Retry-After, then follows', async (t) => {
  const data = tempDir(t);
  const server = spawned(t, data, ['serve', '--port', '0', '--log-level', 'warn', '--json', '--streams-per-client-max', '1']);
  const [line] = await waitForOutput(server, /\{.*\}\n/);
  const { url } = JSON.parse(line) as { url: string };
  const held = await openStream(url, '/v1/changes?since=now', { accept: 'text/event-stream' });
  assert.equal(held.status, 200);
  const watcher = spawned(t, tempDir(t), ['watch', '--url', url, '--since', '0']);
  const stdout = collect(watcher);
  let stderr = '';
  watcher.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  for (let i = 0; i < 200 && !/TOO_MANY_STREAMS.*retrying in \d+ s\n/.test(stderr); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.match(stderr, /^stemedb: watch: TOO_MANY_STREAMS: .*; retrying in 5 s$/m);
  held.close();
  const posted = await fetch(`${url}/v1/assertions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'city:oslo', predicate: 'population', object: 1, source: 'test' }) });
  assert.equal(posted.status, 201);
  await waitForOutput(watcher, /city:oslo/, 20_000);
  watcher.kill('SIGINT');
  assert.equal(await exitOf(watcher), 0);
  assert.match(stdout(), /city:oslo population = 1 \(test\)/);
  server.kill('SIGTERM');
  assert.equal(await exitOf(server), 0);
});

test('a server refusal the CLI has no exit code for (watch passes on e.g. HOST_NOT_ALLOWED) exits 1, not 0', () => {
  const lines: string[] = [];
  const code = reportError(new CliError('HOST_NOT_ALLOWED' as CliErrorCode, 'this server does not answer to the Host "x"'), { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream);
  assert.equal(code, 1);
  assert.match(lines.join(''), /^stemedb: HOST_NOT_ALLOWED: /);
});
