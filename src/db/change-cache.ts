// The changes most recently built for any subscriber, by LSN, so that N subscribers following
// the log hash and decode each record once, not N times (and a server serializes it once: it
// keys its text by the shared object). Bounded by changesCacheEntriesMax, oldest out first;
// a subscriber that is further behind builds its own. Shared changes are frozen (deeply): a
// caller cannot change what another subscriber receives.
import { changesCacheEntriesMax } from '../limits.js';
import type { Change } from './changes.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export class ChangeCache {
  private readonly byLsn = new Map<number, Change>();

  /** The change at `lsn`, built by `build` unless a subscriber built it recently. */
  get(lsn: number, build: () => Change): Change {
    const cached = this.byLsn.get(lsn);
    if (cached !== undefined) return cached;
    const change = deepFreeze(build());
    if (this.byLsn.size >= changesCacheEntriesMax) this.byLsn.delete(this.byLsn.keys().next().value!);
    this.byLsn.set(lsn, change);
    return change;
  }
}
