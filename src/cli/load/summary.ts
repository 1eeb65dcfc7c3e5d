// The line a load ends with: how many records, how long, how fast (and how many lines were
// skipped). People get it on stderr, so stdout stays clean for pipes; --json puts it on stdout.
import type { LoadCounts } from './loader.js';
import { printJson } from '../output.js';

export interface LoadSummary extends LoadCounts {
  seconds: number;
  recordsPerSecond: number;
}

export function summarize(counts: LoadCounts, startedMs: number): LoadSummary {
  const seconds = (performance.now() - startedMs) / 1000;
  return { ...counts, seconds: Number(seconds.toFixed(3)), recordsPerSecond: seconds > 0 ? Math.round(counts.records / seconds) : counts.records };
}

export async function printSummary(verb: string, summary: LoadSummary, json: boolean): Promise<void> {
  if (json) return printJson(summary, true);
  const skipped = summary.skipped > 0 ? `, skipped ${summary.skipped} bad line${summary.skipped === 1 ? '' : 's'}` : '';
  process.stderr.write(`${verb} ${summary.records} records in ${summary.seconds.toFixed(2)} s (${summary.recordsPerSecond} records/s)${skipped}\n`);
}
