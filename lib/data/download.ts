// Downloads a file from the first mirror that serves it whole and with the right
// checksum, or gzips a local copy checked the same way. The bytes go to a hidden
// temporary file in the target folder and are renamed into place only once verified,
// so an interrupted or bad download or copy never leaves a file that a later run would load.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';

/** What a downloaded file must match. */
export interface Checksum {
  /** SHA-256, hex. */
  sha256: string;
  /** MD5, hex; checked as well when given. */
  md5?: string;
  /** Size in bytes; checked as well when given. */
  size?: number;
}

export interface DownloadProgress {
  file: string;
  url: string;
  received: number;
  /** From Content-Length; undefined when the server does not say. */
  total: number | undefined;
  /** True once, after the last byte. */
  done: boolean;
}

export type ProgressReporter = (progress: DownloadProgress) => void;

export interface DownloadOptions {
  /** Base URLs, tried in order; `file` is appended to each. */
  mirrors: readonly string[];
  /** Limit on waiting for a response, and on any silence while the body arrives. Default 10000. */
  timeoutMs?: number;
  /** Called as bytes arrive; default `progressBar()`, false for none. */
  progress?: ProgressReporter | false;
}

/** One mirror's failure. */
export interface DownloadAttempt {
  url: string;
  reason: string;
  /** False when no HTTP response came back at all (DNS, refused, unreachable, timeout). */
  reachedServer: boolean;
}

/** Every mirror failed for `file`; `attempts` says why, one entry per mirror. */
export class DownloadError extends Error {
  constructor(
    readonly file: string,
    readonly attempts: readonly DownloadAttempt[],
  ) {
    super(
      `Could not download ${file}: ` +
        (attempts.length === 0 ? 'no mirrors given' : attempts.map((a) => `${a.url}: ${a.reason}`).join('; ')),
    );
    this.name = 'DownloadError';
  }

  /** True when no mirror answered at all: the machine is most likely offline. */
  get offline(): boolean {
    return this.attempts.length > 0 && this.attempts.every((a) => !a.reachedServer);
  }
}

class AttemptError extends Error {
  constructor(
    message: string,
    readonly reachedServer: boolean,
  ) {
    super(message);
  }
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  return err.code && !err.message.includes(err.code) ? `${err.code} ${err.message}` : err.message;
}

/** Why a fetch failed, from the system error beneath it when there is one ("ECONNREFUSED connect ..."). */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
  if (cause instanceof Error) return describeNetworkError(cause);
  return err instanceof Error ? err.message : String(err);
}

/**
 * Resolves with a 200 response; `fetch` follows redirects (up to 20). The first
 * `timeoutMs` covers DNS, connect, TLS and the response's headers; `controller` also
 * stops the body later (see `receive`): `AbortSignal.timeout` would bound the whole
 * download and cut a slow one that is still moving. Asks for the file's own bytes: fetch
 * would decode a compressed body, and the checksum is of the file as stored.
 */
async function get(url: string, timeoutMs: number, controller: AbortController): Promise<Response> {
  const timer = setTimeout(
    () => controller.abort(new AttemptError(`no response within ${timeoutMs} ms`, false)),
    timeoutMs,
  );
  let res: Response;
  try {
    res = await fetch(url, { signal: controller.signal, headers: { 'accept-encoding': 'identity' } });
  } catch (e) {
    if (e instanceof AttemptError) throw e;
    const reason = describeFetchError(e);
    throw new AttemptError(reason, /redirect/.test(reason));
  } finally {
    clearTimeout(timer);
  }
  const encoding = res.headers.get('content-encoding');
  const problem =
    res.status !== 200
      ? `HTTP ${res.status} ${res.statusText}`.trim()
      : encoding !== null && encoding !== 'identity'
        ? `sent with Content-Encoding: ${encoding}, which fetch decodes: the bytes would not be the file's`
        : null;
  if (problem === null) return res;
  await res.body?.cancel();
  throw new AttemptError(problem, true);
}

/**
 * Flushes and closes `handle` (open on `tmp`), then renames `tmp` to `dest`: the bytes are on
 * disk before the rename makes them visible, so a crash cannot leave a short file at `dest`.
 */
async function syncAndRename(handle: fs.promises.FileHandle, tmp: string, dest: string): Promise<void> {
  await handle.sync();
  await handle.close();
  await fs.promises.rename(tmp, dest);
}

