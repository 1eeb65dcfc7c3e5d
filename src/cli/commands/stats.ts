// `stemedb stats`: record counts, WAL size and ingest lag.
import type { Command } from 'commander';
import type { StemeStats } from '../../index.js';
import { globalsOf, withDb } from '../context.js';
import { formatBytes } from '../load/progress.js';
import { LineWriter, printJson } from '../output.js';

async function printStats(stats: StemeStats): Promise<void> {
  const out = new LineWriter();
  const { records, wal, ingest } = stats;
  await out.line(`assertions:   ${records.assertions}`);
  await out.line(`votes:        ${records.votes}`);
  await out.line(`retractions:  ${records.retractions}`);
  await out.line(`epochs:       ${records.epochs}`);
  await out.line(`dead letters: ${stats.deadLetters}`);
  await out.line(`wal:          ${wal.segments} segment${wal.segments === 1 ? '' : 's'}, ${formatBytes(wal.bytes)}, LSN ${wal.firstLsn}..${wal.endLsn}`);
  const failing = ingest.lastError === undefined ? '' : `, ${ingest.status} (${ingest.retries} failed attempts), last error: ${ingest.lastError}`;
  await out.line(`ingest:       checkpoint LSN ${ingest.checkpointLsn}, lag ${ingest.lagBytes} bytes${failing}`);
  await out.end();
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('print record counts, WAL size and ingest lag')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const stats = await withDb(globals, (db) => db.stats());
      if (globals.json) await printJson(stats, true);
      else await printStats(stats);
    });
}
