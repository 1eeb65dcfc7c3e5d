// The frames this process wrote most recently, held in memory once durable, so that a reader
// following the log (the ingestor's tail) takes them from here instead of reading them back
// from the file and hashing them again. They are the very bytes that were checksummed and
// written; frames read from a file are verified as always. Bounded by bytes: the oldest go
// first, and a reader that falls behind them reads the file.
import type { Lsn } from './lsn.js';
import type { LogEntry } from './reader.js';

export class RecentFrames {
  private entries: LogEntry[] = [];
  /** Absolute position of entries[0]; positions only grow, so a reader can tell what was evicted. */
  private first = 0;
  private bytes = 0;

  constructor(private readonly bytesMax: number) {}

  /** Adds a durable frame; frames are added in LSN order. */
  add(entry: LogEntry): void {
    this.entries.push(entry);
    this.bytes += entry.payload.length;
    if (this.bytes <= this.bytesMax) return;
    // Evict down to three quarters at once, so the array is rebuilt rarely, not on every add.
    let drop = 0;
    while (this.bytes > (this.bytesMax * 3) / 4 && drop < this.entries.length - 1) {
      const old = this.entries[drop++]!;
      this.bytes -= old.payload.length;
    }
    this.entries = this.entries.slice(drop);
    this.first += drop;
  }

  /** Absolute position of the held frame at `lsn` (entries are in LSN order: a binary search), or undefined. */
  private positionOf(lsn: Lsn): number | undefined {
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = this.entries[middle]!.lsn;
      if (at === lsn) return this.first + middle;
      if (at < lsn) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /**
   * The held frames from `lsn` on, in order, while each follows the one before and ends at or
   * before `end`; nothing when the frame at `lsn` is not held. Safe to iterate across awaits.
   */
  *from(lsn: Lsn, end: () => Lsn): Generator<LogEntry> {
    let position = this.positionOf(lsn);
    if (position === undefined) return;
    let expected = lsn;
    for (;;) {
      const entry = position >= this.first ? this.entries[position - this.first] : undefined;
      if (entry === undefined || entry.lsn !== expected || entry.nextLsn > end()) return;
      yield entry;
      expected = entry.nextLsn;
      position += 1;
    }
  }
}
