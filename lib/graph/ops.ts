// A Graph's ops (lib/graph/graph.ts) under tfjs's names: what lib/model/training-graph.ts is built from.
import type { Attr, Graph, Output, Target } from './graph';

/**
 * The ops the training graph uses, under tfjs's names, each adding one node.
 * Float32 unless stated; axes and shapes become int32 constants, as in TF-1.
 */
// eslint-disable-next-line max-lines-per-function -- a table of one-line ops, one entry per TensorFlow op
export function graphOps(g: Graph) {
  const F = { T: { type: 'float' } } as const;
  const I = (name: string) => ({ [name]: { type: 'int32' } }) as Record<string, Attr>;
  const unary = (op: string) => (x: Output) => g.op(op, [x], F);
  const binary = (op: string) => (a: Output, b: Output) => g.op(op, [a, b], F);
  return {
    /** [m, k] @ [k, n], optionally transposing either */
    matMul: (a: Output, b: Output, transposeA = false, transposeB = false) =>
      g.op('MatMul', [a, b], { ...F, transpose_a: { b: transposeA }, transpose_b: { b: transposeB } }),
    add: binary('AddV2'),
    sub: binary('Sub'),
    mul: binary('Mul'),
    div: binary('RealDiv'),
    square: unary('Square'),
    sqrt: unary('Sqrt'),
    tanh: unary('Tanh'),
    /** dy * (1 - y^2): the gradient through y = tanh(x), given y. */
    tanhGrad: (y: Output, dy: Output) => g.op('TanhGrad', [y, dy], F),
    zerosLike: unary('ZerosLike'),
    /** x [..., n] + bias [n] */
    biasAdd: (x: Output, bias: Output) => g.op('BiasAdd', [x, bias], F),
    addN: (xs: Output[]) => (xs.length === 1 ? (xs[0] as Output) : g.op('AddN', xs, { ...F, N: { i: xs.length } })),
    reshape: (x: Output, shape: number[]) => g.op('Reshape', [x, g.constant(shape, 'int32')], { ...F, ...I('Tshape') }),
    transpose: (x: Output, perm: number[]) =>
      g.op('Transpose', [x, g.constant(perm, 'int32')], { ...F, ...I('Tperm') }),
    sum: (x: Output, axis: number) => g.op('Sum', [x, g.constant(axis, 'int32')], { ...F, ...I('Tidx') }),
    concat: (xs: Output[], axis: number) =>
      g.op('ConcatV2', [...xs, g.constant(axis, 'int32')], { ...F, ...I('Tidx'), N: { i: xs.length } }),
    stack: (xs: Output[], axis: number) => g.op('Pack', xs, { ...F, N: { i: xs.length }, axis: { i: axis } }),
    /** The `num` slices of `x` along `axis`. */
    unstack: (x: Output, num: number, axis: number) =>
      g.add('Unpack', [x], { ...F, num: { i: num }, axis: { i: axis } }, num),
    /** Splits `x` along `axis` into pieces of the given sizes. */
    split: (x: Output, sizes: number[], axis: number) =>
      g.add(
        'SplitV',
        [x, g.constant(sizes, 'int32'), g.constant(axis, 'int32')],
        { ...F, ...I('Tlen'), num_split: { i: sizes.length } },
        sizes.length,
      ),
    /** The number of elements of an int32 tensor, as a float32 scalar. */
    sizeAsFloat: (x: Output) =>
      g.op('Cast', [g.op('Size', [x], { T: { type: 'int32' }, ...I('out_type') })], {
        SrcT: { type: 'int32' },
        DstT: { type: 'float' },
      }),
    /**
     * A float32 resource variable of the session, found by `name` (VarHandleOp): its value
     * lasts from one run to the next, until the session is disposed.
     * @returns its handle
     */
    variable: (name: string, shape: number[]) =>
      g.op(
        'VarHandleOp',
        [],
        { dtype: { type: 'float' }, shape: { shape }, container: { s: '' }, shared_name: { s: name } },
        name,
      ),
    /** The value of the variable behind `handle`, read after the targets `after`. */
    readVariable: (handle: Output, after: Target[] = []) =>
      g.add('ReadVariableOp', [handle], { dtype: { type: 'float' } }, 1, undefined, after)[0] as Output,
    /** Gives the variable behind `handle` the value `value`, after the targets `after`. */
    assignVariable: (handle: Output, value: Output, after: Target[] = []) =>
      g.target('AssignVariableOp', [handle, value], { dtype: { type: 'float' } }, after),
    /**
     * TF-1's Adam update of one variable and its two slots, in place (ResourceApplyAdam):
     * lr_t = lr * sqrt(1 - beta2Power) / (1 - beta1Power); m += (grad - m) * (1 - beta1);
     * v += (grad^2 - v) * (1 - beta2); var -= lr_t * m / (sqrt(v) + epsilon).
     * Handles for `variable`, `m`, `v`; the rest are float32 scalars but `grad`, shaped like the variable.
     */
    applyAdam: (a: {
      variable: Output;
      m: Output;
      v: Output;
      beta1Power: Output;
      beta2Power: Output;
      learningRate: Output;
      beta1: Output;
      beta2: Output;
      epsilon: Output;
      grad: Output;
    }) =>
      g.target(
        'ResourceApplyAdam',
        [a.variable, a.m, a.v, a.beta1Power, a.beta2Power, a.learningRate, a.beta1, a.beta2, a.epsilon, a.grad],
        { ...F, use_locking: { b: false }, use_nesterov: { b: false } },
      ),
    /**
     * How many examples' label is among the `k` largest logits, as a float32 scalar
     * (TF-1's `in_top_k`, summed: ties at the boundary count as in).
     * @param logits [batch, nClasses]
     * @param labels [batch] int32
     */
    countInTopK: (logits: Output, labels: Output, k: number) => {
      const inTopK = g.op('InTopKV2', [logits, labels, g.constant(k, 'int32')], { T: { type: 'int32' } });
      const asFloat = g.op('Cast', [inTopK], { SrcT: { type: 'bool' }, DstT: { type: 'float' } });
      return g.op('Sum', [asFloat, g.constant(0, 'int32')], { ...F, ...I('Tidx') });
    },
    /**
     * @param logits [batch, nClasses]
     * @param labels [batch] int32
     * @returns loss [batch], and its gradient with respect to logits: softmax(logits) - oneHot(labels)
     */
    sparseSoftmaxCrossEntropyWithLogits: (logits: Output, labels: Output) =>
      g.add('SparseSoftmaxCrossEntropyWithLogits', [logits, labels], { ...F, ...I('Tlabels') }, 2) as [Output, Output],
  };
}
export type GraphOps = ReturnType<typeof graphOps>;
