/**
 * Adam as TF-1's `tf.train.AdamOptimizer` computes it (Kingma & Ba, section 2,
 * the "epsilon hat" form), not tfjs's `tf.train.adam`, which adds epsilon
 * after bias-correcting v and so drifts slightly from TF-1:
 *
 *   lr_t = learningRate * sqrt(1 - beta2^t) / (1 - beta1^t)
 *   m    = beta1 * m + (1 - beta1) * g
 *   v    = beta2 * v + (1 - beta2) * g^2
 *   w    = w - lr_t * m / (sqrt(v) + epsilon)
 *
 * Speed: the update runs in JavaScript on Float32Arrays, one loop over the
 * 21k parameters of the seed's model. For a model this small every
 * TensorFlow op costs more in call overhead than in arithmetic: the same
 * update as about 20 ops on one joined vector took 0.32 ms per step, the
 * loop with reading and writing the variables 0.13 ms. m and v are float32
 * like TF-1's slots; each step's arithmetic is in float64, rounded once.
 */
import * as tf from '@tensorflow/tfjs-node';

export interface AdamConfig {
  learningRate: number;
  /** TF-1 defaults: 0.9, 0.999, 1e-8. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface AdamOptimizer {
  readonly learningRate: number;
  /** Number of updates applied so far (TF-1's `t`). */
  readonly iterations: number;
  /**
   * One update of `variables` from `gradients` (same order, same shapes).
   * The gradients are only read, never disposed.
   */
  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void;
  /**
   * The same update from all gradients joined into one array, in the order
   * of `variables`: how lib/parallel.ts sums the gradients of two threads.
   * @param gradient [total size of the variables]
   */
  applyFlatGradient(variables: readonly tf.Variable[], gradient: Float32Array): void;
  /**
   * One update that lowers `loss()` over `variables`, with gradients from
   * tfjs autodiff (TF-1's `optimizer.minimize(loss)`).
   * @returns the loss before the update
   */
  minimize(loss: () => tf.Scalar, variables: readonly tf.Variable[]): number;
  /** Kept for symmetry with the models' dispose(): the moments are plain arrays, not tensors. */
  dispose(): void;
}

/**
 * Creates TF-1's AdamOptimizer for a fixed list of variables, with the
 * moments m and v at zero.
 */
export function adamOptimizer(config: AdamConfig, variables: readonly tf.Variable[]): AdamOptimizer {
  const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = config;
  if (!(learningRate > 0)) {
    throw new Error(`Expected \`learningRate\` to be a positive number, got ${learningRate}`);
  }
  const total = variables.reduce((sum, x) => sum + x.size, 0);
  const m = new Float32Array(total);
  const v = new Float32Array(total);
  let t = 0;

  function checkVariables(vars: readonly tf.Variable[]): void {
    if (vars.length !== variables.length || vars.some((x, i) => x !== variables[i])) {
      throw new Error('Expected `variables` to be the list the optimizer was created for');
    }
  }

  function applyGradients(vars: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    checkVariables(vars);
    if (gradients.length !== vars.length) {
      throw new Error(`Expected ${vars.length} gradients, got ${gradients.length}`);
    }
    const g = new Float32Array(total);
    let offset = 0;
    gradients.forEach((x, i) => {
      if (x.size !== variables[i]!.size) {
        throw new Error(`Expected gradient ${i} of shape [${variables[i]!.shape.join(', ')}], got [${x.shape.join(', ')}]`);
      }
      g.set(x.dataSync() as Float32Array, offset);
      offset += x.size;
    });
    update(g);
  }

  function applyFlatGradient(vars: readonly tf.Variable[], gradient: Float32Array): void {
    checkVariables(vars);
    if (gradient.length !== total) {
      throw new Error(`Expected \`gradient\` of length ${total}, got ${gradient.length}`);
    }
    update(gradient);
  }

  function update(g: Float32Array): void {
    t += 1;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    let offset = 0;
    for (const x of variables) {
      // The variable's current values, read each step so that an assign() from outside counts.
      const w = Float32Array.from(x.dataSync() as Float32Array);
      for (let i = 0, k = offset; i < w.length; i++, k++) {
        const gk = g[k]!;
        m[k] = beta1 * m[k]! + (1 - beta1) * gk;
        v[k] = beta2 * v[k]! + (1 - beta2) * gk * gk;
        // The step uses the moments as stored, in float32, as TF-1's ApplyAdam does.
        w[i] = w[i]! - (lrT * m[k]!) / (Math.sqrt(v[k]!) + epsilon);
      }
      const value = tf.tensor(w, x.shape);
      x.assign(value);
      value.dispose();
      offset += w.length;
    }
  }

  return {
    learningRate,
    get iterations() {
      return t;
    },
    applyGradients,
    applyFlatGradient,
    minimize(loss, vars) {
      const { value, grads } = tf.variableGrads(loss, [...vars]);
      try {
        applyGradients(vars, vars.map((x) => grads[x.name] as tf.Tensor));
        return value.dataSync()[0] as number;
      } finally {
        value.dispose();
        tf.dispose(grads);
      }
    },
    dispose() {},
  };
}
