/**
 * TF-1 style graphs from TypeScript: a construction phase that lists the
 * ops of a computation once, and an execution phase that runs the whole
 * list in one call to TensorFlow's graph executor, as the seed's
 * `sess.run(training_op, feed_dict=...)` does.
 *
 * Why: eager tfjs pays about 7 us of dispatch per op, and a training step of
 * the seed's RNN is about 160 ops on [50, 128] matrices, so eager dispatch
 * costs about as much as the arithmetic. The same step as one graph measured
 * 1.95 ms against 4.0 ms eager on one core, and a graph can run independent
 * branches on both cores.
 *
 * tfjs-node can run a graph only from a SavedModel directory, so `createSession`
 * writes the graph as one (`saved_model.pb`, built with tfjs-node's generated
 * protobuf classes, with no checkpoint) into a temporary directory, loads it
 * through tfjs-node's binding and deletes the directory. A graph's resource
 * variables (`variable`) live in that session from run to run, as in TF-1:
 * the graph gives them their first values itself, from fed placeholders.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import { nodeBackend } from '@tensorflow/tfjs-node/dist/nodejs_kernel_backend';
import type * as pb from './tf-proto';
import { tfProto } from './tf-proto';

/** The dtypes used here, under TensorFlow's names, with their tfjs names. */
const DTYPES = { float: 'float32', int32: 'int32', bool: 'bool' } as const;
export type DType = keyof typeof DTYPES;

/** TensorFlow's DataType enum value (types.proto) of `dtype`. */
function dataType(dtype: DType): number {
  return { float: tfProto.DataType.DT_FLOAT, int32: tfProto.DataType.DT_INT32, bool: tfProto.DataType.DT_BOOL }[dtype];
}

/** A node's output, in TensorFlow's `name:index` form. */
export type Output = string & { readonly __output: unique symbol };

/** A node run for its effect (it has no outputs), by name: what a control dependency names. */
export type Target = string & { readonly __target: unique symbol };

/** An attribute of a node (NodeDef.attr). */
export type Attr =
  | { type: DType }
  | { i: number }
  | { b: boolean }
  | { s: string }
  | { shape: number[] }
  | { tensor: { dtype: DType; shape: number[]; values: Float32Array | Int32Array } };

interface NodeDef {
  name: string;
  op: string;
  inputs: Output[];
  attrs: Record<string, Attr>;
  /** Nodes that must have run before this one. */
  after: Target[];
}

/** Builds a GraphDef: every method adds one node and returns its outputs. */
export class Graph {
  private readonly nodes: NodeDef[] = [];
  private readonly names = new Set<string>();
  private readonly placeholders = new Map<string, { dtype: DType; shape: number[] }>();
  private readonly namedOutputs = new Map<string, DType>();

  /**
   * Adds `op` with `inputs` and `attrs`.
   * @param name defaults to the op's name with a number, as in TF-1
   * @returns the node's first `numOutputs` outputs
   */
  add(
    op: string,
    inputs: Output[],
    attrs: Record<string, Attr> = {},
    numOutputs = 1,
    name?: string,
    after: Target[] = [],
  ): Output[] {
    // Node names may not start with `_`, as internal ops' names such as _FusedMatMul do.
    const base = op.replace(/^_+/, '');
    let unique = name ?? base;
    if (this.names.has(unique)) {
      if (name !== undefined) throw new Error(`Graph: a node named ${name} already exists`);
      let n = 1;
      while (this.names.has(`${base}_${n}`)) n++;
      unique = `${base}_${n}`;
    }
    this.names.add(unique);
    this.nodes.push({ name: unique, op, inputs, attrs, after });
    return Array.from({ length: numOutputs }, (_, i) => `${unique}:${i}` as Output);
  }

  /** One output of `op`. */
  op(op: string, inputs: Output[], attrs: Record<string, Attr> = {}, name?: string): Output {
    return this.add(op, inputs, attrs, 1, name)[0] as Output;
  }

  /**
   * A node with no outputs, such as a variable's assignment: fetch it through `name(x, n, dtype, [target])`.
   * @param after targets that must have run before it
   */
  target(op: string, inputs: Output[], attrs: Record<string, Attr> = {}, after: Target[] = []): Target {
    const [output] = this.add(op, inputs, attrs, 1, undefined, after);
    return (output as string).slice(0, -2) as Target;
  }

