// Which partition a subject lives in, and which partitions a node serves. The partition of a
// subject is the first four bytes of BLAKE3(UTF-8 subject), read as a little-endian u32, mod P:
// stable across processes, versions and machines (docs/cluster.md has test vectors). Votes and
// retractions go to their assertion's partition, so everything about a subject is in one.
import { blake3 } from '../blake3.js';
import { InvalidArgumentError } from '../errors.js';
import { clusterPartitionsMax } from '../limits.js';

const utf8 = new TextEncoder();

/** The partition (0..partitions-1) that holds everything about `subject`. */
export function partitionOf(subject: string, partitions: number): number {
  const digest = blake3(utf8.encode(subject));
  const word = (digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24)) >>> 0;
  return word % partitions;
}

/** Checks a partition count given on a command line or in options: 1..clusterPartitionsMax. */
export function checkPartitionCount(partitions: number): number {
  if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > clusterPartitionsMax) {
    throw new InvalidArgumentError(`the partition count must be an integer from 1 to ${clusterPartitionsMax}, got ${String(partitions)}`);
  }
  return partitions;
}

/**
 * Parses which partitions a node serves: `all`, or a list of numbers and ranges (`0-3,7`).
 * The result is sorted, without duplicates, each below `partitions`.
 */
export function parsePartitionSpec(spec: string, partitions: number): number[] {
  if (spec.trim() === 'all') return Array.from({ length: partitions }, (_, k) => k);
  const owned = new Set<number>();
  for (const part of spec.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (match === null) throw new InvalidArgumentError(`partitions must be "all" or a list like 0-3,7; got ${JSON.stringify(spec)}`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last >= partitions) {
      throw new InvalidArgumentError(`partition range ${part.trim()} is outside 0-${partitions - 1} (the stream has ${partitions} partitions)`);
    }
    for (let k = first; k <= last; k++) owned.add(k);
  }
  return [...owned].sort((a, b) => a - b);
}
