// What every command shares: the global options (--data, --json) and opening the database
// for the length of one command. The database is always closed before the command returns,
// so the single-writer lock is released even when the command fails.
import type { Command } from 'commander';
import { StemeDB, type StemeDBOptions } from '../index.js';

export interface GlobalOptions {
  /** The database directory (--data, else STEMEDB_DATA, else ./stemedb-data). */
  data: string;
  /** Machine-readable output. */
  json: boolean;
}

/** The global options as seen from a (sub)command's action. */
export function globalsOf(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<Partial<GlobalOptions>>();
  return { data: options.data ?? './stemedb-data', json: options.json === true };
}

/** Opens the database, runs `run`, and closes it whatever happens. */
export async function withDb<T>(globals: GlobalOptions, run: (db: StemeDB) => Promise<T> | T, options: StemeDBOptions = {}): Promise<T> {
  const db = await StemeDB.open(globals.data, options);
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}
