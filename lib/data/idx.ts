// IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): checked where they
// enter, so a wrong, cut or corrupt file fails with its name, never as a wrong picture.
import * as fs from 'fs';
import * as stream from 'stream';
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
/** Read and inflate in 1 MiB pieces: few thread-pool round trips, little memory. */
const CHUNK_BYTES = 1 << 20;

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function magicName(magic: number): string {
  if (magic === IMAGE_MAGIC) return ', the magic number of an image file';
  if (magic === LABEL_MAGIC) return ', the magic number of a label file';
  if (magic >>> 16 === 0x1f8b) return ', the start of gzip data: name the file *.gz';
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

function lengthError(file: string, found: number, expected: number, layout: string): Error | null {
  if (found < expected) {
    return new Error(`Expected ${file} to hold ${layout} = ${expected} bytes, found ${found}: the file is truncated`);
  }
  if (found > expected) {
    return new Error(
      `Expected ${file} to hold ${layout} = ${expected} bytes, found ${found}: ` +
        `${found - expected} bytes more than its header declares`,
    );
  }
  return null;
}

/** What an IDX header declares, and what to do with the bytes after it. */
interface IdxBody {
  /** Bytes the header declares after itself. */
  bytes: number;
  /** The layout in words, for errors: `a 16-byte header + 60000 images x 28 x 28`. */
  layout: string;
  /** Takes the body in order, in pieces; `offset` counts from the end of the header. */
  write(piece: Uint8Array, offset: number): void;
}

function imageBody(header: Uint8Array, file: string, out: { images?: Float32Array; count?: number }): IdxBody {
  const view = new DataView(header.buffer, header.byteOffset, IMAGE_HEADER_BYTES);
  checkMagic(view, file, IMAGE_MAGIC, 'image');
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows !== imageRows || cols !== imageCols) {
    throw new Error(`Expected ${file} to hold ${imageRows}x${imageCols} images, found ${rows}x${cols}`);
  }
  const images = new Float32Array(count * imageSize);
  out.images = images;
  out.count = count;
  return {
    bytes: count * imageSize,
    layout: `a ${IMAGE_HEADER_BYTES}-byte header + ${count} images x ${rows} x ${cols}`,
    write: (piece, offset) => scaleInto(piece, images, offset),
  };
}

function labelBody(header: Uint8Array, file: string, out: { labels?: Int32Array }): IdxBody {
  const view = new DataView(header.buffer, header.byteOffset, LABEL_HEADER_BYTES);
  checkMagic(view, file, LABEL_MAGIC, 'label');
  const count = view.getUint32(4, false);
  const labels = new Int32Array(count);
  out.labels = labels;
  return {
    bytes: count,
    layout: `an ${LABEL_HEADER_BYTES}-byte header + ${count} labels`,
    write: (piece, offset) => {
      for (let i = 0; i < piece.length; i++) {
        const label = piece[i] as number;
        if (label >= numClasses) {
          throw new Error(
            `Expected ${file} to hold labels 0..${numClasses - 1}, found ${label} at index ${offset + i}`,
          );
        }
        labels[offset + i] = label;
      }
    },
  };
}

/** Feeds the whole of an IDX file, in pieces, to its header check and then its body. */
class IdxAssembler {
  private readonly header: Uint8Array;
  private headerFilled = 0;
  private body: IdxBody | undefined;
  private bodyReceived = 0;

  constructor(
    private readonly file: string,
    headerBytes: number,
    private readonly what: string,
    private readonly start: (header: Uint8Array) => IdxBody,
  ) {
    this.header = new Uint8Array(headerBytes);
  }

  push(chunk: Uint8Array): void {
    let piece = chunk;
    if (this.body === undefined) {
      const take = Math.min(this.header.length - this.headerFilled, piece.length);
      this.header.set(piece.subarray(0, take), this.headerFilled);
      this.headerFilled += take;
      piece = piece.subarray(take);
      if (this.headerFilled < this.header.length) return;
      this.body = this.start(this.header);
    }
    // Past the declared end nothing is kept, only counted, for the error.
    const room = this.body.bytes - this.bodyReceived;
    if (room > 0 && piece.length > 0)
      this.body.write(piece.subarray(0, Math.min(room, piece.length)), this.bodyReceived);
    this.bodyReceived += piece.length;
  }

