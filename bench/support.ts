// Shared benchmark plumbing: fresh directories on the real disk (removed at exit), percentiles,
// and a plain aligned table. Benchmarks print; they never assert timings in the test suite.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Row {
  name: string;
  opsPerSec: number;
  p50Us?: number;
  p99Us?: number;
  note?: string;
}

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory for one benchmark case, on the same disk as os.tmpdir(). */
export function benchDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `stemedb-bench-${name}-`));
  created.push(dir);
  return dir;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function fmt(value: number | undefined, digits = 0): string {
  return value === undefined || Number.isNaN(value) ? '' : value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function formatTable(rows: Row[]): string {
  const header = ['case', 'ops/s', 'p50 µs', 'p99 µs', 'note'];
  const body = rows.map((r) => [r.name, fmt(r.opsPerSec), fmt(r.p50Us), fmt(r.p99Us), r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const left = (i: number): boolean => i === 0 || i === 4;
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (left(i) ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
