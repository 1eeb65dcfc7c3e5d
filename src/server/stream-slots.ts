// Counts the change-feed responses open at once, in all and per client address, and refuses
// one past either cap before it reads anything (503 STREAMS_FULL, 429 TOO_MANY_STREAMS, both
// with Retry-After). Invariant: `open` is the number of slots taken and not released, and the
// per-client counts add up to it; a release function frees its slot once, however often called.
import { normalizeIP } from '@fastify/rate-limit';
import { changesStreamsRetryAfterSeconds } from '../limits.js';
import { HttpError } from './http-error.js';

/**
 * The key a client's streams (and requests, for the rate limiter) are counted under: its
 * address, an IPv4-mapped IPv6 address as IPv4, an IPv6 address by its /64 (one host usually
 * has a whole /64, so counting single addresses would not bound it).
 */
export function clientKey(address: string): string {
  return normalizeIP(address, 64);
}

export class StreamSlots {
  private taken = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    readonly totalMax: number,
    readonly perClientMax: number,
  ) {}

  /** Slots taken now. */
  get open(): number {
    return this.taken;
  }

  /** Takes a slot for `client` (a clientKey), or throws the refusal; the function returned frees it. */
  acquire(client: string): () => void {
    const mine = this.byClient.get(client) ?? 0;
    // The client's own cap first: a client over it is told so even when the server is full too.
    if (mine >= this.perClientMax) {
      throw new HttpError(429, 'TOO_MANY_STREAMS', `this client has ${mine} change streams open, the most one client may (${this.perClientMax}); close one first`, { retryAfterSeconds: changesStreamsRetryAfterSeconds });
    }
    if (this.taken >= this.totalMax) {
      throw new HttpError(503, 'STREAMS_FULL', `the server has ${this.taken} change streams open, the most it serves (${this.totalMax}); retry later`, { retryAfterSeconds: changesStreamsRetryAfterSeconds });
    }
    this.taken += 1;
    this.byClient.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken -= 1;
      const left = this.byClient.get(client)! - 1;
      if (left === 0) this.byClient.delete(client);
      else this.byClient.set(client, left);
    };
  }
}
