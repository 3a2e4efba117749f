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
 * writes the graph as one (`saved_model.pb`, a protobuf written by hand
 * below, no variables: all state is fed and fetched) into a temporary
 * directory, loads it through tfjs-node's binding and deletes the directory.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import { nodeBackend } from '@tensorflow/tfjs-node/dist/nodejs_kernel_backend';

/** TensorFlow's DataType enum (types.proto), for the dtypes used here. */
export const DT = { float: 1, int32: 3 } as const;
export type DType = keyof typeof DT;

/** A node's output, in TensorFlow's `name:index` form. */
export type Output = string & { readonly __output: unique symbol };

/** An attribute of a node (NodeDef.attr). */
export type Attr =
  | { type: DType }
  | { i: number }
  | { b: boolean }
  | { shape: number[] }
  | { tensor: { dtype: DType; shape: number[]; values: Float32Array | Int32Array } };

interface NodeDef {
  name: string;
  op: string;
  inputs: Output[];
  attrs: Record<string, Attr>;
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
  add(op: string, inputs: Output[], attrs: Record<string, Attr> = {}, numOutputs = 1, name?: string): Output[] {
    let unique = name ?? op;
    if (this.names.has(unique)) {
      if (name !== undefined) throw new Error(`Graph: a node named ${name} already exists`);
      let n = 1;
      while (this.names.has(`${op}_${n}`)) n++;
      unique = `${op}_${n}`;
    }
    this.names.add(unique);
    this.nodes.push({ name: unique, op, inputs, attrs });
    return Array.from({ length: numOutputs }, (_, i) => `${unique}:${i}` as Output);
  }

