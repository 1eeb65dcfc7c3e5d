// Where an HTTP backup may be written: only under the directory the server was configured with
// (`serve --backup-dir`). The client's `target` is untrusted text, so it is refused, not
// repaired, when it could leave that directory: a `..` segment, an absolute path outside it, or
// a symlink (the target itself or any existing ancestor) that resolves outside it. The checks
// run on the real path of the backup directory, resolved once when the server starts.
import fs from 'node:fs';
import path from 'node:path';
import { HttpError } from './http-error.js';

function forbidden(message: string): HttpError {
  return new HttpError(403, 'BACKUP_TARGET_FORBIDDEN', message);
}

/** True when `candidate` is strictly inside `root` (both absolute, normalized). */
function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The real path of the nearest existing ancestor of `candidate` (or of itself when it exists). */
function realAncestor(candidate: string): string {
  let current = candidate;
  for (;;) {
    try {
      return fs.realpathSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) throw error;
      current = parent;
    }
  }
}

/**
 * The absolute directory a backup of `target` goes to, under `backupRoot` (a real path), or
 * 403 BACKUP_TARGET_FORBIDDEN. `target` is relative to the backup directory, or absolute
 * inside it.
 */
export function resolveBackupTarget(backupRoot: string, target: string): string {
  if (target.split(/[\\/]/).includes('..')) throw forbidden('a backup target must not contain ".." segments');
  const resolved = path.resolve(backupRoot, target);
  if (!inside(backupRoot, resolved)) throw forbidden(`a backup target must be inside the server's backup directory`);
  // A symlink on the way (or at the target) must not lead out: compare real paths.
  const real = realAncestor(resolved);
  if (real !== backupRoot && !inside(backupRoot, real)) {
    throw forbidden('a backup target must not lead out of the backup directory through a symlink');
  }
  let link = false;
  try {
    link = fs.lstatSync(resolved).isSymbolicLink();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (link) throw forbidden('a backup target must not be a symlink');
  return resolved;
}
