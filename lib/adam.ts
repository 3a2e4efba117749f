/**
 * Adam as TF-1's `tf.train.AdamOptimizer` computes it (Kingma & Ba, section 2,
 * the "epsilon hat" form), not tfjs's `tf.train.adam`, which adds epsilon
 * after bias-correcting v and so drifts slightly from TF-1:
 *
 *   alpha = learningRate * sqrt(1 - beta2^t) / (1 - beta1^t)
 *   m     = m + (g - m) * (1 - beta1)
 *   v     = v + (g^2 - v) * (1 - beta2)
 *   w     = w - alpha * m / (sqrt(v) + epsilon)
 *
 * The update is part of the training graph (lib/training-graph.ts), so it
 * costs no extra call into TensorFlow; m and v are float32 like TF-1's slots.
 */
import { GraphOps, Output } from './tf-graph';

export interface AdamConfig {
  learningRate: number;
  /** TF-1 defaults: 0.9, 0.999, 1e-8. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** `config` with TF-1's defaults filled in, checked. */
export function adamConfig(config: AdamConfig): Required<AdamConfig> {
  const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = config;
  if (!(learningRate > 0)) throw new Error(`Expected \`learningRate\` to be a positive number, got ${learningRate}`);
  for (const [name, value] of [
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (!(value >= 0 && value < 1)) throw new Error(`Expected \`${name}\` to be in [0, 1), got ${value}`);
  }
  if (!(epsilon >= 0)) throw new Error(`Expected \`epsilon\` to be a non-negative number, got ${epsilon}`);
  return { learningRate, beta1, beta2, epsilon };
}

/** The step size of update number `t` (from 1): TF-1's lr_t. */
export function adamAlpha(config: Required<AdamConfig>, t: number): number {
  return (config.learningRate * Math.sqrt(1 - config.beta2 ** t)) / (1 - config.beta1 ** t);
}

/**
 * Adds TF-1's ApplyAdam to a graph, for one vector of parameters.
 * @param state `w`, `m`, `v` and the gradient `g`, each [n]; `alpha` a scalar (see `adamAlpha`)
 * @returns the new `w`, `m` and `v`, each [n]
 */
export function adamUpdate(
  ops: GraphOps,
  constant: (value: number) => Output,
  config: Required<AdamConfig>,
  state: { w: Output; m: Output; v: Output; g: Output; alpha: Output },
): { w: Output; m: Output; v: Output } {
  const { w, m, v, g, alpha } = state;
  // 1 - beta as float32 arithmetic gives it, as in ApplyAdam's kernel (exact: Sterbenz).
  const m1 = ops.add(m, ops.mul(ops.sub(g, m), constant(1 - Math.fround(config.beta1))));
  const v1 = ops.add(v, ops.mul(ops.sub(ops.square(g), v), constant(1 - Math.fround(config.beta2))));
  const w1 = ops.sub(w, ops.div(ops.mul(m1, alpha), ops.add(ops.sqrt(v1), constant(config.epsilon))));
  return { w: w1, m: m1, v: v1 };
}
