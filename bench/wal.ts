// bench:wal — the WAL's durable append rate and latency against the floor the disk sets: raw
// writeSync + fdatasyncSync of the same framed bytes. Checks two targets: 64 concurrent
// appenders reach 0.8x raw 64-records-per-sync, and one appender's p50 is within 1.3x one raw
// write+fdatasync. Usage: node dist/bench/wal.js [--json] [--duration-ms=N]. Imports the WAL
// module directly, not src/index.ts: it measures the log alone, without the layers above it.
import { benchDisk, caseDir } from './wal-disk.js';
import { payloadBytes, rawSyncs, walAppends, walBatches, type CaseResult } from './wal-cases.js';

const json = process.argv.includes('--json');
const durationArg = process.argv.find((arg) => arg.startsWith('--duration-ms='));
const durationMs = durationArg === undefined ? 3000 : Number(durationArg.slice('--duration-ms='.length));
if (!Number.isSafeInteger(durationMs) || durationMs <= 0) throw new Error(`--duration-ms must be a positive integer, got ${durationArg}`);
const batchRecords = 64;
const appendRateTargetRatio = 0.8;
const singleP50TargetRatio = 1.3;

interface Row extends CaseResult {
  /** records/s divided by the baseline's, when the row has one. */
  ratio: number | undefined;
  baseline: string | undefined;
}

const disk = benchDisk();
const step = async (run: () => Promise<CaseResult>): Promise<CaseResult> => {
  const done = await run();
  process.stderr.write(`  ${done.name}: ${Math.round(done.recordsPerSec)} records/s\n`);
  return done;
};
process.stderr.write(`bench:wal in ${disk.root} (${disk.fileSystem}; ${disk.note}), ${durationMs} ms per case\n`);
const raw1 = await step(() => rawSyncs(caseDir(disk, 'raw1'), 1, durationMs));
const wal1 = await step(() => walAppends(caseDir(disk, 'wal1'), 1, durationMs));
const rawBatch = await step(() => rawSyncs(caseDir(disk, 'raw64'), batchRecords, durationMs));
// The same floors with the WAL's preallocation, shown for context: the targets use the
// issue's floor above (appending to a growing file).
const raw1Pre = await step(() => rawSyncs(caseDir(disk, 'raw1pre'), 1, durationMs, true));
const rawBatchPre = await step(() => rawSyncs(caseDir(disk, 'raw64pre'), batchRecords, durationMs, true));
const wal64 = await step(() => walAppends(caseDir(disk, 'wal64'), 64, durationMs));
const wal16 = await step(() => walAppends(caseDir(disk, 'wal16'), 16, durationMs));
const walBatch = await step(() => walBatches(caseDir(disk, 'batch'), batchRecords, durationMs));

const versus = (row: CaseResult, baseline: CaseResult): Row => ({ ...row, ratio: row.recordsPerSec / baseline.recordsPerSec, baseline: baseline.name });
const rows: Row[] = [
  versus(wal1, raw1),
  versus(wal16, rawBatch),
  versus(wal64, rawBatch),
  versus(walBatch, rawBatch),
  { ...raw1, ratio: undefined, baseline: undefined },
  { ...rawBatch, ratio: undefined, baseline: undefined },
  versus(raw1Pre, raw1),
  versus(rawBatchPre, rawBatch),
];

function formatTable(table: Row[]): string {
  const whole = (n: number): string => Math.round(n).toLocaleString('en-US');
  const header = ['case', 'records/s', 'p50 µs', 'p99 µs', 'vs raw', 'raw baseline'];
  const body = table.map((r) => [r.name, whole(r.recordsPerSec), whole(r.p50Us), whole(r.p99Us), r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`, r.baseline ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const left = (i: number): boolean => i === 0 || i === 5;
  const line = (cells: string[]): string => cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

const rateRatio = wal64.recordsPerSec / rawBatch.recordsPerSec;
const p50Ratio = wal1.p50Us / raw1.p50Us;
const preRatio = wal64.recordsPerSec / rawBatchPre.recordsPerSec;
const targets = [
  { target: `64 appenders >= ${appendRateTargetRatio}x raw ${batchRecords} records per sync`, measured: `${rateRatio.toFixed(2)}x`, met: rateRatio >= appendRateTargetRatio },
  { target: `1 appender p50 <= ${singleP50TargetRatio}x raw write+fdatasync p50`, measured: `${p50Ratio.toFixed(2)}x`, met: p50Ratio <= singleP50TargetRatio },
];

console.log(`\nWAL, sync 'always', ${payloadBytes}-byte payloads; disk: ${disk.fileSystem} (${disk.note})`);
console.log(formatTable(rows));
console.log('latency: per append call; per record for batched rows (= the latency of the one write+sync that carried it)');
console.log(`for context: 64 appenders = ${preRatio.toFixed(2)}x raw ${batchRecords} records per sync into preallocated space; 1 appender p50 = ${(wal1.p50Us / raw1Pre.p50Us).toFixed(2)}x its preallocated p50`);
console.log('\ntargets:');
for (const t of targets) console.log(`  ${t.met ? 'MET    ' : 'NOT MET'}  ${t.target}: ${t.measured}`);
if (json) console.log(JSON.stringify({ payloadBytes, durationMs, disk: { fileSystem: disk.fileSystem, note: disk.note }, rows, targets }, null, 2));
