// SIGKILL during concurrent writes through the facade. After every kill: every acknowledged
// record is queryable after reopen, and the KV content equals what rebuild() produces from
// the WAL alone. Cycles: STEMEDB_CRASH_CYCLES (default 20; `npm run soak` runs hundreds).
// The kill delays and each child's run id (what its records hold) come from the test seed
// (test/support/seed.ts), so a seed replays the same delays and record contents; how far the
// child gets before each kill depends on the machine's timing, which no seed can replay.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { StemeDB } from '../../src/index.js';
import { dumpKv } from '../support/kv-dump.js';
import { testRandom, testSeed } from '../support/seed.js';
import { tempDir } from '../support/temp-dir.js';

const cycles = Number(process.env.STEMEDB_CRASH_CYCLES ?? 20);
const cyclesPerDir = 25; // bounds the data a rebuild re-ingests in long soaks
const writerPath = fileURLToPath(new URL('./fixtures/crash-writer.js', import.meta.url));

/** Runs the writer until READY, lets it write for `runMs`, SIGKILLs it; returns the acked hashes. */
function runAndKill(dir: string, runId: string, runMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerPath, dir, runId], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!output.includes('READY') && (output + chunk).includes('READY')) setTimeout(() => child.kill('SIGKILL'), runMs);
      output += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code ?? signal} before it was killed`));
      const lines = output.split('\n').slice(0, -1); // the last piece may be a torn line
      resolve(lines.filter((line) => line.startsWith('ACK ')).map((line) => line.slice(4)));
    });
  });
}

test(`acknowledged writes survive SIGKILL (${cycles} cycles)`, { timeout: 30 * 60_000 }, async (t) => {
  let dir = '';
  let acked: string[] = [];
  let total = 0;
  const random = testRandom('db crash');
  for (let cycle = 0; cycle < cycles; cycle++) {
    if (cycle % cyclesPerDir === 0) {
      dir = tempDir(t);
      acked = [];
    }
    const runMs = random.int(50, 400);
    // Unique per cycle, so no cycle re-sends an earlier one's records; drawn, so seeds differ.
    const runId = `${cycle}.${random.int(0, 2 ** 31)}`;
    acked.push(...(await runAndKill(dir, runId, runMs)));

    const db = await StemeDB.open(dir, { log: () => undefined });
    const missing = acked.filter((hash) => db.get(hash) === undefined);
    assert.deepEqual(missing, [], `cycle ${cycle}: acknowledged records missing after reopen`);
    const { hash } = await db.assert({ subject: 'after-crash', predicate: 'cycle', object: cycle, source: 'test', createdAt: cycle });
    assert.ok(db.get(hash), 'writes continue after recovery');
    acked.push(hash);
    await db.close();

    const recovered = await dumpKv(dir);
    const rebuiltDb = await StemeDB.open(dir, { log: () => undefined });
    await rebuiltDb.rebuild();
    await rebuiltDb.close();
    assert.deepEqual(await dumpKv(dir), recovered, `cycle ${cycle}: KV content differs from a rebuild from the WAL`);
    total = acked.length;
  }
  t.diagnostic(`${cycles} kill cycles; ${total} acknowledged records checked in the last directory; STEMEDB_TEST_SEED=${testSeed()}`);
});
