// `stemedb backup <dir>`: an online backup of the database (--data) into <dir>, then `verify`
// on the copy, whose report is printed; exit 1 when the copy does not verify clean. The
// database is opened by this command, so it needs the lock: for a store a server holds, use
// POST /v1/admin/backup instead. Restoring is opening the copy (docs/operations.md).
import type { Command } from 'commander';
import { StemeDB, type BackupReport, type VerifyReport } from '../../index.js';
import { globalsOf, withDb } from '../context.js';
import { exitFailure } from '../exit-codes.js';
import { formatBytes } from '../load/progress.js';
import { LineWriter, printJson } from '../output.js';

async function verifyCopy(dir: string): Promise<VerifyReport> {
  const copy = await StemeDB.open(dir);
  try {
    return await copy.verify();
  } finally {
    await copy.close();
  }
}

async function printReport(backup: BackupReport, verify: VerifyReport): Promise<void> {
  const out = new LineWriter();
  await out.line(`backed up to ${backup.dir} in ${(backup.durationMs / 1000).toFixed(2)} s${backup.compact ? ' (KV compacted)' : ''}`);
  await out.line(`  KV snapshot at LSN ${backup.kvCheckpointLsn}; WAL LSN ${backup.walFirstLsn}..${backup.walEndLsn}: ${backup.walSegments} segment(s), ${formatBytes(backup.walBytes)}`);
  await out.line(`verify of the copy: WAL ${verify.walRecords} records, ${formatBytes(verify.walBytes)}; KV ${verify.kvRecords} records`);
  if (verify.ok) {
    await out.line('OK: no damage found');
  } else {
    await out.line(`DAMAGE: ${verify.problems.length} problem${verify.problems.length === 1 ? '' : 's'}`);
    for (const p of verify.problems) await out.line(`  ${p.where}${p.offset === undefined ? '' : ` at byte ${p.offset}`}: ${p.message}`);
  }
  await out.end();
}

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('copy the database into <dir> (new or empty) while it is in use, then verify the copy; exit 1 if it does not verify clean')
    .argument('<dir>', 'where the copy goes: a new or empty directory; open it as --data to restore')
    .option('--compact', 'rewrite the KV copy without free pages (slower, smaller)', false)
    .action(async (dir: string, options: { compact: boolean }, command: Command) => {
      const globals = globalsOf(command);
      const backup = await withDb(globals, (db) => db.backup(dir, { compact: options.compact }));
      const verify = await verifyCopy(backup.dir);
      if (globals.json) await printJson({ backup, verify }, true);
      else await printReport(backup, verify);
      if (!verify.ok) process.exitCode = exitFailure;
    });
}
