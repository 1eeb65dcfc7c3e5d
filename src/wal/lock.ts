// The single-writer lock. Each opener creates its own empty file LOCK.<pid>.<start>.<nonce>
// (O_EXCL; the name carries the identity, so there is no content to tear), then lists the
// directory: it holds the lock only if no other live owner's file is there. Two openers that
// race both see each other and back off, so at most one ever holds it. A file whose owner is
// dead (no such pid, or the pid was recycled: another start time) is removed by anyone.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError } from '../errors.js';

const lockPrefix = 'LOCK.';
const lockNamePattern = /^LOCK\.(\d+)\.(\d+)\.([0-9a-f]+)$/;
const lockAttemptsMax = 4;
const lockBackoffMsMax = 20;

interface LockOwner {
  pid: number;
  /** Start time in clock ticks since boot (Linux); 0 where unknown. */
  startTime: number;
}

/** The process's start time from /proc/<pid>/stat (field 22), or 0 where unavailable. */
function processStartTime(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19] ?? 0) || 0;
  } catch {
    return 0;
  }
}

function isAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it is alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTime === 0) return true;
  const now = processStartTime(owner.pid);
  return now === 0 || now === owner.startTime;
}

function parseOwner(name: string): LockOwner | undefined {
  const match = lockNamePattern.exec(name);
  return match ? { pid: Number(match[1]), startTime: Number(match[2]) } : undefined;
}

/** Live owners' lock files other than `own`; dead owners' files are removed on the way. */
function liveOthers(dir: string, own: string): Array<{ file: string; owner: LockOwner }> {
  const live: Array<{ file: string; owner: LockOwner }> = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(lockPrefix) || name === own) continue;
    const owner = parseOwner(name);
    if (owner === undefined) continue; // not ours to judge or delete
    const file = path.join(dir, name);
    if (isAlive(owner)) live.push({ file, owner });
    else fs.rmSync(file, { force: true });
  }
  return live;
}

export interface Lock {
  readonly path: string;
  release(): void;
}

/** Takes the lock in `dir`, or throws LockedError naming the live holder's pid. */
export async function acquireLock(dir: string): Promise<Lock> {
  const own = `${lockPrefix}${process.pid}.${processStartTime(process.pid)}.${randomBytes(6).toString('hex')}`;
  const ownPath = path.join(dir, own);
  for (let attempt = 1; ; attempt++) {
    fs.writeFileSync(ownPath, '', { flag: 'wx' });
    const others = liveOthers(dir, own);
    if (others.length === 0) {
      return { path: ownPath, release: () => fs.rmSync(ownPath, { force: true }) };
    }
    fs.rmSync(ownPath, { force: true });
    if (attempt === lockAttemptsMax) throw new LockedError(others[0]!.file, others[0]!.owner.pid);
    // Maybe another opener raced us and both backed off: retry after a random pause.
    await sleep(1 + Math.random() * lockBackoffMsMax);
  }
}
