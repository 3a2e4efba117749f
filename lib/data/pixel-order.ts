// The pixels of each image in another order, for "permuted MNIST": the same digits, read one pixel
// a step in one fixed random order (notebooks/rnn-memory.ipynb).
import { imageSize } from './idx';
import { createRng, shuffleInPlace } from '../random';

/**
 * A fixed random order of an image's `size` pixels: the same for the same seed everywhere.
 * @returns [size] each of 0 … size - 1 once
 */
export function pixelPermutation(seed: number, size = imageSize): Int32Array {
  const order = Int32Array.from({ length: size }, (_, i) => i);
  shuffleInPlace(order, createRng(seed));
  return order;
}

/**
 * The images with their pixels reordered: pixel k of each new image is pixel `permutation[k]` of
 * the old one, as NumPy's `images[:, permutation]`. Without a permutation, the images as given.
 * @param images [nImages * size] row-major, as a `DataSet` holds them
 * @param permutation [size] each of 0 … size - 1 once, as `pixelPermutation` makes
 * @returns a new array [nImages * size], or `images` itself when no permutation is given
 */
export function permutePixels(images: Float32Array, permutation?: Int32Array): Float32Array {
  if (permutation === undefined) return images;
  const size = permutation.length;
  const seen = new Uint8Array(size);
  for (const p of permutation) {
    if (!(p >= 0 && p < size) || seen[p]) {
      throw new Error(
        `Expected \`permutation\` to hold each of 0 … ${size - 1} once (as pixelPermutation makes), got ${p} ${seen[p] ? 'twice' : 'out of range'}`,
      );
    }
    seen[p] = 1;
  }
  if (images.length % size !== 0) {
    throw new Error(`Expected images of ${size} pixels each, got an array of length ${images.length}`);
  }
  const out = new Float32Array(images.length);
  for (let start = 0; start < images.length; start += size) {
    for (let k = 0; k < size; k++) out[start + k] = images[start + permutation[k]!]!;
  }
  return out;
}