async function removeQuietly(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true });
}

/** A hidden name beside `dest`, unique to this process and call: the same folder, so the rename is atomic. */
function temporaryPath(dest: string): string {
  return path.join(
    path.dirname(dest),
    `.${path.basename(dest)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`,
  );
}

/** SHA-256 and MD5 of the bytes as they stream past, and how they differ from a checksum. */
function hashing() {
  const sha256 = crypto.createHash('sha256');
  const md5 = crypto.createHash('md5');
  return {
    update(chunk: Uint8Array): void {
      sha256.update(chunk);
      md5.update(chunk);
    },
    /** What differs from `checksum`, as "SHA-256 <want>, found <got>", or null when all match; call once, at the end. */
    mismatch(checksum: Checksum, size: number): string | null {
      if (checksum.size !== undefined && size !== checksum.size) return `${checksum.size} bytes, found ${size}`;
      const sha = sha256.digest('hex');
      if (sha !== checksum.sha256.toLowerCase()) return `SHA-256 ${checksum.sha256}, found ${sha}`;
      const md5Hex = md5.digest('hex');
      if (checksum.md5 !== undefined && md5Hex !== checksum.md5.toLowerCase())
        return `MD5 ${checksum.md5}, found ${md5Hex}`;
      return null;
    },
  };
}

/** What a download reports its progress with. */
interface Receiving {
  file: string;
  url: string;
  /** From Content-Length, when the server sends one. */
  total: number | undefined;
  timeoutMs: number;
  progress: ProgressReporter | undefined;
}

/**
 * Writes `body` to `handle`, hashing it, and fails if it stalls for `timeoutMs` (aborting
 * `controller`, which ends the body with that reason) or ends short of its Content-Length.
 * @returns the number of bytes received
 */
async function receive(
  body: ReadableStream<Uint8Array>,
  controller: AbortController,
  handle: fs.promises.FileHandle,
  hashes: ReturnType<typeof hashing>,
  r: Receiving,
): Promise<number> {
  let received = 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(new AttemptError(`no data for ${r.timeoutMs} ms`, true)), r.timeoutMs);
  };
  armIdle();
  try {
    for await (const chunk of body) {
      armIdle();
      hashes.update(chunk);
      received += chunk.length;
      await handle.write(chunk);
      r.progress?.({ file: r.file, url: r.url, received, total: r.total, done: false });
    }
  } catch (e) {
    if (e instanceof AttemptError) throw e;
    const of = r.total === undefined ? '' : ` of ${r.total}`;
    throw new AttemptError(`connection lost after ${received}${of} bytes (${describeFetchError(e)})`, true);
  } finally {
    clearTimeout(idle);
    // A line ended, whole or not, so that what is printed next starts on its own line.
    if (received > 0) r.progress?.({ file: r.file, url: r.url, received, total: r.total, done: true });
  }
  if (r.total !== undefined && received !== r.total) {
    throw new AttemptError(`connection closed after ${received} of ${r.total} bytes`, true);
  }
  return received;
}

/** Streams one URL into `dest` via a temporary file; verifies before the rename. */
async function fetchVerified(
  url: string,
  file: string,
  dest: string,
  checksum: Checksum,
  timeoutMs: number,
  progress: ProgressReporter | undefined,
): Promise<number> {
  const controller = new AbortController();
  const res = await get(url, timeoutMs, controller);
  const lengthHeader = res.headers.get('content-length');
  const total = lengthHeader === null ? undefined : Number(lengthHeader);
  const tmp = temporaryPath(dest);
  let handle: fs.promises.FileHandle | undefined;
  let renamed = false;
  try {
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    handle = await fs.promises.open(tmp, 'wx');
    const hashes = hashing();
    if (res.body === null) throw new AttemptError('the response had no body', true);
    const received = await receive(res.body, controller, handle, hashes, { file, url, total, timeoutMs, progress });
    const mismatch = hashes.mismatch(checksum, received);
    if (mismatch !== null) throw new AttemptError(`expected ${mismatch}`, true);
    await syncAndRename(handle, tmp, dest);
    handle = undefined;
    renamed = true;
    return received;
  } catch (e) {
    if (e instanceof AttemptError) throw e;
    throw new AttemptError(`could not write ${dest}: ${describeNetworkError(e as NodeJS.ErrnoException)}`, true);
  } finally {
    controller.abort();
    await handle?.close().catch(() => undefined);
    if (!renamed) await removeQuietly(tmp);
  }
}

