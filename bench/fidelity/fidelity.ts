/**
 * `npm run bench -- --seeds N [--epochs 5] [--chart FILE.png]`: a replication's proof. For seeds
 * 1..N, the seed's training (5 epochs by default) with this project and with the seed's own TF-1
 * code (the tf1 peer), each run alone, in turn; then, per epoch and side, the test accuracy on the
 * first 1,000 test images (the number the seed prints) as mean, standard deviation, min and max;
 * Welch's t-test of the final accuracies on all 10,000 test images (bench/fidelity/stats.ts says
 * why that test); each side's seconds per epoch from the same runs; and one closing line:
 *
 *   fidelity ours vs tf1 over 10 seeds: final test accuracy 0.9612 ± 0.0031 vs 0.9598 ± 0.0035, p = 0.41
 *
 * With `--chart`, the per-epoch chart (bench/fidelity/figure.ts) as a PNG, drawn in headless Chromium.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fidelityFigure } from './figure';
import { median, summary, welchTTest, type Summary } from './stats';

/** One side's run: its RESULT, and the per-epoch lines it printed. */
export interface SideRun {
  secondsPerEpoch: number[];
  testAccuracy: number;
  testSize: number;
  epochs: { train: number; test: number }[];
}

export interface FidelityOptions {
  seeds: number;
  epochs: number;
  /** A PNG to draw the chart into, or null. */
  chart: string | null;
  /** What data the runs read, for the chart's caption. */
  dataLabel: string;
}

const LABELS: Record<string, string> = { ours: 'this project', tf1: "the seed's TF 1 code" };
const SIDES = ['ours', 'tf1'];
const f4 = (x: number) => x.toFixed(4);
const described = (s: Summary) => `${f4(s.mean)} ± ${f4(s.sd)} [${f4(s.min)}, ${f4(s.max)}]`;

/**
 * @param runSeed runs both sides alone, one after the other, on `seed`, in the given order
 * @returns the closing line
 */
export async function fidelity(
  options: FidelityOptions,
  runSeed: (seed: number, order: string[]) => Promise<Map<string, SideRun>>,
): Promise<string> {
  const runs = new Map<string, SideRun[]>(SIDES.map((s) => [s, []]));
  for (let seed = 1; seed <= options.seeds; seed++) {
    // Alternate which side goes first, so that a machine that drifts moves both alike.
    const order = seed % 2 === 1 ? SIDES : [...SIDES].reverse();
    console.log(`fidelity: seed ${seed} of ${options.seeds}: ${order.join(', ')}, one at a time`);
    const results = await runSeed(seed, order);
    for (const side of SIDES) {
      const run = results.get(side)!;
      if (run.epochs.length !== options.epochs) {
        throw new Error(
          `fidelity: expected ${options.epochs} epoch lines from ${side} (seed ${seed}), got ${run.epochs.length}`,
        );
      }
      runs.get(side)!.push(run);
    }
  }
  return report(options, runs);
}

function report(options: FidelityOptions, runs: Map<string, SideRun[]>): Promise<string> | string {
  const { seeds, epochs } = options;
  const perEpoch = (side: string) =>
    Array.from({ length: epochs }, (_, e) => summary(runs.get(side)!.map((r) => r.epochs[e]!.test)));
  const finals = (side: string) => runs.get(side)!.map((r) => r.testAccuracy);
  const testSize = runs.get('ours')![0]!.testSize;
  console.log(
    `fidelity: test accuracy on the first 1,000 test images per epoch, over ${seeds} seeds (mean ± sd [min, max]):`,
  );
  const [ours, tf1] = [perEpoch('ours'), perEpoch('tf1')];
  ours.forEach((s, e) => console.log(`  epoch ${e}: ours ${described(s)}   tf1 ${described(tf1[e]!)}`));
  const [finalOurs, finalTf1] = [summary(finals('ours')), summary(finals('tf1'))];
  console.log(
    `fidelity: final test accuracy on all ${testSize}: ours ${described(finalOurs)}   tf1 ${described(finalTf1)}`,
  );
  const { t, df, p } = welchTTest(finals('ours'), finals('tf1'));
  console.log(
    `fidelity: Welch's two-sided t-test of the final accuracies: t = ${t.toFixed(3)}, df = ${df.toFixed(1)}, p = ${p.toFixed(3)}`,
  );
  const speed = (side: string) => median(runs.get(side)!.flatMap((r) => r.secondsPerEpoch));
  console.log(
    `fidelity: seconds per epoch, median over every epoch of every seed: ours ${speed('ours').toFixed(2)}, ` +
      `tf1 ${speed('tf1').toFixed(2)} (ours/tf1 ${(speed('ours') / speed('tf1')).toFixed(2)})`,
  );
  const closing =
    `fidelity ours vs tf1 over ${seeds} seeds: final test accuracy ${f4(finalOurs.mean)} ± ${f4(finalOurs.sd)} ` +
    `vs ${f4(finalTf1.mean)} ± ${f4(finalTf1.sd)}, p = ${p.toFixed(2)}`;
  if (options.chart === null) return closing;
  const figure = fidelityFigure(
    [
      { name: 'ours', label: LABELS.ours!, epochs: ours },
      { name: 'tf1', label: LABELS.tf1!, epochs: tf1 },
    ],
    `${seeds} seeds, ${epochs} epochs, ${options.dataLabel}`,
  );
  return drawChart(figure, options.chart).then(() => closing);
}

/** Draws `figure` into the PNG `file` (written whole, or not at all). */
async function drawChart(figure: ReturnType<typeof fidelityFigure>, file: string): Promise<void> {
  // Loaded only here: the browser is needed for the chart alone.
  const { launchChromium } = await import('../../scripts/chromium');
  const { plotlyPage, renderFigurePng } = await import('../../scripts/render-static');
  const browser = await launchChromium();
  try {
    const png = await renderFigurePng(await plotlyPage(browser), figure);
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
    fs.writeFileSync(tmp, png);
    fs.renameSync(tmp, file);
    console.log(`fidelity: drew the chart into ${file}`);
  } finally {
    await browser.close();
  }
}
