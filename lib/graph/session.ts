/**
 * Running a Graph (lib/graph/graph.ts) in TensorFlow. tfjs-node can run a graph only
 * from a SavedModel directory, so `createSession` writes the graph as one
 * (`saved_model.pb`, built with tfjs-node's generated protobuf classes, with no
 * checkpoint) into a temporary directory, loads it through tfjs-node's binding and
 * deletes the directory. A graph's resource variables (`variable`) live in that
 * session from run to run, as in TF-1: the graph gives them their first values
 * itself, from fed placeholders.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import { nodeBackend } from '@tensorflow/tfjs-node/dist/nodejs_kernel_backend.js';
import { DTYPES, type Attr, type DType, type Graph, type NodeDef } from './graph';
import type * as pb from './tf-proto';
import { tfProto } from './tf-proto';

/** TensorFlow's DataType enum value (types.proto) of `dtype`. */
function dataType(dtype: DType): number {
  return { float: tfProto.DataType.DT_FLOAT, int32: tfProto.DataType.DT_INT32, bool: tfProto.DataType.DT_BOOL }[dtype];
}

/** The GraphDef protobuf message (graph.proto) of `graph`. */
function graphDefProto(graph: Graph): pb.GraphDef {
  const graphDef = new tfProto.GraphDef();
  for (const node of graph.listNodes()) graphDef.addNode(nodeProto(node));
  // Producer 1087 is TensorFlow 2.9, the oldest libtensorflow tfjs-node 4 runs on.
  return graphDef.setVersions(new tfProto.VersionDef().setProducer(1087));
}

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
    .setGraphDef(graphDefProto(graph));
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
