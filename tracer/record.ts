/**
 * Records one eager run of a step as a dataflow graph. tfjs-node runs every kernel through its
 * native binding (`executeOp(op, attrs, inputIds, nOutputs)`) and uploads every tensor made in
 * JavaScript through `createTensor`; while the step runs, the backend's `binding` is a copy whose
 * methods also write down each call. A tensor's binding id then names the node that made it:
 *
 * - the step's inputs become placeholders, and so does every tf.Variable it reads;
 * - each op becomes a node; each tensor made from JavaScript values during the step, a constant;
 * - each variable the step assigns becomes an output, its new value.
 *
 * So the graph is a pure function, (inputs, variables) -> (outputs, new variables), and the
 * tfjs variables stay the one owner of their values. What a fixed graph cannot mean is refused
 * with a TraceError (see its uses below); after a refusal every variable is as it was.
 */
import * as tf from '@tensorflow/tfjs-node';
import { backend as tfjsBackend, type Backend } from './backend';
import type { TFEOpAttr, TFJSBinding } from '@tensorflow/tfjs-node/dist/tfjs_binding';
import {
  attrProto,
  FLOAT,
  matMulAttrs,
  shapeProto,
  tensorAttr,
  typeAttr,
  type AttrKinds,
  type GraphNode,
} from './graph-def';
import { tfProto } from './tf-proto';

/** A step the tracer will not turn into a graph, and why; the message says what to do instead. */
export class TraceError extends Error {
  override name = 'TraceError';
}

/** The parts of tfjs's engine the recorder watches. */
interface Engine {
  registeredVariables: Record<string, tf.Variable>;
  makeVariable(...args: unknown[]): tf.Variable;
  startScope(name?: string): void;
  endScope(result?: unknown): void;
}

/** What a recorded step reads and writes, as graph outputs (`name:k`). */
export interface Recording {
  nodes: GraphNode[];
  /** The placeholder of each input, in order. */
  inputs: string[];
  /** The variables the step reads, each with its placeholder. */
  reads: { variable: tf.Variable; placeholder: string }[];
  /** The step's returned tensors. */
  outputs: string[];
  /** The variables the step assigns, each with its new value. */
  writes: { variable: tf.Variable; value: string }[];
  /** The kernels the step ran, by op. */
  opCounts: Record<string, number>;
  /** Each output's shape, where known. */
  shapes: ReadonlyMap<string, number[]>;
}

// tfjs's ops that draw their numbers in JavaScript (tfjs-core's random ops): traced, the numbers
// drawn once would be constants, the same at every call.
const RANDOM_OPS = /^(random\w*|truncatedNormal|multinomial|dropout)__op$/;

/** The graph being written: nodes, and which node output holds each binding tensor id. */
class GraphWriter {
  readonly nodes: GraphNode[] = [];
  readonly producer = new Map<number, string>();
  readonly opCounts: Record<string, number> = {};

  /** @returns the node's name */
  add(op: string, inputs: string[], attrs: GraphNode['attrs'], name?: string): string {
    // Node names may not start with `_`, as internal ops' names such as _FusedMatMul do.
    const nodeName = name ?? `${op.replace(/^_+/, '')}_${this.nodes.length}`;
    this.nodes.push({ name: nodeName, op, inputs, attrs });
    return nodeName;
  }

  /** @returns its output */
  constant(dtype: number, shape: number[], values: ArrayBufferView): string {
    const attrs = new Map([
      ['dtype', typeAttr(dtype)],
      ['value', tensorAttr(dtype, shape, values)],
    ]);
    const name = this.add('Const', [], attrs);
    if (shape.length === 0 && values instanceof Float32Array) this.nodes[this.nodes.length - 1]!.scalar = values[0];
    this.shapes.set(`${name}:0`, shape);
    return `${name}:0`;
  }

  /** Each output's shape, where known: what the rewrites below need. */
  readonly shapes = new Map<string, number[]>();

