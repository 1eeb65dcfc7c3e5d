// Writes a batch of records and, when the database refuses the batch because of one record,
// finds that record: everything before it is written (durable), it and everything after it
// is not. The happy path is one appendBatch (one fsync); only a refused batch is split.
import { StemeError, type RecordInput, type StemeDB } from '../../index.js';

/** A record for db.appendBatch: typed when generated (the sample), plain parsed JSON when imported. */
export type LoadRecord = RecordInput | Record<string, unknown>;

export interface RefusedRecord {
  /** The record's index in the batch given to writeUntilBad. */
  index: number;
  error: StemeError;
}

/** Codes that blame one record of a batch; any other failure (WAL_FAILED, STORAGE, …) is fatal. */
const recordCodes = new Set(['INVALID_RECORD', 'CREATED_AT_IN_FUTURE', 'RECORD_SIZE', 'UNKNOWN_ASSERTION', 'NOT_AUTHOR', 'EPOCH_CONFLICT']);

function field(record: LoadRecord, name: string): unknown {
  return (record as Record<string, unknown>)[name];
}

/** The index the error most likely blames, or undefined; a wrong guess costs time, never correctness. */
function suspect(error: StemeError, records: readonly LoadRecord[]): number | undefined {
  const path = 'path' in error && typeof error.path === 'string' ? /^\[(\d+)\]/.exec(error.path) : null;
  if (path) return Number(path[1]);
  const blame = (matches: (record: LoadRecord) => boolean): number | undefined => {
    const index = records.findIndex(matches);
    return index === -1 ? undefined : index;
  };
  // A vote or retraction names its assertion in `assertion`, a superseding assertion in `supersedes`.
  const names = (record: LoadRecord, hash: unknown): boolean =>
    field(record, 'type') === 'assertion' ? field(record, 'supersedes') === hash : field(record, 'assertion') === hash;
  if ('assertion' in error) return blame((r) => names(r, error.assertion));
  if ('epochId' in error) return blame((r) => field(r, 'type') === 'epoch' && field(r, 'id') === error.epochId);
  return undefined;
}

/** Contiguous parts to retry one after the other: [before, suspect, after], or two halves. */
function split(length: number, at: number | undefined): Array<[number, number]> {
  const parts: Array<[number, number]> =
    at !== undefined && at >= 0 && at < length ? [[0, at], [at, at + 1], [at + 1, length]] : [[0, Math.ceil(length / 2)], [Math.ceil(length / 2), length]];
  return parts.filter(([start, end]) => end > start);
}

/**
 * Appends `records` in order with {visible: false}. Resolves undefined when all are durable,
 * or with the first refused record, when exactly the records before it are durable.
 */
export async function writeUntilBad(db: StemeDB, records: readonly LoadRecord[]): Promise<RefusedRecord | undefined> {
  try {
    await db.appendBatch(records, { visible: false });
    return undefined;
  } catch (error) {
    if (!(error instanceof StemeError) || !recordCodes.has(error.code)) throw error;
    if (records.length === 1) return { index: 0, error };
    for (const [start, end] of split(records.length, suspect(error, records))) {
      const refused = await writeUntilBad(db, records.slice(start, end));
      if (refused !== undefined) return { index: start + refused.index, error: refused.error };
    }
    // Every part went in on its own (a vote ahead of its assertion in the batch, say): all durable.
    return undefined;
  }
}
