// One seed per test process for everything randomised (fast-check properties, crash-test kill
// delays and payloads), so a failing run can be replayed: STEMEDB_TEST_SEED=<n> gives the same
// run again, and when unset a fresh seed is drawn. A process whose tests used the seed prints
// it if it exits with a failure. scripts/run-tests.mjs draws the seed itself and passes it to
// every file, so it can print it even when a file is killed for timing out.
import { randomInt } from 'node:crypto';
import type fc from 'fast-check';

export const testSeedEnv = 'STEMEDB_TEST_SEED';
/** fast-check takes 32-bit seeds; staying non-negative keeps the seed it prints equal to ours. */
export const testSeedMax = 2 ** 31 - 1;

/** The seed in `text` (the env var's value), or undefined when unset; anything else throws. */
export function parseTestSeed(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const seed = Number(text);
  if (!/^\d+$/.test(text) || seed > testSeedMax) {
    throw new Error(`${testSeedEnv} must be an integer from 0 to ${testSeedMax}, got ${JSON.stringify(text)}`);
  }
  return seed;
}

let seed: number | undefined;

/** This process's seed: STEMEDB_TEST_SEED, or one drawn at the first call; printed if the process fails. */
export function testSeed(): number {
  if (seed !== undefined) return seed;
  const chosen = parseTestSeed(process.env[testSeedEnv]) ?? randomInt(testSeedMax + 1);
  seed = chosen;
  process.once('exit', (code) => {
    if (code !== 0) process.stderr.write(`\nrandomised tests in this process used ${testSeedEnv}=${chosen}; set it to replay them\n`);
  });
  return chosen;
}

/** fast-check parameters with our seed: `fc.assert(property, fcParams({ numRuns: 400 }))`. */
export function fcParams<Ts>(params: fc.Parameters<Ts> = {}): fc.Parameters<Ts> {
  return { ...params, seed: testSeed() };
}

/** A deterministic pseudo-random stream, for randomised tests that do not use fast-check. */
export interface TestRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max). */
  int(min: number, max: number): number;
}

/**
 * The stream named `name` under this process's seed: the same seed and name give the same
 * numbers, whatever else the process draws. mulberry32, seeded by a hash of the seed and name.
 */
export function testRandom(name: string): TestRandom {
  let hash = 0x811c9dc5 ^ testSeed();
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  // murmur3's finalizer: FNV's low bits depend only on the input's low bits; this mixes all 32.
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  let state = (hash ^ (hash >>> 16)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min)),
  };
}