  /**
   * A value fed at every run, named so that `GraphSession.run` finds it.
   * @param shape -1 for a dimension of any size
   */
  placeholder(name: string, dtype: DType, shape: number[]): Output {
    const output = this.op('Placeholder', [], { dtype: { type: dtype }, shape: { shape } }, name);
    this.placeholders.set(name, { dtype, shape });
    return output;
  }

  /** A constant, float32 unless `dtype` says int32. */
  constant(values: number[] | number, dtype: DType = 'float'): Output {
    const shape = typeof values === 'number' ? [] : [values.length];
    const data = typeof values === 'number' ? [values] : values;
    const typed = dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
    return this.op('Const', [], { dtype: { type: dtype }, value: { tensor: { dtype, shape, values: typed } } });
  }

  /**
   * Gives `x` a name to fetch it by (an Identity node).
   * @param after targets that fetching it runs first
   */
  name(x: Output, name: string, dtype: DType = 'float', after: Target[] = []): Output {
    const [named] = this.add('Identity', [x], { T: { type: dtype } }, 1, name, after) as [Output];
    this.namedOutputs.set(name, dtype);
    return named;
  }

  /** The dtype and shape of each placeholder, by name. */
  inputs(): ReadonlyMap<string, { dtype: DType; shape: number[] }> {
    return this.placeholders;
  }

  /** The dtype of each output named with `name`, by name. */
  outputs(): ReadonlyMap<string, DType> {
    return this.namedOutputs;
  }

  /** The GraphDef protobuf message (graph.proto). */
  toGraphDef(): pb.GraphDef {
    const graphDef = new tfProto.GraphDef();
    for (const node of this.nodes) graphDef.addNode(nodeProto(node));
    // Producer 1087 is TensorFlow 2.9, the oldest libtensorflow tfjs-node 4 runs on.
    return graphDef.setVersions(new tfProto.VersionDef().setProducer(1087));
  }
}

/**
 * The ops the training graph uses, under tfjs's names, each adding one node.
 * Float32 unless stated; axes and shapes become int32 constants, as in TF-1.
 */
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
    /** The value of the variable behind `handle`. */
    readVariable: (handle: Output) => g.op('ReadVariableOp', [handle], { dtype: { type: 'float' } }),
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

function nodeProto(node: NodeDef): pb.NodeDef {
  const proto = new tfProto.NodeDef().setName(node.name).setOp(node.op);
  // A node's first output is written by its bare name, as TensorFlow writes it.
  for (const input of node.inputs) proto.addInput(input.endsWith(':0') ? input.slice(0, -2) : input);
  for (const target of node.after) proto.addInput(`^${target}`);
  const attrs = proto.getAttrMap();
  for (const [key, value] of Object.entries(node.attrs)) attrs.set(key, attrProto(value));
  return proto;
}

/** @param shape null for a shape of unknown rank */
function shapeProto(shape: number[] | null): pb.TensorShape {
  const proto = new tfProto.TensorShape();
  if (shape === null) return proto.setUnknownRank(true);
  for (const size of shape) proto.addDim(new tfProto.TensorShape.Dim().setSize(size));
  return proto;
}

