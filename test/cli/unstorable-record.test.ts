// Defence in depth, through the real bin and real LMDB: a record the KV store cannot hold
// never stops a node. The store here is an LMDB environment with 4 KiB pages (what StemeDB
// created before it set a page size), which caps keys at 1,978 bytes; a subject of 1,024 NULs
// makes a 2,100-byte S: key. `serve` (killed with SIGKILL between runs) still opens, serves
// reads, names the record in /v1/health and ingests later writes; `stemedb verify` reports it;
// moving kv/ aside (the recovery docs/operations.md gives) stores it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { open } from 'lmdb';
import type { Health, StemeStats } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { exitOf, spawnStemedb, stemedb, waitForOutput } from './fixtures/cli.js';

const urlPattern = /at (http:\/\/127\.0\.0\.1:\d+) /;
const nulSubject = '\u0000'.repeat(1024);

async function serve(t: TestContext, data: string) {
  const child = spawnStemedb(data, ['serve', '--port', '0', '--log-level', 'warn']);
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
  return { child, url, stderr: () => stderr };
}

async function kill(child: ReturnType<typeof spawnStemedb>): Promise<void> {
  child.kill('SIGKILL');
  await exitOf(child);
}

async function post(url: string, body: unknown): Promise<{ hash: string; lsn: number }> {
  const response = await fetch(`${url}/v1/assertions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as { hash: string; lsn: number };
}

/** Waits until ingest has applied everything logged (the overlay no longer answers for it). */
async function ingested(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const stats = (await (await fetch(`${url}/v1/stats`)).json()) as StemeStats;
    if (stats.ingest.lagBytes === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail('ingest did not catch up');
}

/** Replaces kv/ with an empty LMDB environment of 4 KiB pages, as an older StemeDB created it. */
async function smallPageStore(data: string): Promise<void> {
  const kv = path.join(data, 'kv');
  fs.rmSync(kv, { recursive: true, force: true });
  const env = open({ path: kv, pageSize: 4096, keyEncoding: 'binary', encoding: 'binary' });
  await env.close();
}

test('a record the store refuses is a dead letter named by health and verify; the node opens, reads and ingests on, and recovers once kv/ is rebuilt', async (t) => {
  const data = tempDir(t);
  const first = await serve(t, data);
  const water = await post(first.url, { subject: 'water', predicate: 'boils-at', object: 100, source: 'physics', createdAt: 1 });
  const nul = await post(first.url, { subject: nulSubject, predicate: 'p', object: 1, source: 's', createdAt: 2 });
  assert.equal((await fetch(`${first.url}/v1/assertions/${nul.hash}`)).status, 200, 'stored where the store takes the key (8 KiB pages)');
  await kill(first.child);

  await smallPageStore(data);
  const second = await serve(t, data); // re-ingests the whole WAL into the 4 KiB-page store
  assert.match(second.stderr(), /takes keys of at most 1978 bytes, but the layout builds keys of up to 2151/);
  const health = await fetch(`${second.url}/v1/health`);
  const text = await health.text();
  assert.equal(health.status, 200, 'writable: degraded, not unavailable');
  assert.ok(!text.includes(data), 'health names no absolute path');
  const body = JSON.parse(text) as Health;
  assert.equal(body.status, 'degraded');
  assert.deepEqual(body.storage, { status: 'limited', keyBytesMax: 1978, keyBytesNeeded: 2151 });
  assert.deepEqual(body.deadLetters, {
    status: 'present',
    count: 1,
    first: [{ lsn: nul.lsn, hash: nul.hash, kind: 'unstorable', reason: 'the KV store refused its S: key: 2100 bytes, and it takes keys of at most 1978' }],
  });
  assert.ok(body.reasons.some((reason) => reason.startsWith(`dead letters: 1 logged record was not stored; the first, at LSN ${nul.lsn} (${nul.hash})`)), body.reasons.join('\n'));
  assert.equal((await fetch(`${second.url}/v1/assertions/${water.hash}`)).status, 200, 'reads are served');
  assert.equal((await fetch(`${second.url}/v1/assertions/${nul.hash}`)).status, 404);
  const later = await post(second.url, { subject: 'water', predicate: 'freezes-at', object: 0, source: 'physics', createdAt: 3 });
  await ingested(second.url);
  assert.equal((await fetch(`${second.url}/v1/assertions/${later.hash}`)).status, 200, 'later records are ingested');
  const stats = (await (await fetch(`${second.url}/v1/stats`)).json()) as StemeStats;
  assert.deepEqual([stats.records.assertions, stats.deadLetters, stats.ingest.status], [2, 1, 'ok']);
  await kill(second.child);

  const verify = stemedb(data, ['verify']);
  assert.equal(verify.status, 1, verify.stdout + verify.stderr);
  assert.match(verify.stdout, new RegExp(`DEAD LETTERS: 1 logged payload not stored .*\\n  LSN ${nul.lsn} ${nul.hash}: unstorable: the KV store refused its S: key`));
  assert.match(verify.stdout, new RegExp(`assertion ${nul.hash} at byte ${nul.lsn}: logged record is not stored: a dead letter \\(unstorable\\)`));

  // Recovery: move kv/ aside; open rebuilds it from the WAL with 8 KiB pages.
  fs.renameSync(path.join(data, 'kv'), path.join(data, 'kv.old'));
  const clean = stemedb(data, ['verify']);
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  const third = await serve(t, data);
  for (const { hash } of [water, nul, later]) assert.equal((await fetch(`${third.url}/v1/assertions/${hash}`)).status, 200, hash);
  const healed = (await (await fetch(`${third.url}/v1/health`)).json()) as Health;
  assert.deepEqual([healed.status, healed.deadLetters.count, healed.storage.status], ['ok', 0, 'ok']);
  third.child.kill('SIGTERM');
  assert.equal(await exitOf(third.child), 0);
});
