/**
 * The few TensorFlow ops of the training fast path (model.ts's rnnGradients,
 * adam.ts), called straight on tfjs-node's native backend.
 *
 * Why: a training step is about 180 ops on [50, 128] matrices, each a few
 * microseconds of arithmetic, so per-op overhead is the cost. Going around
 * tfjs's op wrappers and kernel registry saves about a third of it, and gives
 * TensorFlow's own fused gradient ops: `TanhGrad` (dy * (1 - y^2) in one op)
 * and `SparseSoftmaxCrossEntropyWithLogits` (loss and softmax - oneHot in one).
 * The results are ordinary tfjs tensors, so tf.tidy and tf.memory see them.
 *
 * Only for forward/backward code written by hand: these ops record no
 * gradients for tf.grad.
 */
import * as tf from '@tensorflow/tfjs-node';
import { nodeBackend } from '@tensorflow/tfjs-node/dist/nodejs_kernel_backend';
import type { TFEOpAttr } from '@tensorflow/tfjs-node/dist/tfjs_binding';

export interface NativeOps {
  /** a @ b, optionally transposing either: [m, k] @ [k, n] -> [m, n] */
  matMul(a: tf.Tensor, b: tf.Tensor, transposeA?: boolean, transposeB?: boolean): tf.Tensor2D;
  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  sub(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  div(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  square(x: tf.Tensor): tf.Tensor;
  sqrt(x: tf.Tensor): tf.Tensor;
  tanh(x: tf.Tensor): tf.Tensor2D;
  /** dy * (1 - y^2): the gradient through y = tanh(x). */
  tanhGrad(y: tf.Tensor, dy: tf.Tensor): tf.Tensor2D;
  /** x [..., n] + bias [n] */
  biasAdd(x: tf.Tensor, bias: tf.Tensor): tf.Tensor2D;
  /**
   * @param logits [batch, nClasses]
   * @param labels [batch] int32
   * @returns loss [batch], and its gradient with respect to logits: softmax(logits) - oneHot(labels)
   */
  sparseSoftmaxCrossEntropyWithLogits(logits: tf.Tensor, labels: tf.Tensor): [tf.Tensor1D, tf.Tensor2D];
  sum(x: tf.Tensor, axis: number): tf.Tensor;
  reshape(x: tf.Tensor, shape: number[]): tf.Tensor;
  transpose(x: tf.Tensor, perm: number[]): tf.Tensor;
  concat(xs: tf.Tensor[], axis: number): tf.Tensor;
  stack(xs: tf.Tensor[], axis: number): tf.Tensor;
  unstack(x: tf.Tensor, axis: number): tf.Tensor2D[];
  /** Splits `x` along `axis` into pieces of the given sizes. */
  split(x: tf.Tensor, sizes: number[], axis: number): tf.Tensor[];
}

/**
 * Binds the ops to the current tfjs-node backend. Throws, rather than falling
 * back to slow JS ops, if the backend is not tfjs-node's native TensorFlow.
 */
export function nativeOps(): NativeOps {
  const backend = nodeBackend();
  const { binding } = backend;
  const float: TFEOpAttr = { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
  const int32 = (name: string): TFEOpAttr => ({ name, type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 });
  const int = (name: string, value: number): TFEOpAttr => ({ name, type: binding.TF_ATTR_INT, value });
  const bool = (name: string, value: boolean): TFEOpAttr => ({ name, type: binding.TF_ATTR_BOOL, value });
  const one = (name: string, attrs: TFEOpAttr[], inputs: tf.Tensor[]) => backend.executeSingleOutput(name, attrs, inputs);
  const T = [float];
  const matMulAttrs = [false, true].map((a) =>
    [false, true].map((b) => [float, bool('transpose_a', a), bool('transpose_b', b)]));
  const biasAddAttrs: TFEOpAttr[] = [float, { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' }];
  const sumAttrs = [float, int32('Tidx'), bool('keep_dims', false)];
  const reshapeAttrs = [float, int32('Tshape')];
  const concatAttrs = (n: number) => [float, int32('Tidx'), int('N', n)];
  const xentAttrs = [float, int32('Tlabels')];

  // Shapes and axes are int32 tensor inputs in TensorFlow. Made per call and freed at once
  // (about 3 us each, a dozen per step) rather than cached, so that the op set holds no
  // tensors and tf.memory() counts the same before and after any step.
  const withIndex = (values: number[] | number, f: (index: tf.Tensor) => tf.Tensor): tf.Tensor => {
    const index = typeof values === 'number' ? tf.scalar(values, 'int32') : tf.tensor1d(values, 'int32');
    try {
      return f(index);
    } finally {
      index.dispose();
    }
  };

  return {
    matMul: (a, b, transposeA = false, transposeB = false) =>
      one('MatMul', matMulAttrs[+transposeA]![+transposeB]!, [a, b]) as tf.Tensor2D,
    add: (a, b) => one('AddV2', T, [a, b]),
    sub: (a, b) => one('Sub', T, [a, b]),
    mul: (a, b) => one('Mul', T, [a, b]),
    div: (a, b) => one('RealDiv', T, [a, b]),
    square: (x) => one('Square', T, [x]),
    sqrt: (x) => one('Sqrt', T, [x]),
    tanh: (x) => one('Tanh', T, [x]) as tf.Tensor2D,
    tanhGrad: (y, dy) => one('TanhGrad', T, [y, dy]) as tf.Tensor2D,
    biasAdd: (x, bias) => one('BiasAdd', biasAddAttrs, [x, bias]) as tf.Tensor2D,
    sparseSoftmaxCrossEntropyWithLogits: (logits, labels) =>
      backend.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', xentAttrs, [logits, labels], 2) as [
        tf.Tensor1D,
        tf.Tensor2D,
      ],
    sum: (x, axis) => withIndex(axis, (a) => one('Sum', sumAttrs, [x, a])),
    reshape: (x, shape) => withIndex(shape, (s) => one('Reshape', reshapeAttrs, [x, s])),
    transpose: (x, perm) => withIndex(perm, (p) => one('Transpose', [float, int32('Tperm')], [x, p])),
    concat: (xs, axis) => withIndex(axis, (a) => one('ConcatV2', concatAttrs(xs.length), [...xs, a])),
    stack: (xs, axis) => one('Pack', [float, int('N', xs.length), int('axis', axis)], xs),
    unstack: (x, axis) =>
      backend.executeMultipleOutputs('Unpack', [float, int('num', x.shape[axis]!), int('axis', axis)], [x], x.shape[axis]!) as tf.Tensor2D[],
    split: (x, sizes, axis) => {
      const [s, a] = [tf.tensor1d(sizes, 'int32'), tf.scalar(axis, 'int32')];
      try {
        const attrs = [float, int32('Tlen'), int('num_split', sizes.length)];
        return backend.executeMultipleOutputs('SplitV', attrs, [x, s, a], sizes.length);
      } finally {
        tf.dispose([s, a]);
      }
    },
  };
}