  /**
   * A kernel the step ran, as nodes.
   * @param shapes the shapes of its outputs
   * @returns its outputs
   */
  kernel(op: string, inputs: string[], attrs: TFEOpAttr[], shapes: number[][], kinds: AttrKinds): string[] {
    this.opCounts[op] = (this.opCounts[op] ?? 0) + 1;
    const [a, b] = inputs.map((i) => this.shapes.get(i));
    let outputs: string[];
    const float = attrs.find((at) => at.name === 'T')?.value === FLOAT;
    if (op === 'BatchMatMulV2' && float && a?.length === 2 && b?.length === 2) {
      // tfjs-node runs every matMul as BatchMatMulV2; of two matrices it is a MatMul, which
      // TensorFlow's graph optimiser (Grappler) can fuse with the bias add that follows.
      const [ta, tb] = ['adj_x', 'adj_y'].map((name) => Boolean(attrs.find((at) => at.name === name)?.value));
      const name = this.add('MatMul', inputs, matMulAttrs(ta!, tb!));
      this.nodes[this.nodes.length - 1]!.transpose = [ta!, tb!];
      outputs = [`${name}:0`];
    } else {
      const name = this.add(op, inputs, new Map(attrs.map((at) => [at.name, attrProto(op, at, kinds)])));
      outputs = shapes.map((_, k) => `${name}:${k}`);
    }
    outputs.forEach((output, k) => this.shapes.set(output, shapes[k]!));
    return outputs;
  }

  /** @returns its output */
  placeholder(name: string, dtype: number, shape: number[]): string {
    const attrs = new Map([
      ['dtype', typeAttr(dtype)],
      ['shape', new tfProto.AttrValue().setShape(shapeProto(shape))],
    ]);
    const output = `${this.add('Placeholder', [], attrs, name)}:0`;
    this.shapes.set(output, shape);
    return output;
  }
}

/**
 * Runs `fn(...inputs)` once, eagerly, recording it; then puts every variable back as it was.
 * @throws TraceError for what a graph cannot mean; the variables are as they were then too
 */
export function record(fn: (...inputs: tf.Tensor[]) => unknown, inputs: readonly tf.Tensor[]): Recording {
  const backend = tfjsBackend();
  const engine = tf.engine() as unknown as Engine;
  const variables = Object.values(engine.registeredVariables);
  // Uploaded now, so that the step's first use of one is not taken for a constant made in the step.
  const startIds = backend.getInputTensorIds([...inputs, ...variables]);
  const graph = new GraphWriter();
  const inputNames = inputs.map((t, i) => {
    const name = graph.placeholder(`input${i}`, backend.tensorMap.get(t.dataId).dtype, t.shape);
    graph.producer.set(startIds[i] as number, name);
    return name;
  });
  const variableAt = variablesById(variables, startIds.slice(inputs.length));
  const snapshots = variables.map((v) => ({ variable: v, dataId: v.dataId, value: tf.keep(tf.clone(v)) }));
  const reads: Recording['reads'] = [];
  // A variable's value before the step, on its first read: a placeholder fed at every call.
  const readVariable = (id: number): string | undefined => {
    const variable = variableAt.get(id);
    if (variable === undefined) return undefined;
    const { dtype } = backend.tensorMap.get(variable.dataId);
    const placeholder = graph.placeholder(`variable${reads.length}`, dtype, variable.shape);
    reads.push({ variable, placeholder });
    graph.producer.set(id, placeholder);
    return placeholder;
  };
  try {
    const returned = runRecorded(backend, engine, graph, readVariable, () => fn(...inputs));
    try {
      // Named, so that a reader of the SavedModel (saved_model_cli, bench/profile/) finds them.
      const outputs = returned.map((t, i) => outputOf(backend, graph, t, 'a tensor the step returns', `output${i}`));
      const writes = snapshots
        .filter(({ variable, dataId }) => variable.dataId !== dataId)
        .map(({ variable }, j) => ({
          variable,
          value: outputOf(backend, graph, variable, `the value the step gives variable ${variable.name}`, `new${j}`),
        }));
      const { nodes, opCounts, shapes } = graph;
      return { nodes, inputs: inputNames, reads, outputs, writes, opCounts, shapes };
    } finally {
      tf.dispose(returned);
    }
  } finally {
    for (const { variable, dataId, value } of snapshots) {
      if (variable.dataId !== dataId) variable.assign(value);
      value.dispose();
    }
  }
}