  finish(): void {
    if (this.body === undefined) {
      throw new Error(
        `Expected ${this.file} to start with ${this.header.length === 8 ? 'an' : 'a'} ${this.header.length}-byte ` +
          `IDX ${this.what} header, ` +
          `found ${this.headerFilled} bytes`,
      );
    }
    const err = lengthError(
      this.file,
      this.header.length + this.bodyReceived,
      this.header.length + this.body.bytes,
      this.body.layout,
    );
    if (err !== null) throw err;
  }
}

/**
 * Checks the bytes of a whole IDX image file (already decompressed) and scales them.
 * @param bytes 16-byte header, then [count, 28, 28] unsigned bytes.
 * @param file the name to put in errors.
 * @returns images [count, 784] row-major, values in [0, 1].
 */
export function parseImageIdx(bytes: Uint8Array, file: string): { count: number; images: Float32Array } {
  const out: { images?: Float32Array; count?: number } = {};
  const assembler = new IdxAssembler(file, IMAGE_HEADER_BYTES, 'image', (h) => imageBody(h, file, out));
  assembler.push(bytes);
  assembler.finish();
  return { count: out.count as number, images: out.images as Float32Array };
}

/**
 * Checks the bytes of a whole IDX label file (already decompressed).
 * @param bytes 8-byte header, then [count] unsigned bytes.
 * @returns labels [count], class ids in 0..9.
 */
export function parseLabelIdx(bytes: Uint8Array, file: string): Int32Array {
  const out: { labels?: Int32Array } = {};
  const assembler = new IdxAssembler(file, LABEL_HEADER_BYTES, 'label', (h) => labelBody(h, file, out));
  assembler.push(bytes);
  assembler.finish();
  return out.labels as Int32Array;
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
  const out = new Float32Array(pixels.length);
  scaleInto(pixels, out, 0);
  return out;
}

/**
 * TensorFlow's byte scaling (see `scaleImages`) of `pixels` into `out` at `offset`.
 * @param pixels [n] bytes.
 * @param out float32 values; receives n of them.
 */
function scaleInto(pixels: Uint8Array, out: Float32Array, offset: number): void {
  const scale = Math.fround(1 / 255);
  for (let i = 0; i < pixels.length; i++) out[offset + i] = (pixels[i] as number) * scale;
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

/**
 * Streams an IDX file (gzip when its name ends in `.gz`) through `assembler`, so that
 * neither the compressed nor the decompressed file is ever held whole in memory.
 */
async function streamIdx(file: string, assembler: IdxAssembler): Promise<void> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`Expected ${file} to be a readable file, found ${describeReadError(err)}`, { cause: e });
  }
  const raw = handle.createReadStream({ highWaterMark: CHUNK_BYTES });
  const gzip = file.endsWith('.gz');
  const source: stream.Readable = gzip
    ? stream.pipeline(raw, zlib.createGunzip({ chunkSize: CHUNK_BYTES }), () => undefined)
    : raw;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) assembler.push(chunk);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!(err instanceof Error) || (err.code === undefined && err.syscall === undefined)) throw err;
    if (err.syscall !== undefined) {
      throw new Error(`Expected ${file} to be a readable file, found ${describeReadError(err)}`, { cause: e });
    }
    throw new Error(`Expected ${file} to be complete, valid gzip data, found a corrupt stream: ${err.message}`, {
      cause: e,
    });
  } finally {
    source.destroy();
    raw.destroy();
    await handle.close().catch(() => undefined);
  }
  assembler.finish();
}

/**
 * Reads one IDX image file (gzip or plain) into float32 pixels scaled like TF's.
 * @returns images [count, 784] row-major, values in [0, 1].
 */
export async function readImagesFile(file: string): Promise<{ count: number; images: Float32Array }> {
  const out: { images?: Float32Array; count?: number } = {};
  await streamIdx(file, new IdxAssembler(file, IMAGE_HEADER_BYTES, 'image', (h) => imageBody(h, file, out)));
  return { count: out.count as number, images: out.images as Float32Array };
}

/**
 * Reads one IDX label file (gzip or plain).
 * @returns labels [count], class ids in 0..9.
 */
export async function readLabelsFile(file: string): Promise<Int32Array> {
  const out: { labels?: Int32Array } = {};
  await streamIdx(file, new IdxAssembler(file, LABEL_HEADER_BYTES, 'label', (h) => labelBody(h, file, out)));
  return out.labels as Int32Array;
}
