// The single-writer lock: a LOCK file created with O_EXCL holding the owner's pid and, on
// Linux, its start time. A lock whose owner is gone (killed, crashed) is stale and is taken
// over; the start time stops a recycled pid from keeping a dead owner's lock alive.
import fs from 'node:fs';
import path from 'node:path';
import { LockedError } from '../errors.js';

export const lockFileName = 'LOCK';

interface LockOwner {
  pid: number;
  startTime: string;
}

/** The process's start time in clock ticks since boot (Linux), or '' where unavailable. */
function processStartTime(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may contain spaces, so count after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

function isAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTime === '') return true;
  const now = processStartTime(owner.pid);
  return now === '' || now === owner.startTime;
}

function readOwner(lockPath: string): LockOwner | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [pidText = '', startTime = ''] = text.trim().split(' ');
  const pid = Number(pidText);
  // An unreadable lock (torn write at creation) has no live owner to protect.
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, startTime } : { pid: 0, startTime: '' };
}

function tryCreate(lockPath: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, `${process.pid} ${processStartTime(process.pid)}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

export interface Lock {
  readonly path: string;
  release(): void;
}

/** Takes the lock in `dir`, or throws LockedError naming the live holder's pid. */
export function acquireLock(dir: string): Lock {
  const lockPath = path.join(dir, lockFileName);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(lockPath)) {
      return { path: lockPath, release: () => fs.rmSync(lockPath, { force: true }) };
    }
    const owner = readOwner(lockPath);
    if (owner === undefined) continue;
    if (owner.pid > 0 && isAlive(owner)) throw new LockedError(lockPath, owner.pid);
    // Stale: its owner is gone. Remove it and race for O_EXCL again; one process wins.
    fs.rmSync(lockPath, { force: true });
  }
  const owner = readOwner(lockPath);
  throw new LockedError(lockPath, owner?.pid ?? 0);
}
