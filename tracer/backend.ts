/**
 * The parts of tfjs-node's kernel backend that the tracer uses and its typings keep private:
 * its native binding, the table from each tensor's `dataId` to the binding's tensor, and
 * the two steps of every kernel call (the inputs' binding ids; a binding tensor as a tfjs one).
 */
import type * as tf from '@tensorflow/tfjs-node';
import { nodeBackend } from '@tensorflow/tfjs-node/dist/nodejs_kernel_backend.js';
import type { TFJSBinding, TensorMetadata } from '@tensorflow/tfjs-node/dist/tfjs_binding';

export interface TensorEntry {
  /** The binding's tensor, once uploaded. */
  id: number;
  /** The values, while still in JavaScript (not uploaded yet), else null. */
  values: unknown;
  shape: number[];
  /** TensorFlow's DataType number. */
  dtype: number;
  /** How many tfjs tensors share this data. */
  refCount: number;
}

export interface Backend {
  binding: TFJSBinding;
  tensorMap: { get(dataId: object): TensorEntry };
  /** Uploads what is still in JavaScript; returns the binding's ids. */
  getInputTensorIds(tensors: tf.Tensor[]): number[];
  /** A binding tensor as a new tfjs tensor, which then owns it. */
  createOutputTensor(metadata: TensorMetadata): tf.Tensor;
  move(dataId: object, ...rest: unknown[]): void;
}

export const backend = (): Backend => nodeBackend() as unknown as Backend;

/**
 * Gives `variable` the binding tensor `metadata` as its value, as `assign` would. Where no other
 * tfjs tensor shares the variable's data, the variable's entry takes the new tensor in place
 * and the old one is freed: no tfjs tensor is made, which at a dozen variables a step saves
 * about a tenth of a small model's step. Otherwise (a clone shares it), through `assign`, so that
 * the clone keeps the old value.
 */
export function setValue(b: Backend, variable: tf.Variable, metadata: TensorMetadata): void {
  const entry = b.tensorMap.get(variable.dataId);
  if (entry.refCount === 1 && entry.values == null && !variable.isDisposed) {
    b.binding.deleteTensor(entry.id);
    entry.id = metadata.id;
    return;
  }
  const value = b.createOutputTensor(metadata);
  variable.assign(value);
  value.dispose();
}
