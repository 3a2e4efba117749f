// Small seeded random numbers, so that a run with a seed can be repeated exactly.
import * as crypto from 'crypto';

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * Builds a mulberry32 generator: 32 bits of state, uniform in [0, 1), and the same
 * sequence for the same seed on every platform.
 * @param seed any integer; only its low 32 bits are used.
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) {
    throw new Error(`Expected \`seed\` to be an integer, got ${String(seed)}`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh 32-bit seed from the operating system, for runs that ask for no seed. */
export function randomSeed(): number {
  return crypto.randomBytes(4).readUInt32LE(0);
}

/**
 * Shuffles `values` in place with the Fisher-Yates walk numpy.random.shuffle uses
 * (i from the end down to 1, j uniform in 0..i), so applying it to an index array
 * that already holds a permutation composes the two, as numpy's `a[perm]` does.
 */
export function shuffleInPlace(values: Int32Array | number[], rng: Rng): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const vi = values[i] as number;
    values[i] = values[j] as number;
    values[j] = vi;
  }
}
