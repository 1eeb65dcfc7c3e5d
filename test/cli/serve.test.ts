// serve through the real bin: it prints its URL (port 0 picks a free one), answers HTTP,
// holds the lock (a second process exits 3 with LOCKED), and on SIGTERM finishes, closes
// the database and exits 0 with the data in place.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { tempDir } from '../support/temp-dir.js';
import { openStream, rawRequest } from '../server/support/raw-http.js';
import { exitOf, spawnStemedb, stemedb, waitForOutput } from './fixtures/cli.js';

const urlPattern = /at (http:\/\/127\.0\.0\.1:\d+) /;

/** Starts `serve --port 0` and resolves with its URL; the child is killed if the test fails. */
async function serve(t: TestContext, data: string, args: string[] = [], env: Record<string, string> = {}) {
  const child = spawnStemedb(data, ['serve', '--port', '0', '--log-level', 'warn', ...args], env);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  const [, url] = await waitForOutput(child, /\n {2}curl \S+\/v1\/stats\n/).then(() => urlPattern.exec(stdout) ?? []);
  assert.ok(url, stdout);
  return { child, url, stdout: () => stdout };
}

/** The curl commands among serve's output lines. */
function curlLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('  curl '))
    .map((line) => line.trim());
}

test('serve answers HTTP, and on SIGTERM exits 0 with the data in place', async (t) => {
  const data = tempDir(t);
  const { child, url } = await serve(t, data);
  const posted = await fetch(`${url}/v1/assertions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'city:oslo', predicate: 'population', object: 709037, source: 'test' }),
  });
  assert.equal(posted.status, 201);
  const { hash } = (await posted.json()) as { hash: string };
  const got = await fetch(`${url}/v1/assertions/${hash}`);
  assert.equal(got.status, 200);
  assert.equal(((await got.json()) as { record: { object: number } }).record.object, 709037);
  child.kill('SIGTERM');
  assert.equal(await exitOf(child), 0);
  const after = stemedb(data, ['get', hash]);
  assert.equal(after.status, 0, after.stderr);
  assert.equal((JSON.parse(after.stdout) as { subject: string }).subject, 'city:oslo');
});

test('a second process on a database that serve holds exits 3 with LOCKED', async (t) => {
  const data = tempDir(t);
  const { child } = await serve(t, data);
  const second = stemedb(data, ['stats']);
  assert.equal(second.status, 3);
  assert.match(second.stderr, new RegExp(`^stemedb: LOCKED: .* is held by process ${child.pid}\\n$`));
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
  assert.equal(stemedb(data, ['stats']).status, 0);
});

test('the curl examples serve prints work as printed, with the token', async (t) => {
  const data = tempDir(t);
  const { child, stdout } = await serve(t, data, [], { STEMEDB_TOKEN: "s3cret 'quoted'" });
  const printed = curlLines(stdout());
  assert.equal(printed.length, 4);
  assert.match(printed[0]!, /authorization: Bearer/);
  // The write, the subject query and the stats; the find example has its own test below.
  const commands = printed.filter((command) => !command.includes('/v1/assertions?'));
  assert.equal(commands.length, 3);
  const outputs = commands.map((command) => spawnSync('sh', ['-c', `${command} --silent --fail-with-body`], { encoding: 'utf8' }));
  outputs.forEach((result, i) => assert.equal(result.status, 0, `${commands[i]}: ${result.stdout}${result.stderr}`));
  assert.match(outputs[0]!.stdout, /"hash":"[0-9a-f]{64}"/);
  assert.equal((JSON.parse(outputs[1]!.stdout) as { items: unknown[] }).items.length, 1);
  assert.equal((JSON.parse(outputs[2]!.stdout) as { records: { assertions: number } }).records.assertions, 1);
  // Without the token, the same write is refused.
  const unauthorized = await fetch(commands[0]!.split(' ').pop()!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(unauthorized.status, 401);
  child.kill('SIGTERM');
  assert.equal(await exitOf(child), 0);
});

test('the printed find example asks for the sample\'s Paris by name, and finds it', async (t) => {
  const data = tempDir(t);
  // The 150 most populous cities include Paris, France (GeoNames 2988507).
  const { child, url, stdout } = await serve(t, data, ['--sample', '--sample-limit', '150']);
  const [find] = curlLines(stdout()).filter((command) => command.includes('/v1/assertions?'));
  assert.ok(find, stdout());
  // Quoted for the shell: the URL reaches curl whole, & and all.
  const argv = spawnSync('sh', ['-c', `curl() { printf '%s\\n' "$@"; }; ${find}`], { encoding: 'utf8' });
  assert.equal(argv.stdout, `${url}/v1/assertions?predicate=name&object=%22Paris%22\n`);
  const result = spawnSync('sh', ['-c', `${find} --silent --fail-with-body`], { encoding: 'utf8' });
  assert.equal(result.status, 0, `${find}: ${result.stdout}${result.stderr}`);
  const { items } = JSON.parse(result.stdout) as { items: Array<{ subject: string; object: unknown; status: string }> };
  assert.deepEqual(items.map((item) => [item.subject, item.object, item.status]), [['city:2988507', 'Paris', 'live']]);
  child.kill('SIGTERM');
  assert.equal(await exitOf(child), 0);
});

test('serve prints the explorer\'s address, which answers its page', async (t) => {
  const data = tempDir(t);
  const { child, url, stdout } = await serve(t, data);
  const [, printed] = /^explore it in a browser: (\S+)$/m.exec(stdout()) ?? [];
  assert.equal(printed, `${url}/`);
  const page = await fetch(printed);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await page.text(), /<title>StemeDB explorer<\/title>/);
  child.kill('SIGTERM');
  assert.equal(await exitOf(child), 0);
});

test('serve --sample loads the sample into an empty database before serving', async (t) => {
  const data = tempDir(t);
  const { child, url } = await serve(t, data, ['--sample', '--sample-limit', '100']);
  const stats = (await (await fetch(`${url}/v1/stats`)).json()) as { records: { assertions: number; epochs: number } };
  assert.equal(stats.records.epochs, 1);
  assert.ok(stats.records.assertions >= 300 && stats.records.assertions <= 400, String(stats.records.assertions));
  child.kill('SIGTERM');
  assert.equal(await exitOf(child), 0);
});

test('serve\'s limit flags reach the server: --allow-host names are answered and others refused, --streams-per-client-max caps streams, --rate-limit counts', async (t) => {
  const data = tempDir(t);
  const { child, url } = await serve(t, data, ['--allow-host', 'stemedb.test', '--streams-per-client-max', '1', '--rate-limit', '1000', '--request-timeout-ms', '5000']);
  const { port } = new URL(url);
  const status = async (host: string): Promise<number> => (await rawRequest(url, { path: '/v1/stats', headers: { host } })).status;
  assert.equal(await status(`127.0.0.1:${port}`), 200);
  assert.equal(await status(`stemedb.test:${port}`), 200);
  assert.equal(await status('stemedb.test'), 200);
  assert.equal(await status(`attacker.test:${port}`), 403);
  const stats = await fetch(`${url}/v1/stats`);
  assert.equal(stats.headers.get('x-ratelimit-limit'), '1000');
  const first = await openStream(url, '/v1/changes', { accept: 'text/event-stream' });
  assert.equal(first.status, 200);
  const second = await openStream(url, '/v1/changes', { accept: 'text/event-stream' });
  assert.equal(second.status, 429);
  first.close();
  child.kill('SIGTERM');
  assert.equal(await exitOf(child), 0);
});

test('serve refuses a malformed --allow-host, and --rate-limit-window-ms without --rate-limit, as usage errors (exit 2)', (t) => {
  const data = tempDir(t);
  for (const args of [['--allow-host', 'http://example.test'], ['--allow-host', 'example.test/path'], ['--rate-limit-window-ms', '1000'], ['--streams-max', '0']]) {
    const result = stemedb(data, ['serve', '--port', '0', ...args]);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
  }
});
