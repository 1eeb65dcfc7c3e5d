// The progress bar of `import` and `serve --sample`: records, records/s, amount read and an
// ETA when the total is known (a file's size, the sample's record count). It is drawn only
// when stderr is a terminal, so piped and logged runs get the summary line alone.
import cliProgress from 'cli-progress';

export interface ProgressOptions {
  /** Shown before the bar: "import", "sample". */
  label: string;
  /** What `done` counts: bytes of input read, or records. */
  unit: 'bytes' | 'records';
  /** The end value of `done`, when known (no bar and no ETA without it). */
  total: number | undefined;
  /** Draw at all (callers pass process.stderr.isTTY). */
  enabled: boolean;
}

/** Redraws per second: often enough to look live, rare enough to cost nothing. */
const redrawsPerSecond = 5;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export class LoadProgress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly options: ProgressOptions;
  private readonly startedMs = performance.now();

  constructor(options: ProgressOptions) {
    this.options = options;
    if (!options.enabled) return;
    const amount = options.unit === 'bytes' ? ' | {amount}' : '';
    const format =
      options.total === undefined
        ? `${options.label} | {records} records | {rate} records/s${amount}`
        : `${options.label} [{bar}] {percentage}% | {records} records | {rate} records/s${amount} | ETA {eta_formatted}`;
    this.bar = new cliProgress.SingleBar({ format, stream: process.stderr, fps: redrawsPerSecond, hideCursor: true, etaBuffer: 50, clearOnComplete: false });
    this.bar.start(options.total ?? 1, 0, this.payload(0, 0));
  }

  update(records: number, done: number): void {
    if (this.bar === undefined) return;
    this.bar.update(this.options.total === undefined ? 0 : Math.min(done, this.options.total), this.payload(records, done));
  }

  stop(): void {
    this.bar?.stop();
  }

  private payload(records: number, done: number): Record<string, string> {
    const seconds = (performance.now() - this.startedMs) / 1000;
    const amount = this.options.total === undefined ? formatBytes(done) : `${formatBytes(done)}/${formatBytes(this.options.total)}`;
    return { records: String(records), rate: seconds > 0 ? String(Math.round(records / seconds)) : '0', amount };
  }
}
