/**
 * Adam as TF-1's `tf.train.AdamOptimizer` computes it (Kingma & Ba, section 2, the "epsilon
 * hat" form), written in tfjs ops. tfjs's own `tf.train.adam` adds epsilon after bias-correcting
 * v and so drifts slightly from TF-1; this one takes TF-1's steps (test/unit/model-reference.test.ts
 * checks two against TensorFlow's). With t the step number, from 1:
 *
 *   alpha = learningRate * sqrt(1 - beta2^t) / (1 - beta1^t)
 *   m     = m + (g - m) * (1 - beta1)
 *   v     = v + (g^2 - v) * (1 - beta2)
 *   w     = w - alpha * m / (sqrt(v) + epsilon)
 *
 * Like TF-1's slots, m and v are float32 variables, one pair per trained variable, and so are
 * beta1^t and beta2^t: all of them are made here, before the first step, so that a traced
 * training step (tracer/) finds every variable it updates already there.
 */
import * as tf from '@tensorflow/tfjs-node';

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

export interface AdamOptimizer {
  /** Each trained variable's m and v, in the order of the variables given. */
  readonly slots: readonly { m: tf.Variable; v: tf.Variable }[];
  /** One Adam step: `grads[i]` is the gradient of the loss with respect to variable i. */
  applyGradients(grads: readonly tf.Tensor[]): void;
  dispose(): void;
}

/** TF-1's `AdamOptimizer(learningRate)` for `variables`, its slots at zero and t at 0. */
export function adamOptimizer(config: AdamConfig, variables: readonly tf.Variable[]): AdamOptimizer {
  const { learningRate, beta1, beta2, epsilon } = adamConfig(config);
  // tidy frees the initial values; the variables keep their own reference to the data.
  const slot = (w: tf.Tensor) => tf.tidy(() => tf.variable(tf.zerosLike(w), false));
  const slots = variables.map((w) => ({ m: slot(w), v: slot(w) }));
  // TF-1 starts them at beta1 and beta2 and multiplies them after each step's update.
  const beta1Power = tf.tidy(() => tf.variable(tf.scalar(beta1), false));
  const beta2Power = tf.tidy(() => tf.variable(tf.scalar(beta2), false));
  return {
    slots,
    applyGradients(grads) {
      tf.tidy(() => {
        const alpha = tf.div(tf.mul(learningRate, tf.sqrt(tf.sub(1, beta2Power))), tf.sub(1, beta1Power));
        variables.forEach((w, i) => {
          const { m, v } = slots[i]!;
          const g = grads[i]!;
          m.assign(tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1)));
          v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - beta2)));
          w.assign(tf.sub(w, tf.div(tf.mul(alpha, m), tf.add(tf.sqrt(v), epsilon))));
        });
        beta1Power.assign(tf.mul(beta1Power, beta1));
        beta2Power.assign(tf.mul(beta2Power, beta2));
      });
    },
    dispose: () => tf.dispose([...slots.flatMap(({ m, v }) => [m, v]), beta1Power, beta2Power]),
  };
}
