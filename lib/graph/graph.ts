/**
 * TF-1 style graphs from TypeScript: a construction phase that lists the
 * ops of a computation once (this module, and the ops of lib/graph/ops.ts),
 * and an execution phase that runs the whole list in one call to
 * TensorFlow's graph executor (lib/graph/session.ts), as the seed's
 * `sess.run(training_op, feed_dict=...)` does.
 *
 * Why: eager tfjs pays about 7 us of dispatch per op, and a training step of
 * the seed's RNN is about 160 ops on [50, 128] matrices, so eager dispatch
 * costs about as much as the arithmetic. The same step as one graph measured
 * 1.95 ms against 4.0 ms eager on one core, and a graph can run independent
 * branches on both cores.
 */

/** The dtypes used here, under TensorFlow's names, with their tfjs names. */
export const DTYPES = { float: 'float32', int32: 'int32', bool: 'bool' } as const;
export type DType = keyof typeof DTYPES;

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

/** One node, as the graph lists it; lib/graph/session.ts writes it as a NodeDef message. */
export interface NodeDef {
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

  /** The nodes, in the order they were added. */
  listNodes(): readonly NodeDef[] {
    return this.nodes;
  }
}
