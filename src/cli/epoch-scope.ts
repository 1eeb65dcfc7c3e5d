// --epoch E on the belief reads (beliefs, contested): count only records with no epoch or
// with E or one of its ancestors (docs/beliefs.md). The database checks the value: an id not
// defined is UNKNOWN_EPOCH, a negative or fractional one INVALID_QUERY, as over HTTP.
import { Option } from 'commander';
import { parseEpochScope } from './parse.js';

/** A fresh --epoch option (commander options cannot be shared between commands). */
export function epochScopeFlag(): Option {
  return new Option('--epoch <id>', 'count only records with no epoch, or of this epoch or one of its ancestors').argParser(parseEpochScope);
}

/** The read option for --epoch: `{ epoch }` when it was given, else nothing. */
export function epochScopeRead(epoch: number | undefined): { epoch?: number } {
  return epoch === undefined ? {} : { epoch };
}