/** Each variable by its binding tensor id; two variables sharing one tensor cannot be told apart. */
function variablesById(variables: tf.Variable[], ids: number[]): Map<number, tf.Variable> {
  const byId = new Map<number, tf.Variable>();
  variables.forEach((variable, i) => {
    const other = byId.get(ids[i] as number);
    if (other !== undefined) {
      throw new TraceError(
        `tracer: variables ${other.name} and ${variable.name} hold the same tensor (one was assigned the ` +
          `other's value), so a read of it cannot be told to be either; assign one a copy: v.assign(tf.add(w, 0))`,
      );
    }
    byId.set(ids[i] as number, variable);
  });
  return byId;
}

/**
 * An output `name` that holds `t` after the step: the node that made it, or a constant for values
 * the step wrote from JavaScript and never used.
 */
function outputOf(backend: Backend, graph: GraphWriter, t: tf.Tensor, what: string, name: string): string {
  const info = backend.tensorMap.get(t.dataId);
  const output =
    info.values != null
      ? graph.constant(info.dtype, t.shape, info.values as ArrayBufferView)
      : graph.producer.get(info.id);
  if (output === undefined) throw captured(what, t);
  return `${graph.add('Identity', [output], new Map([['T', typeAttr(info.dtype)]]), name)}:0`;
}

function captured(what: string, t?: tf.Tensor): TraceError {
  const tensor = t === undefined ? 'a tensor' : `a tensor (${t.dtype} [${t.shape.join(', ')}])`;
  return new TraceError(
    `tracer: ${what} is ${tensor} that the step neither made nor was ` +
      'given, and that is no tf.Variable: in the graph it would be a constant, frozen at its value now, so ' +
      'later calls would not see it change. Pass it to the step as an input, or keep it in a tf.Variable',
  );
}

/**
 * Runs `step` with the binding's calls recorded into `graph` and the refusals armed; everything
 * watched is as it was afterwards, however the step ends.
 * @returns the tensors the step returned (a tensor, an array of them, or none)
 */
function runRecorded(
  backend: Backend,
  engine: Engine,
  graph: GraphWriter,
  readVariable: (id: number) => string | undefined,
  step: () => unknown,
): tf.Tensor[] {
  const scopes: string[] = []; // tfjs's scopes now open, innermost last: `matMul__op` for an op
  const where = () => {
    const op = [...scopes].reverse().find((s) => s.endsWith('__op'));
    return op === undefined ? 'the step' : `tfjs's ${op.slice(0, -4)}`;
  };
  const resolve = (op: string, id: number): string => {
    const output = graph.producer.get(id) ?? readVariable(id);
    if (output === undefined) throw captured(`an input of the op ${op} (in ${where()})`);
    return output;
  };
  const restore = [
    override(backend, 'binding', recordingBinding(backend.binding, graph, resolve, where)),
    ...watchTensors(backend, where),
    ...watchEngine(engine, scopes),
  ];
  try {
    return returnedTensors(tf.tidy(() => step() as tf.TensorContainer));
  } finally {
    restore.reverse().forEach((undo) => undo());
  }
}

