// SIGKILL during concurrent writes (assertions, votes, retractions, supersessions) through
// the facade. After every kill: every acknowledged record is queryable after reopen, every
// acknowledged retraction or supersession has taken its target out of `live` (the first
// change in log order decides), and the KV content, the claims indexes included, equals what
// rebuild() produces from the WAL alone.
// Cycles: STEMEDB_CRASH_CYCLES (default 20; `npm run soak` runs hundreds).
// The kill delays and each child's run id (what its records hold) come from the test seed
// (test/support/seed.ts), so a seed replays the same delays and record contents; how far the
// child gets before each kill depends on the machine's timing, which no seed can replay.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { StemeDB } from '../../src/index.js';
import { testRandom } from '../support/seed.js';
import type { AssertionResult } from '../../src/db/claims.js';
import { dumpKv } from '../support/kv-dump.js';
import { tempDir } from '../support/temp-dir.js';

const cycles = Number(process.env.STEMEDB_CRASH_CYCLES ?? 20);
const cyclesPerDir = 25; // bounds the data a rebuild re-ingests in long soaks
const writerPath = fileURLToPath(new URL('./fixtures/crash-writer.js', import.meta.url));

/** An acknowledged retraction or supersession: `hash`, logged at `lsn`, changes `target`. */
interface Change {
  hash: string;
  lsn: number;
  kind: 'retracts' | 'supersedes';
  target: string;
}

/** What a killed writer acknowledged: every record's hash, and the status changes among them. */
interface Acked {
  hashes: string[];
  changes: Change[];
}

function parseAcks(lines: string[]): Acked {
  const acked: Acked = { hashes: [], changes: [] };
  for (const line of lines) {
    if (!line.startsWith('ACK ')) continue;
    const [hash, lsn, kind, target] = line.slice(4).split(' ');
    acked.hashes.push(hash!);
    if (kind === 'retracts' || kind === 'supersedes') acked.changes.push({ hash: hash!, lsn: Number(lsn), kind, target: target! });
  }
  return acked;
}

/** Runs the writer until READY, lets it write for `runMs`, SIGKILLs it; returns what it acknowledged. */
function runAndKill(dir: string, runId: string, runMs: number): Promise<Acked> {
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
      resolve(parseAcks(output.split('\n').slice(0, -1))); // the last piece may be a torn line
    });
  });
}

/**
 * Each target's first retraction or supersession in log order, read from its subject's
 * history (which lists the unacknowledged but logged ones too).
 */
function firstChanges(db: StemeDB, targets: Iterable<string>): Map<string, { hash: string; lsn: number; kind: 'retracted' | 'superseded' }> {
  const subjects = new Set<string>();
  for (const target of targets) subjects.add((db.get(target) as AssertionResult).subject);
  const first = new Map<string, { hash: string; lsn: number; kind: 'retracted' | 'superseded' }>();
  for (const subject of subjects) {
    let cursor: string | undefined;
    do {
      const page = db.history(subject, { limit: 1000, ...(cursor !== undefined && { cursor }) });
      for (const { hash, lsn, record } of page.items) {
        const target = record.type === 'retraction' ? record.assertion : record.type === 'assertion' ? record.supersedes : undefined;
        if (target !== undefined && !first.has(target)) first.set(target, { hash, lsn, kind: record.type === 'retraction' ? 'retracted' : 'superseded' });
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  return first;
}

/** Every acknowledged change took its target out of `live`, and the first change in log order decides its status. */
function checkChanges(db: StemeDB, changes: readonly Change[], where: string): void {
  const first = firstChanges(db, changes.map((c) => c.target));
  for (const change of changes) {
    const target = db.get(change.target) as AssertionResult;
    const decided = first.get(change.target);
    assert.ok(decided !== undefined && decided.lsn <= change.lsn, `${where}: ${change.hash} ${change.kind} ${change.target}, but the history has no change of it by LSN ${change.lsn}`);
    assert.equal(target.status, decided.kind, `${where}: the status of ${change.target}`);
    assert.equal(target.retractedBy ?? target.supersededBy, decided.hash, `${where}: ${change.target} is changed by its first change in log order`);
  }
}

test(`acknowledged writes survive SIGKILL (${cycles} cycles)`, { timeout: 30 * 60_000 }, async (t) => {
  let dir = '';
  let acked: string[] = [];
  let changes: Change[] = [];
  let total = 0;
  const random = testRandom('db crash');
  for (let cycle = 0; cycle < cycles; cycle++) {
    if (cycle % cyclesPerDir === 0) {
      dir = tempDir(t);
      acked = [];
      changes = [];
    }
    const runMs = random.int(50, 400);
    // Unique per cycle, so no cycle re-sends an earlier one's records; drawn, so seeds differ.
    const runId = `${cycle}.${random.int(0, 2 ** 31)}`;
    const run = await runAndKill(dir, runId, runMs);
    acked.push(...run.hashes);
    changes.push(...run.changes);

    const db = await StemeDB.open(dir, { log: () => undefined });
    const missing = acked.filter((hash) => db.get(hash) === undefined);
    assert.deepEqual(missing, [], `cycle ${cycle}: acknowledged records missing after reopen`);
    checkChanges(db, changes, `cycle ${cycle}`);
    const { hash } = await db.assert({ subject: 'after-crash', predicate: 'cycle', object: cycle, source: 'test' });
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
  t.diagnostic(`${cycles} kill cycles; ${total} acknowledged records (${changes.length} retractions and supersessions) checked in the last directory`);
});
