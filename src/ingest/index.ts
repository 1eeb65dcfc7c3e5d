// The ingest module's public surface (used by src/db only).
export { Ingestor, type IngestorOptions, type IngestProgress } from './ingestor.js';
export { inThreadApplier, type BatchApplier } from './applier.js';
export { WorkerApplier } from './worker-applier.js';
export { checkpointKey, counterNames, readCheckpoint, type CounterName, type Counts, type Prepared } from './apply.js';
export { decodeLocator, recordKindCode, type Locator } from './locator.js';
export { readU64, writeU64 } from './u64.js';
