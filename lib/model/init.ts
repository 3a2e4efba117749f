// TF-1's initialisers, from the project's seeded random numbers (lib/random.ts).
import * as tf from '@tensorflow/tfjs-node';
import { createRng, randomSeed } from '../random';

/**
 * TF-1's default initialiser for `get_variable` and `fully_connected`
 * (glorot_uniform / xavier_initializer): U(-limit, limit) with
 * limit = sqrt(6 / (fanIn + fanOut)).
 * @returns [fanIn, fanOut]
 */
export function glorotUniform(fanIn: number, fanOut: number, random: () => number): tf.Tensor2D {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (2 * random() - 1) * limit;
  return tf.tensor2d(values, [fanIn, fanOut]);
}

export function rngFor(seed: number | undefined): () => number {
  return createRng(seed ?? randomSeed());
}
