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
 * The update is TensorFlow's own ResourceApplyAdam kernel, the one TF-1's
 * AdamOptimizer runs, inside the training graph (lib/model/training-graph.ts); m and
 * v are float32 variables there like TF-1's slots, and so are beta1^t and
 * beta2^t. This module holds the settings.
 */

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
