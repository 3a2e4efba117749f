"""The seed's model as a JAX user writes it: the RNN cell run over the 28 rows
with lax.scan, the dense layer on its last state, optax's Adam, and the whole
training step (forward, grad, update) under one jax.jit; timed as the peer of
bench/bench.ts. Initialised as TF-1 does (glorot-uniform kernels, zero biases).

Usage: python bench/peers/peer_jax.py [--epochs 1] [--data DIR] [--seed 1] [--threads N] [--cell basic|lstm|gru]
Prints the seed's per-epoch lines, then one JSON line (prefixed "RESULT ") for bench.ts.
"""
import os

import peer_data as mnist

args = mnist.parse_args(__doc__.splitlines()[0], default_threads=os.cpu_count())
# XLA's CPU thread pool: one thread runs the step in the caller's thread, more share each op.
if args.threads == 1:
    os.environ['XLA_FLAGS'] = (os.environ.get('XLA_FLAGS', '') + ' --xla_cpu_multi_thread_eigen=false').strip()
os.environ.setdefault('JAX_PLATFORMS', 'cpu')

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402


GATES = {'basic': 1, 'lstm': 4, 'gru': 2}


def init_params(key, cell):
    """TF-1's: glorot-uniform kernels; zero biases but the GRU's gates bias (ones)."""
    k_kernel, k_weights, k_candidate = jax.random.split(key, 3)
    fan_in, width = mnist.N_INPUTS + mnist.N_NEURONS, GATES[cell] * mnist.N_NEURONS
    kernel_limit = mnist.glorot_limit(fan_in, width)
    weights_limit = mnist.glorot_limit(mnist.N_NEURONS, mnist.N_OUTPUTS)
    params = {
        'kernel': jax.random.uniform(k_kernel, (fan_in, width), jnp.float32, -kernel_limit, kernel_limit),
        'bias': (jnp.ones if cell == 'gru' else jnp.zeros)(width, jnp.float32),
        'weights': jax.random.uniform(k_weights, (mnist.N_NEURONS, mnist.N_OUTPUTS), jnp.float32, -weights_limit, weights_limit),
        'biases': jnp.zeros(mnist.N_OUTPUTS, jnp.float32),
    }
    if cell == 'gru':
        limit = mnist.glorot_limit(fan_in, mnist.N_NEURONS)
        params['candidate_kernel'] = jax.random.uniform(k_candidate, (fan_in, mnist.N_NEURONS), jnp.float32, -limit, limit)
        params['candidate_bias'] = jnp.zeros(mnist.N_NEURONS, jnp.float32)
    return params


def step_fn(params, cell):
    """One step of the cell, (state, row) -> new state, as a JAX user writes it for lax.scan."""
    n = mnist.N_INPUTS
    wx, wh = params['kernel'][:n], params['kernel'][n:]
    if cell == 'basic':
        # Each row's input projection inside the cell, as a JAX user writes it: projecting every
        # row beforehand with one einsum ('bti,ih->tbh') made an epoch 0.3-0.5 s slower here.
        return lambda h, row: jnp.tanh(row @ wx + h @ wh + params['bias'])
    if cell == 'lstm':
        def lstm(state, row):
            c, h = state
            i, j, f, o = jnp.split(row @ wx + h @ wh + params['bias'], 4, axis=1)
            c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
            return c, jnp.tanh(c) * jax.nn.sigmoid(o)
        return lstm
    cx, ch = params['candidate_kernel'][:n], params['candidate_kernel'][n:]

    def gru(h, row):
        r, u = jnp.split(jax.nn.sigmoid(row @ wx + h @ wh + params['bias']), 2, axis=1)
        c = jnp.tanh(row @ cx + (r * h) @ ch + params['candidate_bias'])
        return u * h + (1 - u) * c
    return gru


def logits(params, x):
    """x [batch, n_steps, n_inputs] -> [batch, n_outputs]"""
    step = step_fn(params, args.cell)
    zeros = jnp.zeros((x.shape[0], mnist.N_NEURONS), x.dtype)
    init = (zeros, zeros) if args.cell == 'lstm' else zeros
    state, _ = jax.lax.scan(lambda s, row: (step(s, row), None), init, x.transpose(1, 0, 2))
    h = state[1] if args.cell == 'lstm' else state
    return h @ params['weights'] + params['biases']


def loss_fn(params, x, y):
    return optax.softmax_cross_entropy_with_integer_labels(logits(params, x), y).mean()


optimizer = optax.adam(mnist.LEARNING_RATE)


@jax.jit
def train_step(params, opt_state, x, y):
    grads = jax.grad(loss_fn)(params, x, y)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state


@jax.jit
def accuracy(params, x, y):
    return (logits(params, x).argmax(1) == y).mean()


train, X_test, y_test = mnist.read_data_sets(args)
params = init_params(jax.random.PRNGKey(args.seed), args.cell)
opt_state = optimizer.init(params)

timer = mnist.EpochTimer()
for epoch in range(args.epochs):
    timer.start()
    for iteration in range(train.num_examples // mnist.BATCH_SIZE):
        X_batch, y_batch = train.next_batch(mnist.BATCH_SIZE)
        params, opt_state = train_step(params, opt_state, X_batch, y_batch)
    acc_train = float(accuracy(params, X_batch, y_batch))
    acc_test = float(accuracy(params, X_test[:1000], y_test[:1000]))
    timer.stop()
    mnist.print_epoch(epoch, acc_train, acc_test)

mnist.print_result(timer, accuracy(params, X_test, y_test), len(y_test),
                   f'JAX {jax.__version__}, {args.cell} cell, jax.jit of the whole Adam step, lax.scan over the rows, '
                   f'optax {optax.__version__} adam, {args.threads} XLA CPU thread(s)')