/** A copy of `binding` whose op calls and uploads also write nodes into `graph`, and whose reads refuse. */
function recordingBinding(
  binding: TFJSBinding,
  graph: GraphWriter,
  resolve: (op: string, id: number) => string,
  where: () => string,
): TFJSBinding {
  // The binding's own methods are read-only properties, so the copy has them all, bound to it.
  const shim = Object.create(binding) as TFJSBinding;
  for (const key of Object.getOwnPropertyNames(binding)) {
    const value = (binding as unknown as Record<string, unknown>)[key];
    const bound = typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(binding) : value;
    Object.defineProperty(shim, key, { value: bound, configurable: true });
  }
  const methods: Partial<TFJSBinding> = {
    executeOp(op, attrs, ids, nOutputs) {
      const inputs = ids.map((id) => resolve(op, id));
      const out = binding.executeOp(op, attrs, ids, nOutputs);
      const outputs = graph.kernel(
        op,
        inputs,
        attrs,
        out.map((m) => m.shape),
        binding,
      );
      out.forEach((m, k) => graph.producer.set(m.id, outputs[k]!));
      return out;
    },
    createTensor(shape, dtype, values) {
      const id = binding.createTensor(shape, dtype, values);
      graph.producer.set(id, graph.constant(dtype, shape, values as ArrayBufferView));
      return id;
    },
    tensorDataSync(id) {
      // tfjs-node's gather reads its indices only to check their bounds, which TensorFlow's own
      // GatherV2 checks again at every run: that read may pass.
      if (where() === "tfjs's gather") return binding.tensorDataSync(id);
      throw new TraceError(
        `tracer: ${where()} reads a tensor's values (dataSync, arraySync or data) inside the step: a graph ` +
          'cannot branch on, size by or print its data as the step runs. Read values outside the step, ' +
          'and use ops of fixed shape inside it (tf.where with three arguments, not booleanMask)',
      );
    },
  };
  for (const [key, value] of Object.entries(methods)) Object.defineProperty(shim, key, { value });
  return shim;
}

/**
 * Refuses a tensor made before the step, and not given to it, whose values are still in JavaScript:
 * uploaded during the step, it would look like one of the step's own constants.
 * @returns what undoes the watch
 */
function watchTensors(backend: Backend, where: () => string): (() => void)[] {
  const proto = Object.getPrototypeOf(backend) as Backend;
  const madeInStep = new WeakSet<object>();
  return [
    override(backend, 'move', (dataId: object, ...rest: unknown[]) => {
      madeInStep.add(dataId);
      proto.move.call(backend, dataId, ...rest);
    }),
    override(backend, 'getInputTensorIds', (tensors: tf.Tensor[]) => {
      for (const t of tensors) {
        const pending = t instanceof tf.Tensor && backend.tensorMap.get(t.dataId).values != null;
        if (pending && !madeInStep.has(t.dataId)) throw captured(`an input of ${where()}`, t);
      }
      return proto.getInputTensorIds.call(backend, tensors);
    }),
  ];
}

/**
 * Keeps `scopes` as tfjs opens and closes them, and refuses random ops and new variables.
 * @returns what undoes the watch
 */
function watchEngine(engine: Engine, scopes: string[]): (() => void)[] {
  const proto = Object.getPrototypeOf(engine) as Engine;
  return [
    override(engine, 'makeVariable', () => {
      throw new TraceError(
        'tracer: the step creates a tf.Variable. A traced step runs the same graph at every call, so its ' +
          'variables must exist before the first: create them beforehand (tf.train optimizers make their ' +
          'slots in their first minimize(): take one step eagerly first)',
      );
    }),
    override(engine, 'startScope', (name?: string) => {
      if (name !== undefined && RANDOM_OPS.test(name)) {
        throw new TraceError(
          `tracer: the step calls tfjs's ${name.slice(0, -4)}, which draws its numbers in JavaScript: traced, ` +
            'they would be drawn once and be the same at every call. Draw them outside the step and pass them as an input',
        );
      }
      scopes.push(name ?? '');
      proto.startScope.call(engine, name);
    }),
    override(engine, 'endScope', (result?: unknown) => {
      scopes.pop();
      proto.endScope.call(engine, result);
    }),
  ];
}

/** Sets `object[key]` to `value` as an own property, and returns what undoes it. */
function override<T extends object>(object: T, key: keyof T & string, value: unknown): () => void {
  const own = Object.getOwnPropertyDescriptor(object, key);
  Object.defineProperty(object, key, { value, configurable: true, writable: true });
  return () => (own === undefined ? delete object[key] : Object.defineProperty(object, key, own));
}

function returnedTensors(result: unknown): tf.Tensor[] {
  if (result == null) return [];
  if (result instanceof tf.Tensor) return [result as tf.Tensor];
  if (Array.isArray(result)) {
    const items: unknown[] = result;
    if (items.every((t) => t instanceof tf.Tensor)) return items as tf.Tensor[];
  }
  tf.dispose(result as tf.TensorContainer);
  throw new TraceError(
    'tracer: a step returns a tensor, an array of tensors, or nothing; this one returned something else',
  );
}
