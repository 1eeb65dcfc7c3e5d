// A real, small file system for disk-full tests: a tmpfs mounted on a fresh directory (needs
// root, or CAP_SYS_ADMIN). Where mounting is refused, mountTmpfs says why and the caller skips:
// the same failures are injected through the FileSystem seam in the tests that always run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export type Mounted = { ok: true; dir: string; grow: (bytes: number) => void } | { ok: false; reason: string };

function run(args: string[]): string | undefined {
  const result = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (result.error !== undefined) return result.error.message;
  return result.status === 0 ? undefined : `${args.join(' ')}: ${result.stderr.trim()}`;
}

/**
 * A fresh temporary directory `dir` with a tmpfs of `bytes` mounted on `dir/sub` (on `dir`
 * itself when `sub` is ''). When the test ends it is unmounted, then the directory removed.
 */
export function mountTmpfs(t: TestContext, sub: string, bytes: number): Mounted {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-tmpfs-'));
  const dir = path.join(root, sub);
  fs.mkdirSync(dir, { recursive: true });
  const refused = run(['mount', '-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  // Lazy: a child process that still holds a file there must not make the unmount fail.
  t.after(() => {
    if (refused === undefined) run(['umount', '-l', dir]);
    fs.rmSync(root, { recursive: true, force: true });
  });
  if (refused !== undefined) return { ok: false, reason: `cannot mount a tmpfs (${refused})` };
  return {
    ok: true,
    dir: root,
    grow: (size) => {
      const failed = run(['mount', '-o', `remount,size=${size}`, dir]);
      if (failed !== undefined) throw new Error(failed);
    },
  };
}
