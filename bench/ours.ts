/**
 * This project's side of `npm run bench`, as a process of its own like each peer: the seed's
 * In[3]-In[5] with lib/ (readDataSets, createModel, train), timed per epoch, then one RESULT
 * line for bench.ts, the same fields as bench/peers/peer_data.py's.
 *
 *   node --import tsx bench/ours.ts --epochs N --data DIR --seed S [--cell basic|lstm|gru]
 *
 * bench.ts sets TensorFlow's threads and kernels in its environment, which tfjs-node reads
 * once, when it loads.
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { readDataSets } from '../lib/data';
import { createModel, type CellKind } from '../lib/model';
import { formatEpochLine, train } from '../lib/train';

/** What every side prints last, for bench.ts. */
export interface SideResult {
  secondsPerEpoch: number[];
  /** CPU time of all the process's threads. */
  cpuSecondsPerEpoch: number[];
  testAccuracy: number;
  testSize: number;
  peakRssBytes: number;
  settings: string;
}

function packageVersion(name: string): string {
  const file = require.resolve(`${name}/package.json`);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string' },
      data: { type: 'string' },
      seed: { type: 'string' },
      cell: { type: 'string' },
    },
  });
  const [epochs, seed] = [Number(values.epochs ?? 1), Number(values.seed ?? 1)];
  const mnist = await readDataSets(values.data, { seed, download: false, fallback: false, log: () => {} });
  const model = createModel({
    nSteps: 28,
    nInputs: 28,
    nNeurons: 128,
    nOutputs: 10,
    learningRate: 0.001,
    seed,
    cell: (values.cell ?? 'basic') as CellKind,
  });
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  // An epoch is its batches and the scoring of the first 1,000 test images, as the seed's loop times.
  let since = { wall: performance.now(), cpu: process.cpuUsage() };
  await train(model, mnist, {
    nEpochs: epochs,
    batchSize: 50,
    onEpoch: (r) => {
      const cpu = process.cpuUsage(since.cpu);
      seconds.push((performance.now() - since.wall) / 1000);
      cpuSeconds.push((cpu.user + cpu.system) / 1e6);
      console.log(formatEpochLine(r));
      since = { wall: performance.now(), cpu: process.cpuUsage() };
    },
  });
  // In slices of 1000, as the epochs score the test set, so that scoring does not set the peak RSS.
  let correct = 0;
  const { images, labels, numExamples } = mnist.test;
  for (let i = 0; i < numExamples; i += 1000) {
    const n = Math.min(1000, numExamples - i);
    correct += n * model.accuracy(images.subarray(i * 784, (i + n) * 784), labels.subarray(i, i + n));
  }
  const [trace] = model.traces;
  model.dispose();
  const env = ['TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS', 'TF_ENABLE_ONEDNN_OPTS'];
  const result: SideResult = {
    secondsPerEpoch: seconds,
    cpuSecondsPerEpoch: cpuSeconds,
    testAccuracy: correct / numExamples,
    testSize: numExamples,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    settings:
      `tfjs-node ${packageVersion('@tensorflow/tfjs-node')} on Node ${process.version}, ${values.cell ?? 'basic'} cell, each step one TF graph ` +
      `traced from the eager step (tfjs autodiff + TF-1 Adam; ${trace?.nodes} nodes, traced in ` +
      `${((trace?.traceMs ?? NaN) / 1000).toFixed(2)} s), ${env.map((v) => `${v}=${process.env[v]}`).join(' ')}`,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
