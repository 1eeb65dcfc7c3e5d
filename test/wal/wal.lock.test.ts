// The single-writer lock across processes: a live holder's lock is refused with LOCKED naming
// its pid, in this process and in another; a killed holder's lock, garbage, a dead pid and a
// recycled pid are stale and taken over; and of processes racing to open, one holds at a time.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LockedError } from '../../src/errors.js';
import { Wal } from '../../src/wal/index.js';
import { tempDir } from '../support/temp-dir.js';

const fixturePath = fileURLToPath(new URL('./fixtures/hold-lock.js', import.meta.url));
const racersCount = 8;
/** Each round a fresh directory; the races these catch are narrow, so run several. */
const raceRounds = 5;

interface TryResult {
  code: string;
  pid?: number;
  atMs?: number;
}

function open(dir: string): Promise<Wal> {
  return Wal.open({ dir, sync: 'always', recovery: 'tolerate-tail', log: () => undefined });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** Starts a child that holds the WAL lock in `dir`; resolves once it printed READY. */
async function startHolder(t: TestContext, dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixturePath, 'hold', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('READY\n')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`lock holder exited with ${code ?? signal} before READY`)));
  });
  return child;
}

/** Runs a child that tries to open `dir` once; resolves the JSON lines it printed. */
function runTry(dir: string, startAtMs = 0, holdMs = 0): Promise<TryResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixturePath, 'try', dir, String(startAtMs), String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`lock tryer exited with ${code}: ${output}`));
      resolve(output.trim().split('\n').map((line) => JSON.parse(line) as TryResult));
    });
  });
}

/** The pid of a process that has just exited (so, almost surely, no process has it now). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await exited(child);
  assert.throws(() => process.kill(child.pid!, 0), { code: 'ESRCH' });
  return child.pid!;
}

/** Lock files are LOCK.<pid>.<start-time>.<nonce>: the pids of those in `dir`. */
function lockOwnerPids(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .map((name) => /^LOCK\.(\d+)\.\d+\.[0-9a-f]+$/.exec(name))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]));
}

function writeLockFile(dir: string, pid: number, startTime: number): void {
  fs.writeFileSync(path.join(dir, `LOCK.${pid}.${startTime}.abcdef`), '');
}

function isLockedBy(pid: number) {
  return (error: unknown): boolean => error instanceof LockedError && error.code === 'LOCKED' && error.pid === pid;
}

/** Opens `dir`, checks the lock now names this process, appends, closes; the LOCK file goes. */
async function assertTakenOver(dir: string): Promise<void> {
  const wal = await open(dir);
  assert.deepEqual(lockOwnerPids(dir), [process.pid], 'the only lock file names the new owner');
  await wal.append(Buffer.from('after takeover'));
  await wal.close();
  assert.deepEqual(lockOwnerPids(dir), [], 'close removes the lock file');
}

describe('a live holder keeps the lock', () => {
  test('opening in this process fails with LOCKED naming the holder pid', async (t) => {
    const dir = tempDir(t);
    const holder = await startHolder(t, dir);
    await assert.rejects(open(dir), isLockedBy(holder.pid!));
  });

  test('opening in another process fails with LOCKED naming the holder pid', async (t) => {
    const dir = tempDir(t);
    const holder = await startHolder(t, dir);
    assert.deepEqual(await runTry(dir), [{ code: 'LOCKED', pid: holder.pid }]);
  });

  test('a second open in this process fails with LOCKED naming this process', async (t) => {
    const dir = tempDir(t);
    const wal = await open(dir);
    t.after(() => wal.close());
    await assert.rejects(open(dir), isLockedBy(process.pid));
  });

  test('the lock file of a live pid with no start time recorded is respected', async (t) => {
    const dir = tempDir(t);
    const holder = await startHolder(t, dir);
    writeLockFile(dir, holder.pid!, 0);
    await assert.rejects(open(dir), isLockedBy(holder.pid!));
  });
});

describe('a stale lock is taken over', () => {
  test('after the holder is SIGKILLed, the next open succeeds', async (t) => {
    const dir = tempDir(t);
    const holder = await startHolder(t, dir);
    await assert.rejects(open(dir), isLockedBy(holder.pid!));
    holder.kill('SIGKILL');
    await exited(holder);
    assert.deepEqual(lockOwnerPids(dir), [holder.pid], 'the killed holder left its lock file behind');
    await assertTakenOver(dir);
  });

  test('after the holder is SIGKILLed, another process opens it', async (t) => {
    const dir = tempDir(t);
    const holder = await startHolder(t, dir);
    holder.kill('SIGKILL');
    await exited(holder);
    const [result] = await runTry(dir);
    assert.equal(result?.code, 'OPENED');
  });

  test('a lock file with a garbage name is ignored and left alone', async (t) => {
    const dir = tempDir(t);
    await (await open(dir)).close();
    fs.writeFileSync(path.join(dir, 'LOCK.not-a-pid'), 'garbage');
    fs.writeFileSync(path.join(dir, 'LOCK'), 'an old-style lock file');
    await assertTakenOver(dir);
    assert.ok(fs.existsSync(path.join(dir, 'LOCK.not-a-pid')));
  });

  test('a lock file naming a pid that does not exist', async (t) => {
    const dir = tempDir(t);
    await (await open(dir)).close();
    writeLockFile(dir, await deadPid(), 12345);
    await assertTakenOver(dir);
  });

  test('a lock file naming a pid that does not exist, with no start time', async (t) => {
    const dir = tempDir(t);
    writeLockFile(dir, await deadPid(), 0);
    await assertTakenOver(dir);
  });

  test('a lock file naming a live pid with another start time (a recycled pid)', { skip: !fs.existsSync('/proc/self/stat') && 'needs /proc' }, async (t) => {
    const dir = tempDir(t);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    t.after(() => other.kill('SIGKILL'));
    assert.ok(other.pid !== undefined && other.exitCode === null, 'the other process is running');
    writeLockFile(dir, other.pid!, 1);
    await assertTakenOver(dir);
  });
});

describe('processes racing to open', () => {
  for (const start of ['no lock file', 'a stale lock file'] as const) {
    test(`with ${start}, at most one holds the lock at any time (${racersCount} processes, ${raceRounds} rounds)`, async (t) => {
      for (let round = 0; round < raceRounds; round++) {
        const dir = tempDir(t);
        if (start === 'a stale lock file') writeLockFile(dir, await deadPid(), 1);
        // Start together after every racer has booted; holders keep the lock long enough to overlap.
        const startAtMs = Date.now() + 800;
        const results = await Promise.all(Array.from({ length: racersCount }, () => runTry(dir, startAtMs, 600)));
        const holds = results
          .filter((lines) => lines[0]?.code === 'OPENED')
          .map((lines) => ({ pid: lines[0]!.pid, fromMs: lines[0]!.atMs!, toMs: lines[1]?.atMs ?? Infinity }))
          .sort((a, b) => a.fromMs - b.fromMs);
        const overlaps = holds.filter((hold, i) => i > 0 && hold.fromMs < holds[i - 1]!.toMs);
        assert.deepEqual(overlaps, [], `round ${round}: processes held the lock at the same time: ${JSON.stringify(results)}`);
        for (const lines of results) {
          assert.ok(['OPENED', 'LOCKED'].includes(lines[0]!.code), `round ${round}: a racer failed otherwise: ${JSON.stringify(lines)}`);
          if (lines[0]!.code === 'LOCKED') assert.ok(lines[0]!.pid! > 0, `round ${round}: LOCKED names no holder: ${JSON.stringify(lines)}`);
        }
      }
    });
  }
});
