/**
 * `npm run bench [-- --epochs 5 --data DIR --seed 1 --shards N --skip-tf1]`: trains the seed's RNN
 * with this project's code (lib/model.ts, lib/train.ts on tfjs-node) and
 * with the seed's own TF-1 code in Python TensorFlow (scripts/bench_tf1.py),
 * on the same IDX files, each in its own process so that each peak RSS is its
 * own. Prints seconds per epoch (median), full test-set accuracy and peak RSS
 * of each, and last the ratio `ratio ours/tf1 s-per-epoch: 0.84`.
 *
 * The TF-1 side runs in .cache/venv-tf, made here on first use with pip
 * (tensorflow-cpu==2.21.0, from .cache/wheels when the wheel is there).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const TF_VERSION = '2.21.0';
const venv = path.join(root, '.cache', 'venv-tf');
const venvPython = path.join(venv, 'bin', 'python');

interface Options {
  epochs: number;
  data: string;
  seed: number;
  /** Internal: run one side in this process and print its RESULT line. */
  child: 'ours' | null;
  skipTf1: boolean;
  /** createModel's `shards`; default its own default, as in the notebook. */
  shards: number | null;
}

interface SideResult {
  secondsPerEpoch: number[];
  testAccuracy: number;
  testSize: number;
  peakRssBytes: number;
  settings: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { epochs: 1, data: '/usr/share/datasets/fashion-mnist', seed: 1, child: null, skipTf1: false, shards: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`Expected a value after ${flag}`);
      return v;
    };
    if (flag === '--epochs' || flag === '--seed' || flag === '--shards') {
      const raw = value();
      const n = Number(raw);
      if (!Number.isInteger(n) || n < (flag === '--seed' ? 0 : 1)) {
        throw new Error(`Expected \`${flag}\` to be a ${flag === '--seed' ? 'non-negative' : 'positive'} integer, got ${raw}`);
      }
      if (flag === '--epochs') options.epochs = n;
      else if (flag === '--shards') options.shards = n;
      else options.seed = n;
    } else if (flag === '--data') options.data = path.resolve(value());
    else if (flag === '--child') options.child = value() === 'ours' ? 'ours' : null;
    else if (flag === '--skip-tf1') options.skipTf1 = true;
    else throw new Error(`Unknown option ${flag}; expected --epochs N, --data DIR, --seed N, --shards N or --skip-tf1`);
  }
  return options;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** This project's side, run inside the child process that `runOurs` starts. */
async function ours(options: Options): Promise<void> {
  // Imported here, not at the top: the parent must not load tfjs-node, and the
  // child's TF_NUM_*_THREADS must be in its environment before tfjs-node loads.
  const { readDataSets } = await import('../lib/data');
  const { createModel, defaultShards } = await import('../lib/model');
  const { train, formatEpochLine } = await import('../lib/train');
  const mnist = await readDataSets(options.data, { seed: options.seed, download: false, fallback: false, log: () => {} });
  const model = createModel({ nSteps: 28, nInputs: 28, nNeurons: 128, nOutputs: 10, learningRate: 0.001, seed: options.seed,
    ...(options.shards === null ? {} : { shards: options.shards }) });
  const seconds: number[] = [];
  let start = performance.now();
  await train(model, mnist, {
    nEpochs: options.epochs,
    batchSize: 50,
    onEpoch: (r) => {
      seconds.push((performance.now() - start) / 1000);
      console.log(formatEpochLine(r));
      start = performance.now();
    },
  });
  // In slices of 1000, as the epochs score the test set, so that scoring does not set the peak RSS.
  let correct = 0;
  const { images, labels, numExamples } = mnist.test;
  for (let i = 0; i < numExamples; i += 1000) {
    const n = Math.min(1000, numExamples - i);
    correct += n * model.accuracy(images.subarray(i * 784, (i + n) * 784), labels.subarray(i, i + n));
  }
  const testAccuracy = correct / numExamples;
  model.dispose();
  const result: SideResult = {
    secondsPerEpoch: seconds,
    testAccuracy,
    testSize: mnist.test.numExamples,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    settings: `tfjs-node ${require('@tensorflow/tfjs-node/package.json').version}, each step one TF graph ` +
      `(hand-written BPTT + Adam), ${options.shards ?? defaultShards()} shard(s), ` +
      `TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS} TF_NUM_INTEROP_THREADS=${process.env.TF_NUM_INTEROP_THREADS}`,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

/** Runs a child process, echoing its lines with a prefix, and returns its RESULT. */
function runSide(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<SideResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let result: SideResult | null = null;
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as SideResult;
        else if (line.trim()) console.log(`  ${name}: ${line}`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`${name}: ${command} exited with code ${code}${result ? '' : ' and no RESULT line'}\n${stderr.slice(-3000)}`));
    });
  });
}

