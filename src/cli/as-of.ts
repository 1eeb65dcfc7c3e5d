// --as-of LSN, shared by every read of claims (get, subject, votes, find, history, beliefs): the read
// counts only records logged below that LSN (docs/claims.md). The database checks the value:
// negative, fractional or beyond the log's end is INVALID_QUERY, never an empty answer.
import { Option } from 'commander';
import { parseLsn } from './parse.js';

/** A fresh --as-of option (commander options cannot be shared between commands). */
export function asOfFlag(): Option {
  return new Option('--as-of <lsn>', 'answer as the database stood when its log ended at this LSN (records logged below it count)').argParser(parseLsn);
}

/** The read option for --as-of: `{ asOf }` when it was given, else nothing. */
export function asOfRead(asOf: number | undefined): { asOf?: number } {
  return asOf === undefined ? {} : { asOf };
}

/** " as of LSN n" for messages, or nothing. */
export function asOfText(asOf: number | undefined): string {
  return asOf === undefined ? '' : ` as of LSN ${asOf}`;
}
