// The ingest module's public surface (used by src/db only).
export { Ingestor, type IngestorOptions, type IngestProgress, type IngestState } from './ingestor.js';
export { inThreadApplier, type BatchApplier } from './applier.js';
export { WorkerApplier } from './worker-applier.js';
export type { Prepared } from './apply.js';
export { defaultPairLimits } from './apply.js';
export type { PairLimits } from './pair-summaries.js';
