/**
 * A recorded step as TensorFlow reads it: nodes (NodeDef) in a GraphDef, wrapped in a SavedModel,
 * because a SavedModel directory is the one way tfjs-node can load a graph into a session
 * (tracer/session.ts). Written with the protobuf classes tfjs-node ships (tracer/tf-proto.ts).
 */
import type { TFEOpAttr } from '@tensorflow/tfjs-node/dist/tfjs_binding';
import type * as pb from './tf-proto';
import { tfProto } from './tf-proto';

/** One node of the graph. Inputs are `name:k` outputs of earlier nodes. */
export interface GraphNode {
  name: string;
  op: string;
  inputs: string[];
  attrs: Map<string, pb.AttrValue>;
  /** What tracer/rewrite.ts reads of a node: a MatMul's transposes, a scalar Const's value. */
  transpose?: [boolean, boolean];
  scalar?: number;
}

/** The binding's attribute kinds (tfjs_binding's TF_ATTR_* numbers), from tfjs-node's binding. */
export interface AttrKinds {
  TF_ATTR_STRING: number;
  TF_ATTR_INT: number;
  TF_ATTR_FLOAT: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_TYPE: number;
  TF_ATTR_SHAPE: number;
}

/** @param shape null for a shape of unknown rank */
export function shapeProto(shape: readonly number[] | null): pb.TensorShape {
  const proto = new tfProto.TensorShape();
  if (shape === null) return proto.setUnknownRank(true);
  for (const size of shape) proto.addDim(new tfProto.TensorShape.Dim().setSize(size));
  return proto;
}

/** A `dtype`-typed attribute (`dtype`: TensorFlow's DataType number, as the binding gives it). */
export const typeAttr = (dtype: number): pb.AttrValue => new tfProto.AttrValue().setType(dtype);

/** A float32 MatMul's attributes. */
export function matMulAttrs(transposeA: boolean, transposeB: boolean): Map<string, pb.AttrValue> {
  return new Map([
    ['T', typeAttr(FLOAT)],
    ['transpose_a', new tfProto.AttrValue().setB(transposeA)],
    ['transpose_b', new tfProto.AttrValue().setB(transposeB)],
  ]);
}

/** TensorFlow's DataType numbers (types.proto) used by the rewrites: DT_FLOAT, DT_INT32. */
export const FLOAT = 1;
export const INT32 = 3;

/** A tensor's values as an attribute, for a Const node. */
export function tensorAttr(dtype: number, shape: readonly number[], values: ArrayBufferView): pb.AttrValue {
  // The values' bytes, little-endian like every machine TensorFlow runs on here; copied, since
  // the caller's buffer may be reused.
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  const tensor = new tfProto.Tensor().setDtype(dtype).setTensorShape(shapeProto(shape)).setTensorContent(bytes);
  return new tfProto.AttrValue().setTensor(tensor);
}

/**
 * One of the attributes tfjs-node gives an op (`TFEOpAttr`) as an AttrValue.
 * @throws naming the op and the attribute, for a kind this does not write (none that tfjs-node's
 *   kernels use for the ops of a training step)
 */
export function attrProto(op: string, attr: TFEOpAttr, kinds: AttrKinds): pb.AttrValue {
  const proto = new tfProto.AttrValue();
  const { type, value } = attr;
  if (Array.isArray(value)) {
    const list = new tfProto.AttrValue.ListValue();
    if (type === kinds.TF_ATTR_INT) return proto.setList(list.setIList(value));
    if (type === kinds.TF_ATTR_FLOAT) return proto.setList(list.setFList(value));
    if (type === kinds.TF_ATTR_TYPE) return proto.setList(list.setTypeList(value));
    if (type === kinds.TF_ATTR_BOOL) return proto.setList(list.setBList(value.map(Boolean)));
    if (type === kinds.TF_ATTR_SHAPE) return proto.setShape(shapeProto(value));
  } else if (type === kinds.TF_ATTR_STRING && typeof value === 'string') {
    // A protobuf `bytes` field, which google-protobuf would read from a JS string as base64.
    return proto.setS(new TextEncoder().encode(value));
  } else if (type === kinds.TF_ATTR_INT && typeof value === 'number') {
    return proto.setI(value);
  } else if (type === kinds.TF_ATTR_FLOAT && typeof value === 'number') {
    return proto.setF(value);
  } else if (type === kinds.TF_ATTR_BOOL) {
    return proto.setB(Boolean(value));
  } else if (type === kinds.TF_ATTR_TYPE && typeof value === 'number') {
    return proto.setType(value);
  }
  throw new Error(`tracer: op ${op} has attribute ${attr.name} of a kind (${type}) that the tracer cannot write`);
}

/** The nodes that `roots` depend on, in their order: what an eager step computed and nothing fetches goes. */
export function prune(nodes: readonly GraphNode[], roots: readonly string[]): GraphNode[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const live = new Set<string>();
  const stack = roots.map(nodeName);
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (live.has(name)) continue;
    live.add(name);
    stack.push(...(byName.get(name)?.inputs ?? []).map(nodeName));
  }
  return nodes.filter((node) => live.has(node.name));
}

/** `name` of an output `name:k`. */
export const nodeName = (output: string): string => output.replace(/:\d+$/, '');

/**
 * The SavedModel (saved_model.proto) holding `nodes` as its one MetaGraph, tagged `serve`, with no
 * signature: the session is run by node names.
 */
export function savedModelBytes(nodes: readonly GraphNode[]): Uint8Array {
  const graphDef = new tfProto.GraphDef();
  for (const node of nodes) {
    const proto = new tfProto.NodeDef().setName(node.name).setOp(node.op);
    // A node's first output is written by its bare name, as TensorFlow writes it.
    for (const input of node.inputs) proto.addInput(input.endsWith(':0') ? input.slice(0, -2) : input);
    const attrs = proto.getAttrMap();
    for (const [key, value] of node.attrs) attrs.set(key, value);
    graphDef.addNode(proto);
  }
  // Producer 1087 is TensorFlow 2.9, the oldest libtensorflow tfjs-node 4 runs on.
  graphDef.setVersions(new tfProto.VersionDef().setProducer(1087));
  const metaGraph = new tfProto.MetaGraphDef()
    .setMetaInfoDef(new tfProto.MetaGraphDef.MetaInfoDef().addTags('serve'))
    .setGraphDef(graphDef);
  const savedModel = new tfProto.SavedModel().setSavedModelSchemaVersion(1);
  savedModel.addMetaGraphs(metaGraph);
  return savedModel.serializeBinary();
}
