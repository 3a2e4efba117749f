/**
 * TensorFlow's protobuf messages for a SavedModel, from the classes that
 * tfjs-node generates from TensorFlow's .proto files with protoc and ships in
 * `dist/proto/api_pb.js` (on google-protobuf, its own dependency).
 *
 * tfjs-node ships them without type declarations, so the part tracer/graph-def.ts
 * uses is declared here; each setter returns its message, as the generated
 * code does.
 */
// tfjs-node's own kernel backend loads this module too, so importing it adds nothing. A default
// import, and the file's full name: Deno's kernel takes an ES import of a CommonJS module only so.
import api from '@tensorflow/tfjs-node/dist/proto/api_pb.js';

/** A protobuf message that can write itself in protobuf's binary format. */
export interface Message {
  serializeBinary(): Uint8Array;
}

/** A protobuf `map<string, V>` field. */
export interface ProtoMap<V> {
  set(key: string, value: V): this;
  get(key: string): V | undefined;
}

export interface TensorShapeDim extends Message {
  setSize(size: number): this;
}

/** TensorShapeProto (tensor_shape.proto). */
export interface TensorShape extends Message {
  addDim(dim: TensorShapeDim): TensorShapeDim;
  setUnknownRank(unknownRank: boolean): this;
}

/** TensorProto (tensor.proto). */
export interface Tensor extends Message {
  setDtype(dtype: number): this;
  setTensorShape(shape: TensorShape): this;
  setTensorContent(content: Uint8Array): this;
}

/** AttrValue.ListValue (attr_value.proto): a list attribute's values. */
export interface AttrList extends Message {
  setIList(values: number[]): this;
  setFList(values: number[]): this;
  setBList(values: boolean[]): this;
  setTypeList(values: number[]): this;
}

/** AttrValue (attr_value.proto): one of its fields is set. */
export interface AttrValue extends Message {
  setI(i: number): this;
  setF(f: number): this;
  setB(b: boolean): this;
  setS(s: Uint8Array): this;
  setType(dtype: number): this;
  setShape(shape: TensorShape): this;
  setTensor(tensor: Tensor): this;
  setList(list: AttrList): this;
}

/** NodeDef (node_def.proto). */
export interface NodeDef extends Message {
  setName(name: string): this;
  setOp(op: string): this;
  addInput(input: string): this;
  getAttrMap(): ProtoMap<AttrValue>;
}

/** VersionDef (versions.proto). */
export interface VersionDef extends Message {
  setProducer(producer: number): this;
}

/** GraphDef (graph.proto). */
export interface GraphDef extends Message {
  addNode(node: NodeDef): NodeDef;
  getNodeList(): NodeDef[];
  setVersions(versions: VersionDef): this;
}

/** TensorInfo (meta_graph.proto): a signature's tensor. */
export interface TensorInfo extends Message {
  setName(name: string): this;
  setDtype(dtype: number): this;
  setTensorShape(shape: TensorShape): this;
  getDtype(): number;
}

/** SignatureDef (meta_graph.proto). */
export interface SignatureDef extends Message {
  getInputsMap(): ProtoMap<TensorInfo>;
  getOutputsMap(): ProtoMap<TensorInfo>;
  setMethodName(methodName: string): this;
}

/** MetaGraphDef.MetaInfoDef (meta_graph.proto). */
export interface MetaInfoDef extends Message {
  addTags(tag: string): this;
}

/** MetaGraphDef (meta_graph.proto). */
export interface MetaGraphDef extends Message {
  setMetaInfoDef(info: MetaInfoDef): this;
  setGraphDef(graph: GraphDef): this;
  getGraphDef(): GraphDef;
  getSignatureDefMap(): ProtoMap<SignatureDef>;
}

/** SavedModel (saved_model.proto). */
export interface SavedModel extends Message {
  setSavedModelSchemaVersion(version: number): this;
  addMetaGraphs(metaGraph: MetaGraphDef): MetaGraphDef;
  getMetaGraphsList(): MetaGraphDef[];
}

/** The classes of `dist/proto/api_pb.js` used here, by their names there. */
export interface TfProto {
  readonly TensorShape: (new () => TensorShape) & { readonly Dim: new () => TensorShapeDim };
  readonly Tensor: new () => Tensor;
  readonly AttrValue: (new () => AttrValue) & { readonly ListValue: new () => AttrList };
  readonly NodeDef: new () => NodeDef;
  readonly VersionDef: new () => VersionDef;
  readonly GraphDef: new () => GraphDef;
  readonly TensorInfo: new () => TensorInfo;
  readonly SignatureDef: new () => SignatureDef;
  readonly MetaGraphDef: (new () => MetaGraphDef) & { readonly MetaInfoDef: new () => MetaInfoDef };
  readonly SavedModel: (new () => SavedModel) & { deserializeBinary(bytes: Uint8Array): SavedModel };
}

/** The generated classes; the interfaces above type the part used. */
export const tfProto = api as TfProto;