/**
 * Downloads `file` from the first of `options.mirrors` that serves it whole and
 * matching `checksum`, into `dir/file` (created if missing).
 * @returns the URL that served it, its size, and the mirrors that failed before it.
 * @throws DownloadError naming every mirror's failure; nothing is left in `dir` then.
 */
export async function downloadFile(
  file: string,
  dir: string,
  checksum: Checksum,
  options: DownloadOptions,
): Promise<{ url: string; bytes: number; failed: DownloadAttempt[] }> {
  const timeoutMs = options.timeoutMs ?? 10000;
  if (!(timeoutMs > 0)) throw new Error(`Expected \`timeoutMs\` to be a positive number, got ${timeoutMs}`);
  const progress = options.progress === false ? undefined : (options.progress ?? progressBar());
  const dest = path.join(dir, file);
  const failed: DownloadAttempt[] = [];
  for (const mirror of options.mirrors) {
    const url = mirror.endsWith('/') ? mirror + file : `${mirror}/${file}`;
    try {
      const bytes = await fetchVerified(url, file, dest, checksum, timeoutMs, progress);
      return { url, bytes, failed };
    } catch (e) {
      const err = e as AttemptError;
      failed.push({ url, reason: err.message, reachedServer: err.reachedServer === true });
    }
  }
  throw new DownloadError(file, failed);
}

/**
 * Gzips the local file `source` into `dest` (its folder created if missing), checking
 * the bytes of `source` against `checksum` as they stream through. As a download does,
 * it writes a hidden temporary file beside `dest`, flushes it to disk and renames it
 * into place only when size and hashes match.
 * @returns the size of `source` in bytes
 * @throws naming `source`, what was expected and what was found; nothing is left at `dest` then.
 */
export async function installGzipped(source: string, dest: string, checksum: Checksum): Promise<number> {
  let size: number;
  try {
    size = (await fs.promises.stat(source)).size;
  } catch (e) {
    throw new Error(`Expected a file at ${source}, found ${(e as Error).message}`, { cause: e });
  }
  // Fails before reading 47 MB when the size alone already tells.
  if (checksum.size !== undefined && size !== checksum.size) {
    throw new Error(`Expected ${source} to be ${checksum.size} bytes, found ${size}`);
  }
  const hashes = hashing();
  const hashed = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hashes.update(chunk);
      done(null, chunk);
    },
  });
  const tmp = temporaryPath(dest);
  let handle: fs.promises.FileHandle | undefined;
  let renamed = false;
  try {
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    await pipeline(fs.createReadStream(source), hashed, zlib.createGzip(), fs.createWriteStream(tmp, { flags: 'wx' }));
    const mismatch = hashes.mismatch(checksum, size);
    if (mismatch !== null) throw new Error(`Expected ${source} to have ${mismatch}`);
    handle = await fs.promises.open(tmp, 'r+');
    await syncAndRename(handle, tmp, dest);
    handle = undefined;
    renamed = true;
    return size;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // A system error (no space, no permission) is about the copy, not the checksum.
    if (err.code !== undefined) throw new Error(`Could not write ${dest} from ${source}: ${err.message}`, { cause: e });
    throw err;
  } finally {
    await handle?.close().catch(() => undefined);
    if (!renamed) await removeQuietly(tmp);
  }
}

function megabytes(n: number): string {
  return (n / 1e6).toFixed(1);
}

/**
 * A one-line progress bar redrawn in place with `\r` (a terminal and Jupyter both do
 * so), ending with a newline when the file is complete.
 * @param write where the text goes; default process.stdout.
 */
export function progressBar(write: (text: string) => void = (t) => void process.stdout.write(t)): ProgressReporter {
  let shown = '';
  return ({ file, received, total, done }) => {
    let line: string;
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, received / total);
      const width = 30;
      const filled = Math.round(fraction * width);
      line =
        `Downloading ${file} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ` +
        `${String(Math.floor(fraction * 100)).padStart(3)}% ${megabytes(received)}/${megabytes(total)} MB`;
    } else {
      line = `Downloading ${file} ${megabytes(received)} MB`;
    }
    // Redraw only when the text changes: a few dozen writes per file, not one per chunk.
    if (line !== shown || done) {
      shown = line;
      write(`\r${line}${done ? '\n' : ''}`);
    }
  };
}
