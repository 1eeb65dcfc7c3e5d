// The WAL's optional observer: how metrics hear about group commits without the WAL knowing
// about metrics. The WAL reports bytes, records and time only, after the fact.

/** What the WAL reports as it works. Implementations must be cheap and must not throw. */
export interface WalObserver {
  /**
   * A group of appends became durable: `records` and `bytes` (frames, padding included) in
   * one write, which took `syncMs` (the O_DSYNC write, or write + fdatasync, rolls included).
   */
  groupCommitted(records: number, bytes: number, syncMs: number): void;
}
