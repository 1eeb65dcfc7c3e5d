// Exact arithmetic for the rules (docs/beliefs.md#exact-sums): weights are counted as whole
// numbers of units of 2^-72, as BigInt, so a sum is the same in any order and an update by one
// vote equals a recomputation to the bit; nothing can become Infinity or NaN. Every f64 weight
// in [voteWeightMin, voteWeightMax] is such a whole number (1e-6 has binary exponent -20, an
// f64 has 52 fraction bits); a logged weight outside that range is clamped into it first.
// Numbers leave this module rounded once, to the nearest f64.
import { voteWeightMax, voteWeightMin } from '../limits.js';

/** A quantity counted in units of 2^-72. */
export type Units = bigint;

const unitScale = 2 ** 72;
/** The implicit support of a source: weight 1. */
export const oneUnits: Units = 1n << 72n;

/** The weight a vote counts with: clamped into the stated range (a vote from an older version may lie outside). */
export function clampWeight(weight: number): number {
  if (!(weight >= voteWeightMin)) return voteWeightMin; // also NaN, which a decoded vote never holds
  return weight > voteWeightMax ? voteWeightMax : weight;
}

/** A vote's weight in units: exact (the product by 2^72 of an f64 in range is a whole f64). */
export function weightUnits(weight: number): Units {
  return BigInt(clampWeight(weight) * unitScale);
}

/** `units` rounded once to the nearest f64 (ties to even): Number() of a BigInt rounds so, and 2^-72 scales exactly. */
export function unitsToNumber(units: Units): number {
  return Number(units) / unitScale;
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/**
 * p / q (0 <= p, 0 < q) rounded once to the nearest f64: the integer quotient is taken with at
 * least 55 significant bits and a sticky bit for a non-zero remainder, so Number() rounds it
 * exactly as the real quotient would round (the scaling by a power of two is exact).
 */
export function ratio(p: Units, q: Units): number {
  if (p === 0n) return 0;
  const shift = Math.max(0, bitLength(q) - bitLength(p) + 55);
  const scaled = p << BigInt(shift);
  const quotient = scaled / q;
  const sticky = scaled % q === 0n ? 0n : 1n;
  return Number((quotient << 1n) | sticky) * 2 ** -(shift + 1);
}
