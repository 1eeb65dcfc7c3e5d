// `import`'s loop: NDJSON lines → parsed records → the batching loader, with the progress bar.
// Empty lines are ignored but still counted, so the line numbers in messages match the file.
import type { StemeDB } from '../../index.js';
import type { BadLineError } from '../errors.js';
import type { LineInput } from './line-input.js';
import { Loader, type OnBadLine } from './loader.js';
import { parseRecordLine } from './parse-line.js';
import { LoadProgress } from './progress.js';
import { summarize, type LoadSummary } from './summary.js';

/** Progress is redrawn from the loop every this many lines (cheap, and the bar throttles itself). */
const progressEveryLines = 512;

export interface LoadLinesOptions {
  onError: OnBadLine;
  onSkip: (error: BadLineError) => void;
  showProgress: boolean;
}

export async function loadLines(db: StemeDB, input: LineInput, options: LoadLinesOptions): Promise<LoadSummary> {
  const startedMs = performance.now();
  const loader = new Loader(db, { onError: options.onError, onSkip: options.onSkip });
  const progress = new LoadProgress({ label: 'import', unit: 'bytes', total: input.bytesTotal, enabled: options.showProgress });
  let line = 0;
  let accepted = 0;
  try {
    for await (const text of input.lines) {
      line += 1;
      if (text.trim() === '') continue;
      const parsed = parseRecordLine(text);
      if (parsed.ok) {
        accepted += 1;
        await loader.add(line, parsed.record, text.length);
      } else {
        await loader.bad(line, parsed.code, parsed.reason);
      }
      if (line % progressEveryLines === 0) progress.update(accepted, input.bytesRead());
    }
    const counts = await loader.finish();
    progress.update(counts.records, input.bytesRead());
    return summarize(counts, startedMs);
  } finally {
    progress.stop();
  }
}
