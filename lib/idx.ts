// IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): checked where they
// enter, so a wrong, cut or corrupt file fails with its name, never as a wrong picture.
import * as fs from 'fs';
import * as zlib from 'zlib';

/** Magic number of an IDX image file: unsigned bytes (0x08), 3 dimensions. */
export const IMAGE_MAGIC = 0x00000803; // 2051
/** Magic number of an IDX label file: unsigned bytes (0x08), 1 dimension. */
export const LABEL_MAGIC = 0x00000801; // 2049
export const imageRows = 28;
export const imageCols = 28;
/** Pixels per image, the width of one row of `images`. */
export const imageSize = imageRows * imageCols;
export const numClasses = 10;

const IMAGE_HEADER_BYTES = 16;
const LABEL_HEADER_BYTES = 8;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** The images of one IDX image file, as stored: one byte (0..255) per pixel. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** [count, rows * cols] row-major, a view into the decompressed file. */
  pixels: Uint8Array;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function magicName(magic: number): string {
  if (magic === IMAGE_MAGIC) return ', the magic number of an image file';
  if (magic === LABEL_MAGIC) return ', the magic number of a label file';
  return '';
}

function checkMagic(view: DataView, file: string, want: number, what: string): void {
  const found = view.getUint32(0, false);
  if (found !== want) {
    throw new Error(
      `Expected ${file} to start with the IDX ${what} magic number ${want} (${hex32(want)}), ` +
        `found ${found} (${hex32(found)}${magicName(found)})`,
    );
  }
}

function checkLength(file: string, bytes: Uint8Array, expected: number, formula: string): void {
  if (bytes.length < expected) {
    throw new Error(
      `Expected ${file} to hold ${formula} = ${expected} bytes, found ${bytes.length}: the file is truncated`,
    );
  }
  if (bytes.length > expected) {
    throw new Error(
      `Expected ${file} to hold ${formula} = ${expected} bytes, found ${bytes.length}: ` +
        `${bytes.length - expected} bytes more than its header declares`,
    );
  }
}

/**
 * Checks and splits the bytes of an IDX image file (already decompressed).
 * @param bytes the whole file: 16-byte header, then [count, 28, 28] unsigned bytes.
 * @param file the name to put in errors.
 */
export function parseImageIdx(bytes: Uint8Array, file: string): IdxImages {
  if (bytes.length < IMAGE_HEADER_BYTES) {
    throw new Error(
      `Expected ${file} to start with a ${IMAGE_HEADER_BYTES}-byte IDX image header, found ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, IMAGE_HEADER_BYTES);
  checkMagic(view, file, IMAGE_MAGIC, 'image');
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows !== imageRows || cols !== imageCols) {
    throw new Error(`Expected ${file} to hold ${imageRows}x${imageCols} images, found ${rows}x${cols}`);
  }
  checkLength(
    file,
    bytes,
    IMAGE_HEADER_BYTES + count * imageSize,
    `a ${IMAGE_HEADER_BYTES}-byte header + ${count} images x ${rows} x ${cols}`,
  );
  return { count, rows, cols, pixels: bytes.subarray(IMAGE_HEADER_BYTES) };
}

/**
 * Checks and returns the labels of an IDX label file (already decompressed).
 * @param bytes the whole file: 8-byte header, then [count] unsigned bytes.
 * @returns [count] class ids, each in 0..numClasses-1.
 */
export function parseLabelIdx(bytes: Uint8Array, file: string): Int32Array {
  if (bytes.length < LABEL_HEADER_BYTES) {
    throw new Error(
      `Expected ${file} to start with an ${LABEL_HEADER_BYTES}-byte IDX label header, found ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, LABEL_HEADER_BYTES);
  checkMagic(view, file, LABEL_MAGIC, 'label');
  const count = view.getUint32(4, false);
  checkLength(file, bytes, LABEL_HEADER_BYTES + count, `an ${LABEL_HEADER_BYTES}-byte header + ${count} labels`);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[LABEL_HEADER_BYTES + i] as number;
    if (label >= numClasses) {
      throw new Error(`Expected ${file} to hold labels 0..${numClasses - 1}, found ${label} at index ${i}`);
    }
    labels[i] = label;
  }
  return labels;
}

/**
 * Scales bytes to [0, 1] exactly as TensorFlow's mnist.DataSet does:
 * `numpy.multiply(images.astype(float32), 1.0 / 255.0)` runs numpy's float32 loop, so
 * each value is float32(b * float32(1/255)), which differs in the last bit from
 * b / 255 for 126 of the 256 byte values. b * float32(1/255) is exact in a double
 * (8 + 24 significant bits), so storing it into a Float32Array rounds once, as float32
 * multiplication does.
 * @param pixels [n] bytes.
 * @returns [n] float32 values.
 */
export function scaleImages(pixels: Uint8Array): Float32Array {
  const scale = Math.fround(1 / 255);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] as number) * scale;
  return out;
}

function describeReadError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a path through something that is not a directory';
    default:
      return err.message;
  }
}

/** Reads a file, naming it in any error: `Expected … to be a readable file, found …`. */
export async function readFileNamed(file: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`Expected ${file} to be a readable file, found ${describeReadError(err)}`, { cause: err });
  }
}

function gunzip(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gunzip(data, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * Reads an IDX file, decompressing it when it is gzip (by its first two bytes, and
 * always for a name ending in `.gz`).
 * @returns the decompressed bytes.
 */
export async function readIdxBytes(file: string): Promise<Uint8Array> {
  const data = await readFileNamed(file);
  const isGzip = data[0] === GZIP_MAGIC[0] && data[1] === GZIP_MAGIC[1];
  if (!isGzip) {
    if (file.endsWith('.gz')) {
      const found = Array.from(data.subarray(0, 2), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new Error(`Expected ${file} to be gzip data starting with bytes 1f 8b, found ${found || 'an empty file'}`);
    }
    return data;
  }
  try {
    return await gunzip(data);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`Expected ${file} to be complete, valid gzip data, found a corrupt stream: ${err.message}`, {
      cause: err,
    });
  }
}

/**
 * Reads one IDX image file (gzip or plain) into float32 pixels scaled like TF's.
 * @returns images [count, 784] row-major, values in [0, 1].
 */
export async function readImagesFile(file: string): Promise<{ count: number; images: Float32Array }> {
  const parsed = parseImageIdx(await readIdxBytes(file), file);
  return { count: parsed.count, images: scaleImages(parsed.pixels) };
}

/**
 * Reads one IDX label file (gzip or plain).
 * @returns labels [count], class ids in 0..9.
 */
export async function readLabelsFile(file: string): Promise<Int32Array> {
  return parseLabelIdx(await readIdxBytes(file), file);
}
