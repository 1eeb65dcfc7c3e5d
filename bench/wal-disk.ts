// Where the WAL benchmark writes: a directory on a real disk. os.tmpdir() is used unless it is
// a RAM file system (tmpfs, ramfs), where fdatasync costs nothing and every number would be
// meaningless; then a directory under the working directory is used instead. Either way the
// directory is fresh, and removed at exit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** statfs f_type magic numbers of the file systems worth naming in the output. */
const fileSystemNames: ReadonlyMap<number, string> = new Map([
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
  [0xef53, 'ext2/3/4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x794c7630, 'overlayfs'],
  [0x2fc12fc1, 'zfs'],
]);
const ramFileSystems = new Set(['tmpfs', 'ramfs']);

export interface BenchDisk {
  /** The fresh root directory every case makes its own directory under. */
  root: string;
  /** What file system the root is on, e.g. 'ext2/3/4' (or the statfs magic in hex). */
  fileSystem: string;
  /** Why this root was chosen. */
  note: string;
}

function fileSystemOf(dir: string): string {
  const type = fs.statfsSync(dir).type;
  return fileSystemNames.get(type) ?? `statfs type 0x${type.toString(16)}`;
}

/** Picks and creates the benchmark's root directory; it is removed when the process exits. */
export function benchDisk(): BenchDisk {
  const tmp = os.tmpdir();
  const tmpFileSystem = fileSystemOf(tmp);
  const onRam = ramFileSystems.has(tmpFileSystem);
  const parent = onRam ? process.cwd() : tmp;
  const root = fs.mkdtempSync(path.join(parent, onRam ? '.bench-tmp-wal-' : 'stemedb-bench-wal-'));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  // 'exit' does not run when a signal ends the process; exit normally so the directory goes.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  const note = onRam
    ? `${tmp} is ${tmpFileSystem} (fdatasync would be free), so using the working directory instead`
    : `${tmp} is ${tmpFileSystem}`;
  return { root, fileSystem: fileSystemOf(root), note };
}

/** A fresh, empty directory for one case. */
export function caseDir(disk: BenchDisk, name: string): string {
  return fs.mkdtempSync(path.join(disk.root, `${name}-`));
}
