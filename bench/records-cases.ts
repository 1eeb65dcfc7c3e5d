// Fixtures and timing for bench:records: a typical small assertion, a vote, and an assertion
// whose object is about 4 KiB of canonical JSON; and a timer that runs a function in batches
// for a fixed time and reports ops/s and per-op percentiles.
import { canonicalJson, encodeAndHash, validateRecord, type Assertion, type Vote } from '../src/records/index.js';
import { percentile } from './support.js';

export const smallAssertion = validateRecord({
  type: 'assertion', subject: 'city:zurich', predicate: 'population', object: { value: 421878, year: 2021, unit: 'people' },
  source: 'wikidata', confidence: 0.9, epoch: 1, createdAt: 1_700_000_000_000,
}) as Assertion;

/** About 4 KiB of canonical JSON: 48 small objects, nested once, mixed value types. */
function objectOfAbout4KiB(): unknown {
  const items = Array.from({ length: 48 }, (_, i) => ({ id: i, name: `item-${i}`, score: i / 7, tags: ['a', 'bb', 'ccc'], ok: i % 2 === 0 }));
  return { kind: 'catalog', items, note: 'Zürich – 東京 😀' };
}
export const largeAssertion = validateRecord({
  type: 'assertion', subject: 'catalog:2024', predicate: 'contains', object: objectOfAbout4KiB(), source: 'import', createdAt: 1_700_000_000_001,
}) as Assertion;
export const largeObjectBytes = Buffer.byteLength(canonicalJson(largeAssertion.object));

export const vote = validateRecord({
  type: 'vote', assertion: encodeAndHash(smallAssertion).hash, voter: 'reviewer-17', stance: 'support', weight: 2, epoch: 1, createdAt: 1_700_000_000_002,
}) as Vote;

export interface Timing {
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
}

/** Defeats dead-code elimination: every timed call's result feeds this. */
export let sink = 0;
export function consume(value: unknown): void {
  sink = (sink + (typeof value === 'number' ? value : typeof value === 'string' ? value.length : 1)) | 0;
}

/** Runs `fn` for about `durationMs` (after a warm-up of a fifth of that) in batches of ~1 ms. */
export function time(fn: () => unknown, durationMs: number): Timing {
  const nowNs = (): number => Number(process.hrtime.bigint());
  let batch = 1;
  const warmEnd = nowNs() + (durationMs / 5) * 1e6;
  while (nowNs() < warmEnd) {
    const start = nowNs();
    for (let i = 0; i < batch; i++) consume(fn());
    if (nowNs() - start < 1e6) batch *= 2; // grow until one batch takes about a millisecond
  }
  const perOpUs: number[] = [];
  let ops = 0;
  const start = nowNs();
  const end = start + durationMs * 1e6;
  let now = start;
  while (now < end) {
    const batchStart = now;
    for (let i = 0; i < batch; i++) consume(fn());
    now = nowNs();
    perOpUs.push((now - batchStart) / 1e3 / batch);
    ops += batch;
  }
  return { opsPerSec: ops / ((now - start) / 1e9), p50Us: percentile(perOpUs, 50), p99Us: percentile(perOpUs, 99) };
}
