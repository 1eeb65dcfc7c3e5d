// Loads the sample dataset (src/sample) through the same batching loader and progress bar as
// `import`; used by `serve --sample` on an empty database.
import type { StemeDB } from '../../index.js';
import { sampleRecordCount, sampleRecords } from '../../sample/cities.js';
import { Loader } from './loader.js';
import { LoadProgress } from './progress.js';
import { summarize, type LoadSummary } from './summary.js';

const progressEveryRecords = 4096;

export interface LoadSampleOptions {
  /** Only the first this many cities (all when undefined). */
  citiesMax: number | undefined;
  showProgress: boolean;
  /** Stops the load early; what was queued is still written, so the result is a clean prefix. */
  stop?: AbortSignal;
}

export async function loadSample(db: StemeDB, options: LoadSampleOptions): Promise<LoadSummary> {
  const { citiesMax, showProgress, stop } = options;
  const startedMs = performance.now();
  const total = showProgress ? sampleRecordCount(citiesMax) : undefined;
  const progress = new LoadProgress({ label: 'sample', unit: 'records', total, enabled: showProgress });
  // The sample is generated here, so a refused record is a bug: abort on it.
  const loader = new Loader(db, { onError: 'abort', onSkip: () => undefined });
  let count = 0;
  try {
    for (const record of sampleRecords(citiesMax)) {
      if (stop?.aborted === true) break;
      count += 1;
      await loader.add(count, record, 0);
      if (count % progressEveryRecords === 0) progress.update(count, count);
    }
    const counts = await loader.finish();
    progress.update(counts.records, counts.records);
    return summarize(counts, startedMs);
  } finally {
    progress.stop();
  }
}