function attrProto(attr: Attr): pb.AttrValue {
  const proto = new tfProto.AttrValue();
  if ('type' in attr) return proto.setType(dataType(attr.type));
  if ('i' in attr) return proto.setI(attr.i);
  if ('b' in attr) return proto.setB(attr.b);
  // A string attribute is a protobuf `bytes` field, which google-protobuf would read from a
  // JS string as base64: it gets the UTF-8 bytes instead.
  if ('s' in attr) return proto.setS(new TextEncoder().encode(attr.s));
  if ('shape' in attr) return proto.setShape(shapeProto(attr.shape));
  const { dtype, shape, values } = attr.tensor;
  const tensor = new tfProto.Tensor()
    .setDtype(dataType(dtype))
    .setTensorShape(shapeProto(shape))
    // The values' bytes, little-endian like every machine TF runs on here.
    .setTensorContent(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return proto.setTensor(tensor);
}

/**
 * A SavedModel (saved_model.proto) holding `graph` as its one MetaGraph,
 * tagged `serve`, with a `serving_default` signature of its placeholders and
 * named outputs, so that standard tools (saved_model_cli) can read it too.
 */
export function savedModelProto(graph: Graph): Uint8Array {
  // Outputs get a shape of unknown rank: the graph does not fix theirs.
  const tensorInfo = (name: string, dtype: DType, shape: number[] | null) =>
    new tfProto.TensorInfo().setName(`${name}:0`).setDtype(dataType(dtype)).setTensorShape(shapeProto(shape));
  const signature = new tfProto.SignatureDef().setMethodName('tensorflow/serving/predict');
  const inputs = signature.getInputsMap();
  for (const [name, { dtype, shape }] of graph.inputs()) inputs.set(name, tensorInfo(name, dtype, shape));
  const outputs = signature.getOutputsMap();
  for (const [name, dtype] of graph.outputs()) outputs.set(name, tensorInfo(name, dtype, null));
  const metaGraph = new tfProto.MetaGraphDef()
    .setMetaInfoDef(new tfProto.MetaGraphDef.MetaInfoDef().addTags('serve'))
    .setGraphDef(graph.toGraphDef());
  metaGraph.getSignatureDefMap().set('serving_default', signature);
  const savedModel = new tfProto.SavedModel().setSavedModelSchemaVersion(1);
  savedModel.addMetaGraphs(metaGraph);
  return savedModel.serializeBinary();
}

/** A loaded graph: run it with feeds, get its fetches as tfjs tensors. */
export interface GraphSession {
  /**
   * Runs the graph once.
   * @param feeds a tensor for each placeholder that the fetches depend on, by name
   * @param fetches names given with `Graph.name`
   * @returns the fetched tensors, in the order of `fetches`; the caller disposes them
   */
  run(feeds: Record<string, tf.Tensor>, fetches: readonly string[]): tf.Tensor[];
  /** Frees the TensorFlow session. */
  dispose(): void;
}

// Frees the TensorFlow session of a GraphSession that was dropped without dispose(),
// as when a notebook cell that creates a model runs again (about 3 MB each).
// Made on first use, so that importing this module does nothing.
let sessionFinalizer: FinalizationRegistry<number> | undefined;

/**
 * Loads `graph` into a TensorFlow session on tfjs-node's native backend.
 * `dispose()` frees it; so does garbage collection of a session no longer referenced.
 */
export function createSession(graph: Graph): GraphSession {
  const backend = nodeBackend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-graph-'));
  let id: number;
  try {
    fs.writeFileSync(path.join(dir, 'saved_model.pb'), savedModelProto(graph));
    id = backend.loadSavedModelMetaGraph(dir, 'serve');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Each feed under its placeholder's name and dtype, made once rather than at every run.
  const inputs = new Map<string, { name: string; dtype: (typeof DTYPES)[DType] }>();
  for (const [name, { dtype }] of graph.inputs()) inputs.set(name, { name: `${name}:0`, dtype: DTYPES[dtype] });
  const outputs = graph.outputs();
  let open = true;
  const session: GraphSession = {
    run(feeds, fetches) {
      if (!open) throw new Error('GraphSession.run: the session has been disposed');
      const names = Object.keys(feeds);
      const tensors: tf.Tensor[] = [];
      const infos = names.map((name) => {
        const info = inputs.get(name);
        if (info === undefined) throw new Error(`GraphSession.run: the graph has no input named ${name}`);
        const tensor = feeds[name] as tf.Tensor;
        // TensorFlow's own message for a wrong dtype names only the argument's position.
        if (tensor.dtype !== info.dtype) {
          throw new Error(`GraphSession.run: expected \`${name}\` to be of dtype ${info.dtype}, got ${tensor.dtype}`);
        }
        tensors.push(tensor);
        return info;
      });
      for (const name of fetches) {
        if (!outputs.has(name)) throw new Error(`GraphSession.run: the graph has no output named ${name}`);
      }
      return backend.runSavedModel(
        id,
        tensors,
        infos,
        fetches.map((f) => `${f}:0`),
      );
    },
    dispose() {
      if (open) {
        backend.deleteSavedModel(id);
        sessionFinalizer?.unregister(session);
      }
      open = false;
    },
  };
  sessionFinalizer ??= new FinalizationRegistry((savedModelId) => backend.deleteSavedModel(savedModelId));
  sessionFinalizer.register(session, id, session);
  return session;
}
