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
 * Speed: every op is a call into TensorFlow, and for a model this small the
 * call costs more than the arithmetic. So all gradients are joined into one
 * flat vector and the update above runs once on it (about 20 ops per step)
 * rather than once per variable (about 50).
 */
import * as tf from '@tensorflow/tfjs-node';
import { nativeOps } from './native-ops';

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
   * One update that lowers `loss()` over `variables`, with gradients from
   * tfjs autodiff (TF-1's `optimizer.minimize(loss)`).
   * @returns the loss before the update
   */
  minimize(loss: () => tf.Scalar, variables: readonly tf.Variable[]): number;
  /** Frees the moment estimates m and v. */
  dispose(): void;
}

/**
 * Creates TF-1's AdamOptimizer for a fixed list of variables. The moments
 * m and v are allocated here, at once, so that the tensor count does not
 * change after the first step.
 */
export function adamOptimizer(config: AdamConfig, variables: readonly tf.Variable[]): AdamOptimizer {
  const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = config;
  if (!(learningRate > 0)) {
    throw new Error(`Expected \`learningRate\` to be a positive number, got ${learningRate}`);
  }
  const sizes = variables.map((v) => v.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const m = tf.variable(tf.zeros([total]), false);
  const v = tf.variable(tf.zeros([total]), false);
  const constants = {
    beta1: tf.scalar(beta1),
    oneMinusBeta1: tf.scalar(1 - beta1),
    beta2: tf.scalar(beta2),
    oneMinusBeta2: tf.scalar(1 - beta2),
    epsilon: tf.scalar(epsilon),
  };
  let t = 0;
  const ops = nativeOps();

  function applyGradients(vars: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    if (vars.length !== variables.length || vars.some((x, i) => x !== variables[i])) {
      throw new Error('Expected `variables` to be the list the optimizer was created for');
    }
    if (gradients.length !== vars.length) {
      throw new Error(`Expected ${vars.length} gradients, got ${gradients.length}`);
    }
    t += 1;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    tf.tidy(() => {
      const g = ops.concat(gradients.map((x) => ops.reshape(x, [-1])), 0);
      const c = constants;
      const newM = ops.add(ops.mul(m, c.beta1), ops.mul(g, c.oneMinusBeta1));
      const newV = ops.add(ops.mul(v, c.beta2), ops.mul(ops.square(g), c.oneMinusBeta2));
      const step = ops.mul(ops.div(newM, ops.add(ops.sqrt(newV), c.epsilon)), tf.scalar(lrT));
      m.assign(newM as tf.Tensor1D);
      v.assign(newV as tf.Tensor1D);
      const steps = ops.split(step, sizes, 0);
      vars.forEach((x, i) => x.assign(ops.sub(x, ops.reshape(steps[i] as tf.Tensor, x.shape))));
    });
  }

  return {
    learningRate,
    get iterations() {
      return t;
    },
    applyGradients,
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
    dispose() {
      tf.dispose([m, v, ...Object.values(constants)]);
    },
  };
}
