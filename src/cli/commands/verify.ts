// `stemedb verify`: reads every WAL frame and compares the KV store with the log. Exit 0 when
// clean, 1 when damage is found — including damage that stops the database from opening
// (WAL_CORRUPT), which is reported the same way, with its file and byte offset.
import type { Command } from 'commander';
import { StemeDB, WalCorruptError, type ClusterVerifyReport, type VerifyReport } from '../../index.js';
import { addClusterFlags, clusterOptionsOf, type ClusterFlags } from '../cluster-flags.js';
import { globalsOf } from '../context.js';
import { exitFailure } from '../exit-codes.js';
import { formatBytes } from '../load/progress.js';
import { LineWriter, printJson } from '../output.js';

/** The database's report, and whether it opened at all (when not, the counts are unknown, not 0). */
type Verdict = VerifyReport & { opened: boolean };

async function verify(dir: string): Promise<Verdict> {
  let db: StemeDB;
  try {
    db = await StemeDB.open(dir);
  } catch (error) {
    if (!(error instanceof WalCorruptError)) throw error;
    const problem = { where: error.file, offset: error.offset, message: `${error.reason} (the database does not open)` };
    return { opened: false, ok: false, walRecords: 0, walBytes: 0, kvRecords: 0, problems: [problem], deadLetters: [] };
  }
  try {
    return { opened: true, ...(await db.verify()) };
  } finally {
    await db.close();
  }
}

async function printReport(report: Verdict): Promise<void> {
  const out = new LineWriter();
  if (report.opened) {
    await out.line(`WAL: ${report.walRecords} records, ${formatBytes(report.walBytes)}`);
    await out.line(`KV:  ${report.kvRecords} records`);
    if (report.deadLetters.length > 0) {
      await out.line(`DEAD LETTERS: ${report.deadLetters.length} logged payload${report.deadLetters.length === 1 ? '' : 's'} not stored (docs/operations.md, "Dead letters")`);
      for (const d of report.deadLetters) await out.line(`  LSN ${d.lsn} ${d.hash}: ${d.kind}: ${d.reason}`);
    }
  } else {
    await out.line('WAL: damaged; the database does not open');
  }
  if (report.ok) {
    await out.line('OK: no damage found');
  } else {
    await out.line(`DAMAGE: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`);
    for (const p of report.problems) {
      await out.line(`  ${p.where}${p.offset === undefined ? '' : ` at byte ${p.offset}`}: ${p.message}`);
    }
  }
  await out.end();
}

/**
 * `verify --cluster`: the store against the stream, up to the node's checkpoint (the node must be
 * stopped: this opens its directory). Opens without consuming, so lag is reported, not repaired.
 */
async function verifyCluster(dir: string, flags: ClusterFlags): Promise<ClusterVerifyReport> {
  const db = await StemeDB.open(dir, { cluster: clusterOptionsOf(flags, 'inspect')! });
  try {
    return await db.cluster!.verify();
  } finally {
    await db.close();
  }
}

async function printClusterReport(report: ClusterVerifyReport): Promise<void> {
  const out = new LineWriter();
  await out.line(`stream ${report.stream}: ${report.partitionCount} partitions; this node owns ${report.owned.join(',') || 'none'}`);
  for (const s of report.subjects) {
    const lag = s.streamLastSeq - s.checkpointSeq;
    await out.line(`  ${s.subject}: ${s.compared} messages compared up to seq ${s.checkpointSeq}${lag > 0 ? `; ${lag} more in the stream (read when the node next runs)` : ''}${s.missing.length > 0 ? `; MISSING ${s.missing.length}` : ''}`);
    for (const m of s.missing) await out.line(`    missing ${m}`);
  }
  await out.line(report.ok ? 'OK: the store holds every record of its partitions up to its checkpoint' : 'DAMAGE: records of the stream are missing from the store');
  await out.end();
}

export function registerVerify(program: Command): void {
  const verifyCommand = program
    .command('verify')
    .description('check every WAL frame and the KV store against the log; with --cluster, the store against the stream; exit 1 when damage is found');
  addClusterFlags(verifyCommand, false).action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const flags = command.opts<ClusterFlags>();
      if (flags.cluster !== undefined) {
        const report = await verifyCluster(globals.data, flags);
        if (globals.json) await printJson(report, true);
        else await printClusterReport(report);
        if (!report.ok) process.exitCode = exitFailure;
        return;
      }
      const report = await verify(globals.data);
      if (globals.json) await printJson(report, true);
      else await printReport(report);
      if (!report.ok) process.exitCode = exitFailure;
    });
}
