// Loads a stream of records into the database in large batches (one WAL fsync each, written
// with {visible: false}; finish() then waits until everything is queryable). Bad lines are
// reported with their line number; with 'abort' the load stops at the first one with every
// earlier line durable, with 'skip' they are counted and the load goes on.
import { InvalidRecordError, StemeError, type StemeDB } from '../../index.js';
import { importBatchBytesMax, importBatchRecordsMax } from '../../limits.js';
import { BadLineError, CliError, type CliErrorCode } from '../errors.js';
import { writeUntilBad, type LoadRecord, type RefusedRecord } from './write-until-bad.js';

export type OnBadLine = 'abort' | 'skip';

export interface LoaderOptions {
  onError: OnBadLine;
  /** Told about each skipped line (with 'skip'). */
  onSkip: (error: BadLineError) => void;
}

export interface LoadCounts {
  records: number;
  skipped: number;
}

/** The refusal's reason without the batch position appendBatch put in front of the field path. */
function reasonOf(error: StemeError): string {
  if (!(error instanceof InvalidRecordError)) return error.message;
  const path = error.path.replace(/^\[\d+\]\.?/, '');
  return path === '' ? error.reason : `${path}: ${error.reason}`;
}

export class Loader {
  private readonly db: StemeDB;
  private readonly options: LoaderOptions;
  private records: LoadRecord[] = [];
  private lines: number[] = [];
  private bytes = 0;
  /** Every line up to this one is durable, skipped or empty. */
  private durableLine = 0;
  readonly counts: LoadCounts = { records: 0, skipped: 0 };

  constructor(db: StemeDB, options: LoaderOptions) {
    this.db = db;
    this.options = options;
  }

  /** Queues a good record from input line `line`; writes a batch when one is full. */
  async add(line: number, record: LoadRecord, bytes: number): Promise<void> {
    this.records.push(record);
    this.lines.push(line);
    this.bytes += bytes;
    if (this.records.length >= importBatchRecordsMax || this.bytes >= importBatchBytesMax) await this.flush();
  }

  /** Input line `line` is bad before reaching the database (not JSON, wrong hash, …). */
  async bad(line: number, code: CliErrorCode, reason: string): Promise<void> {
    await this.flush(); // the earlier lines go first, so 'abort' leaves them durable
    this.refuse(new BadLineError(code, line, reason));
  }

  /** Writes what is queued and waits until every written record is queryable. */
  async finish(): Promise<LoadCounts> {
    await this.flush();
    await this.db.sync();
    return this.counts;
  }

  private refuse(error: BadLineError): void {
    if (this.options.onError === 'abort') {
      const durable = error.line > 1 ? `lines 1..${error.line - 1} are durable` : 'nothing was imported';
      throw new BadLineError(error.code, error.line, `${error.reason} (${durable})`, { cause: error.cause });
    }
    this.counts.skipped += 1;
    this.durableLine = error.line;
    this.options.onSkip(error);
  }

  private async flush(): Promise<void> {
    let records = this.records;
    let lines = this.lines;
    this.records = [];
    this.lines = [];
    this.bytes = 0;
    while (records.length > 0) {
      let refused: RefusedRecord | undefined;
      try {
        refused = await writeUntilBad(this.db, records);
      } catch (error) {
        if (!(error instanceof StemeError)) throw error;
        const skipped = this.counts.skipped > 0 ? ' or skipped' : '';
        const durable = this.durableLine > 0 ? `lines 1..${this.durableLine} are durable${skipped}` : 'nothing was imported';
        throw new CliError(error.code, `${error.message} (${durable})`, { cause: error });
      }
      const written = refused === undefined ? records.length : refused.index;
      this.counts.records += written;
      if (written > 0) this.durableLine = lines[written - 1]!;
      if (refused === undefined) return;
      this.refuse(new BadLineError(refused.error.code, lines[refused.index]!, reasonOf(refused.error), { cause: refused.error }));
      records = records.slice(refused.index + 1);
      lines = lines.slice(refused.index + 1);
    }
  }
}
