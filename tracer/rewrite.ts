/**
 * Two rewrites of a recorded step, each an identity of algebra, for what tfjs's gradients write
 * as many small ops where TensorFlow has one:
 *
 * - `dy * (1 - y^2)`, tfjs's gradient of tanh (Square, Sub, Mul), is TensorFlow's TanhGrad(y, dy);
 * - a sum of products `A1^T B1 + A2^T B2 + ...`, what tfjs's autodiff makes of a weight used at
 *   every step of a loop (one MatMul and one Add per step), is one product of the stacked
 *   factors, `[A1; A2; ...]^T [B1; B2; ...]`: a single large MatMul, faster than many small ones.
 *
 * Both change only the order in which floats are added, as any graph optimiser may. Nodes that
 * the rewritten ones no longer need are left for `prune` (tracer/graph-def.ts).
 */
import { FLOAT, INT32, matMulAttrs, nodeName, tensorAttr, typeAttr, type GraphNode } from './graph-def';
import { tfProto } from './tf-proto';

/**
 * Rewrites `nodes` in place.
 * @param shapes each output's shape, where known
 * @returns how many nodes each rewrite replaced
 */
export function rewrite(
  nodes: GraphNode[],
  shapes: ReadonlyMap<string, number[]>,
): { tanhGrad: number; stackedMatMul: number } {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const uses = new Map<string, number>();
  for (const node of nodes)
    for (const input of node.inputs) uses.set(nodeName(input), (uses.get(nodeName(input)) ?? 0) + 1);
  const producer = (output: string) => (output.endsWith(':0') ? byName.get(nodeName(output)) : undefined);
  let tanhGrad = 0;
  let stackedMatMul = 0;
  const absorbed = new Set<GraphNode>();
  // Consumers come after their inputs, so a sum's outermost Add is met before its inner ones.
  for (const node of [...nodes].reverse()) {
    if (node.op === 'Mul' && rewriteTanhGrad(node, producer, shapes)) tanhGrad++;
    if ((node.op === 'Add' || node.op === 'AddV2') && !absorbed.has(node)) {
      const terms = rewriteSumOfProducts(node, nodes, producer, uses);
      terms.forEach((t) => absorbed.add(t));
      if (terms.length > 0) stackedMatMul++;
    }
  }
  return { tanhGrad, stackedMatMul };
}

/** `Mul(Sub(1, Square(y)), dy)` (either order) as `TanhGrad(y, dy)`, where y and dy have one shape. */
function rewriteTanhGrad(
  mul: GraphNode,
  producer: (output: string) => GraphNode | undefined,
  shapes: ReadonlyMap<string, number[]>,
): boolean {
  for (const [k, other] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const sub = producer(mul.inputs[k]!);
    if (sub?.op !== 'Sub' || producer(sub.inputs[0]!)?.scalar !== 1) continue;
    const square = producer(sub.inputs[1]!);
    if (square?.op !== 'Square') continue;
    const [y, dy] = [square.inputs[0]!, mul.inputs[other]!];
    if (shapes.get(y)?.join() !== shapes.get(dy)?.join() || shapes.get(y) === undefined) continue;
    Object.assign(mul, { op: 'TanhGrad', inputs: [y, dy], attrs: new Map([['T', typeAttr(FLOAT)]]) });
    return true;
  }
  return false;
}

/**
 * A sum, by a tree of Adds used nowhere else, of three or more `MatMul(A_i, B_i, transpose_a)`
 * used nowhere else, as `MatMul(Concat(A_i), Concat(B_i), transpose_a)`: `sum` becomes that MatMul.
 * @returns the nodes it absorbed (the inner Adds and the products), none if it did not apply
 */
function rewriteSumOfProducts(
  sum: GraphNode,
  nodes: GraphNode[],
  producer: (output: string) => GraphNode | undefined,
  uses: ReadonlyMap<string, number>,
): GraphNode[] {
  const terms: GraphNode[] = [];
  const inner: GraphNode[] = [];
  const expand = (output: string): boolean => {
    const node = producer(output);
    if (node === undefined || uses.get(node.name) !== 1) return false;
    if (node.op === 'Add' || node.op === 'AddV2') return inner.push(node) > 0 && node.inputs.every(expand);
    if (node.op !== 'MatMul' || node.transpose?.join() !== 'true,false') return false;
    terms.push(node);
    return true;
  };
  if (!sum.inputs.every(expand) || terms.length < 3) return [];
  const axis = { name: `${sum.name}/axis`, op: 'Const', inputs: [], attrs: constAttrs(0) };
  const concat = (k: 0 | 1): GraphNode => ({
    name: `${sum.name}/stack${k}`,
    op: 'ConcatV2',
    inputs: [...terms.map((t) => t.inputs[k]!), `${axis.name}:0`],
    attrs: new Map([
      ['N', new tfProto.AttrValue().setI(terms.length)],
      ['T', typeAttr(FLOAT)],
      ['Tidx', typeAttr(INT32)],
    ]),
  });
  const [a, b] = [concat(0), concat(1)];
  nodes.splice(nodes.indexOf(sum), 0, axis, a, b);
  Object.assign(sum, {
    op: 'MatMul',
    inputs: [`${a.name}:0`, `${b.name}:0`],
    attrs: matMulAttrs(true, false),
    transpose: [true, false],
  });
  return [...inner, ...terms];
}

function constAttrs(value: number) {
  return new Map([
    ['dtype', typeAttr(INT32)],
    ['value', tensorAttr(INT32, [], Int32Array.of(value))],
  ]);
}
