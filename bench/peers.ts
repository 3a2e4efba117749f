// The peers of `npm run bench`: what a user might pick instead of this project, each a Python
// script in bench/peers/ run in a virtualenv of its own under .cache/, made here on first use.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..');

export interface Peer {
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
  /** The peer's fastest settings on this machine's cores, each measured against the others (bench/README.md). */
  args: (cores: number) => string[];
  /** What its process needs in its environment, besides the caller's. */
  env: Record<string, string>;
}

export const PEERS: Readonly<Record<string, Peer>> = {
  tf1: {
    title: "the seed's TF-1 code",
    script: 'peer_tf1.py',
    venv: 'venv-tf',
    requirements: ['tensorflow-cpu==2.21.0'],
    check: "import tensorflow as tf; assert tf.__version__ == '2.21.0'",
    // A thread per core for both of the session's pools.
    args: (n) => ['--threads', String(n)],
    // TensorFlow's oneDNN kernels, as this project's side gets them (bench.ts says why).
    env: { TF_ENABLE_ONEDNN_OPTS: process.env.TF_ENABLE_ONEDNN_OPTS ?? '1', TF_CPP_MIN_LOG_LEVEL: '2' },
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
    env: {},
  },
  jax: {
    title: 'JAX',
    script: 'peer_jax.py',
    venv: 'venv-jax',
    requirements: ['jax==0.10.2', 'jaxlib==0.10.2', 'optax==0.2.8', 'numpy'],
    check: "import jax, optax, numpy; assert jax.__version__ == '0.10.2'",
    args: (n) => ['--threads', String(n)],
    env: {},
  },
};

/** The peer's Python, in its virtualenv. */
export function peerPython(peer: Peer): string {
  return path.join(ROOT, '.cache', peer.venv, 'bin', 'python');
}

/**
 * Makes the peer's virtualenv with its requirements, once: later calls only run its import check.
 * pip first uses the index it is configured with; only if that fails does it try again with the
 * peer's own index, so an offline machine never waits on an unreachable host.
 * @returns null when the peer is ready, else why it is not (the end of pip's output)
 */
export function ensureVenv(peer: Peer): string | null {
  const venv = path.join(ROOT, '.cache', peer.venv);
  const python = peerPython(peer);
  const quiet = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', PIP_RETRIES: '0' };
  const ready = () =>
    fs.existsSync(python) && spawnSync(python, ['-c', peer.check], { env: quiet, stdio: 'ignore' }).status === 0;
  if (ready()) return null;
  console.log(
    `bench: installing ${peer.requirements.join(' ')} into ${path.relative(ROOT, venv)} (once, about a minute)`,
  );
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: ROOT, env: quiet, encoding: 'utf8' });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim();
    return r.status === 0
      ? null
      : `\`${path.basename(cmd)} ${args.join(' ')}\` failed: ${output.split('\n').slice(-3).join(' ')}`;
  };
  if (!fs.existsSync(python)) {
    const failed = run('python3', ['-m', 'venv', venv]);
    if (failed) return failed;
  }
  const wheels = path.join(ROOT, '.cache', 'wheels');
  const pip = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check'];
  if (fs.existsSync(wheels)) pip.push('--find-links', wheels);
  let failed = run(python, [...pip, ...peer.requirements]);
  if (failed && peer.fallbackIndex) failed = run(python, [...pip, ...peer.fallbackIndex, ...peer.requirements]);
  if (failed) return failed;
  return ready() ? null : `\`${peer.check}\` fails in ${venv} after pip install`;
}
