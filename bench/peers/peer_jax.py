"""The seed's model as a JAX user writes it: the RNN cell run over the 28 rows
with lax.scan, the dense layer on its last state, optax's Adam, and the whole
training step (forward, grad, update) under one jax.jit; timed as the peer of
bench/bench.ts. Initialised as TF-1 does (glorot-uniform kernels, zero biases).

Usage: python bench/peers/peer_jax.py [--epochs 1] [--data DIR] [--seed 1] [--threads N]
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


def init_params(key):
    k_kernel, k_weights = jax.random.split(key)
    fan_in = mnist.N_INPUTS + mnist.N_NEURONS
    kernel_limit = mnist.glorot_limit(fan_in, mnist.N_NEURONS)
    weights_limit = mnist.glorot_limit(mnist.N_NEURONS, mnist.N_OUTPUTS)
    return {
        'kernel': jax.random.uniform(k_kernel, (fan_in, mnist.N_NEURONS), jnp.float32, -kernel_limit, kernel_limit),
        'bias': jnp.zeros(mnist.N_NEURONS, jnp.float32),
        'weights': jax.random.uniform(k_weights, (mnist.N_NEURONS, mnist.N_OUTPUTS), jnp.float32, -weights_limit, weights_limit),
        'biases': jnp.zeros(mnist.N_OUTPUTS, jnp.float32),
    }


def logits(params, x):
    """x [batch, n_steps, n_inputs] -> [batch, n_outputs]"""
    wx, wh = params['kernel'][:mnist.N_INPUTS], params['kernel'][mnist.N_INPUTS:]

    # Each row's input projection inside the cell, as a JAX user writes it: projecting every
    # row beforehand with one einsum ('bti,ih->tbh') made an epoch 0.3-0.5 s slower here.
    def cell(state, row):
        return jnp.tanh(row @ wx + state @ wh + params['bias']), None

    state, _ = jax.lax.scan(cell, jnp.zeros((x.shape[0], mnist.N_NEURONS), x.dtype), x.transpose(1, 0, 2))
    return state @ params['weights'] + params['biases']


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
params = init_params(jax.random.PRNGKey(args.seed))
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
                   f'JAX {jax.__version__}, jax.jit of the whole Adam step, lax.scan over the rows, '
                   f'optax {optax.__version__} adam, {args.threads} XLA CPU thread(s)')