  /** One output of `op`. */
  op(op: string, inputs: Output[], attrs: Record<string, Attr> = {}, name?: string): Output {
    return this.add(op, inputs, attrs, 1, name)[0] as Output;
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

  /** Gives `x` a name to fetch it by (an Identity node). */
  name(x: Output, name: string, dtype: DType = 'float'): Output {
    const named = this.op('Identity', [x], { T: { type: dtype } }, name);
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

  /** The GraphDef protobuf (graph.proto). */
  toGraphDef(): Uint8Array {
    const w = new ProtoWriter();
    for (const node of this.nodes) w.message(1, (n) => writeNode(n, node));
    // VersionDef: producer 1087 is TensorFlow 2.9, the oldest libtensorflow tfjs-node 4 runs on.
    w.message(4, (v) => v.varint(1, 1087));
    return w.finish();
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
    transpose: (x: Output, perm: number[]) => g.op('Transpose', [x, g.constant(perm, 'int32')], { ...F, ...I('Tperm') }),
    sum: (x: Output, axis: number) => g.op('Sum', [x, g.constant(axis, 'int32')], { ...F, ...I('Tidx') }),
    concat: (xs: Output[], axis: number) =>
      g.op('ConcatV2', [...xs, g.constant(axis, 'int32')], { ...F, ...I('Tidx'), N: { i: xs.length } }),
    stack: (xs: Output[], axis: number) => g.op('Pack', xs, { ...F, N: { i: xs.length }, axis: { i: axis } }),
    /** The `num` slices of `x` along `axis`. */
    unstack: (x: Output, num: number, axis: number) => g.add('Unpack', [x], { ...F, num: { i: num }, axis: { i: axis } }, num),
    /** Splits `x` along `axis` into pieces of the given sizes. */
    split: (x: Output, sizes: number[], axis: number) =>
      g.add('SplitV', [x, g.constant(sizes, 'int32'), g.constant(axis, 'int32')], { ...F, ...I('Tlen'), num_split: { i: sizes.length } }, sizes.length),
    /** The number of elements of an int32 tensor, as a float32 scalar. */
    sizeAsFloat: (x: Output) =>
      g.op('Cast', [g.op('Size', [x], { T: { type: 'int32' }, ...I('out_type') })], { SrcT: { type: 'int32' }, DstT: { type: 'float' } }),
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

function writeNode(w: ProtoWriter, node: NodeDef): void {
  w.string(1, node.name);
  w.string(2, node.op);
  for (const input of node.inputs) w.string(3, input.endsWith(':0') ? input.slice(0, -2) : input);
  for (const [key, value] of Object.entries(node.attrs)) {
    w.message(5, (entry) => {
      entry.string(1, key);
      entry.message(2, (a) => writeAttr(a, value));
    });
  }
}

function writeShape(w: ProtoWriter, shape: number[]): void {
  for (const size of shape) w.message(2, (d) => d.varint(1, size));
}

function writeAttr(w: ProtoWriter, attr: Attr): void {
  if ('type' in attr) w.varint(6, DT[attr.type]);
  else if ('i' in attr) w.varint(3, attr.i);
  else if ('b' in attr) w.varint(5, attr.b ? 1 : 0);
  else if ('shape' in attr) w.message(7, (s) => writeShape(s, attr.shape));
  else {
    const { dtype, shape, values } = attr.tensor;
    w.message(8, (t) => {
      t.varint(1, DT[dtype]);
      t.message(2, (s) => writeShape(s, shape));
      // tensor_content: the values' bytes, little-endian like every machine TF runs on here.
      t.bytes(4, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    });
  }
}

/**
 * The few parts of protobuf's wire format that a GraphDef and a SavedModel
 * need: varints (tags, ints, enums, bools) and length-delimited fields
 * (strings, bytes, messages).
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  varint(field: number, value: number): void {
    this.raw(field << 3);
    this.raw(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, Buffer.from(value, 'utf8'));
  }

  bytes(field: number, value: Uint8Array): void {
    this.raw((field << 3) | 2);
    this.raw(value.length);
    this.chunks.push(value);
  }

  message(field: number, build: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    build(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }

  /** One varint; negative numbers as 64-bit two's complement, as protobuf writes int64. */
  private raw(value: number): void {
    if (!Number.isSafeInteger(value)) throw new Error(`ProtoWriter: expected an integer, got ${value}`);
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.chunks.push(Uint8Array.from(out));
  }
}

/**
 * A SavedModel (saved_model.proto) holding `graph` as its one MetaGraph,
 * tagged `serve`, with a `serving_default` signature of its placeholders and
 * named outputs, so that standard tools (saved_model_cli) can read it too.
 */
export function savedModelProto(graph: Graph): Uint8Array {
  // A map entry of SignatureDef.inputs (1) or .outputs (2): key, then TensorInfo
  // (name, dtype, and the shape, or unknown_rank where the graph does not fix it).
  const tensorInfo = (w: ProtoWriter, field: number, key: string, dtype: DType, shape: number[] | null) =>
    w.message(field, (entry) => {
      entry.string(1, key);
      entry.message(2, (info) => {
        info.string(1, `${key}:0`);
        info.varint(2, DT[dtype]);
        info.message(3, (s) => (shape ? writeShape(s, shape) : s.varint(3, 1)));
      });
    });
  const w = new ProtoWriter();
  w.varint(1, 1);
  w.message(2, (meta) => {
    meta.message(1, (info) => info.string(4, 'serve'));
    meta.bytes(2, graph.toGraphDef());
    meta.message(5, (sig) => {
      sig.string(1, 'serving_default');
      sig.message(2, (def) => {
        for (const [name, { dtype, shape }] of graph.inputs()) tensorInfo(def, 1, name, dtype, shape);
        for (const [name, dtype] of graph.outputs()) tensorInfo(def, 2, name, dtype, null);
        def.string(3, 'tensorflow/serving/predict');
      });
    });
  });
  return w.finish();
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
  const inputs = graph.inputs();
  const outputs = graph.outputs();
  let open = true;
  const session: GraphSession = {
    run(feeds, fetches) {
      if (!open) throw new Error('GraphSession.run: the session has been disposed');
      const names = Object.keys(feeds);
      for (const name of names) {
        if (!inputs.has(name)) throw new Error(`GraphSession.run: the graph has no input named ${name}`);
      }
      for (const name of fetches) {
        if (!outputs.has(name)) throw new Error(`GraphSession.run: the graph has no output named ${name}`);
      }
      const infos = names.map((name) => ({ name: `${name}:0`, dtype: 'float32' as const }));
      return backend.runSavedModel(id, names.map((n) => feeds[n] as tf.Tensor), infos, fetches.map((f) => `${f}:0`));
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