/** Makes .cache/venv-tf with tensorflow-cpu (idempotent: a second call only checks the import). */
function ensureTensorFlowVenv(): void {
  const check = () =>
    fs.existsSync(venvPython) &&
    spawnSync(venvPython, ['-c', `import tensorflow as tf; assert tf.__version__ == '${TF_VERSION}'`], {
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
      stdio: 'ignore',
    }).status === 0;
  if (check()) return;
  console.log(`bench: installing tensorflow-cpu==${TF_VERSION} into ${path.relative(root, venv)} (once, about a minute)`);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, PIP_RETRIES: '0' } });
    if (r.status !== 0) throw new Error(`bench: \`${cmd} ${args.join(' ')}\` failed with code ${r.status}`);
  };
  if (!fs.existsSync(venvPython)) run('python3', ['-m', 'venv', venv]);
  const wheels = path.join(root, '.cache', 'wheels');
  const findLinks = fs.existsSync(wheels) ? ['--find-links', wheels] : [];
  run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...findLinks, `tensorflow-cpu==${TF_VERSION}`]);
  if (!check()) throw new Error(`bench: expected tensorflow ${TF_VERSION} importable in ${venv} after pip install, it is not`);
}

function report(name: string, r: SideResult): void {
  const perEpoch = r.secondsPerEpoch.map((s) => s.toFixed(2)).join(', ');
  console.log(`${name}: ${r.settings}`);
  console.log(`  seconds per epoch: median ${median(r.secondsPerEpoch).toFixed(2)} (${perEpoch})`);
  console.log(`  test accuracy after ${r.secondsPerEpoch.length} epoch(s): ${(r.testAccuracy * 100).toFixed(2)}% of ${r.testSize}`);
  console.log(`  peak RSS: ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.child === 'ours') return ours(options);

  const common = ['--epochs', String(options.epochs), '--data', options.data, '--seed', String(options.seed)];
  const oursArgs = options.shards === null ? common : [...common, '--shards', String(options.shards)];
  console.log(`bench: ${options.epochs} epoch(s), batch 50, data ${options.data}, seed ${options.seed}`);
  // Each side at its fastest, measured on 2 cores: ours with one intra-op thread (its ops are
  // too small to split: 1.25 vs 1.67 ms per step with 2) and an inter-op thread per core, which
  // run the batch's shards side by side; TF-1 with a thread per core (4.1-4.3 vs 5.7-5.8 s per epoch).
  const cores = String(os.cpus().length);
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: cores };
  const oursResult = await runSide('ours', process.execPath, ['--import', 'tsx', __filename, '--child', 'ours', ...oursArgs], env);
  report('ours', oursResult);
  if (options.skipTf1) return;

  ensureTensorFlowVenv();
  const tf1Env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
  const tf1Result = await runSide('tf1', venvPython, [path.join(root, 'scripts', 'bench_tf1.py'), ...common, '--threads', cores], tf1Env);
  report('tf1', tf1Result);
  const ratio = median(oursResult.secondsPerEpoch) / median(tf1Result.secondsPerEpoch);
  console.log(`ratio ours/tf1 s-per-epoch: ${ratio.toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
