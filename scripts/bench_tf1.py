"""The seed's In[3]-In[5], in TensorFlow's own TF-1 code, timed: the peer that
scripts/bench.ts compares this project's training with.

With TF 2.21 and Keras 3, tf.contrib is gone and tf.compat.v1.nn.rnn_cell.BasicRNNCell
and tf.compat.v1.layers.dense refuse to run; the same TF-1 classes are still
importable from tensorflow.python. `dense(..., activation=None)` is what
`fully_connected(..., activation_fn=None)` builds: glorot-uniform weights, zero biases.

Usage: python scripts/bench_tf1.py [--epochs 1] [--data DIR] [--seed 1] [--threads N]
Prints the seed's per-epoch lines, then one JSON line (prefixed "RESULT ") for bench.ts.
"""
import argparse
import gzip
import json
import os
import resource
import struct
import time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=int, default=1)
parser.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
parser.add_argument('--seed', type=int, default=1)
parser.add_argument('--threads', type=int, default=os.cpu_count(), help='intra- and inter-op threads of the session (default: one per core, its fastest)')
args = parser.parse_args()

import tensorflow as tf  # noqa: E402  (after argparse, so --help is quick)
from tensorflow.python.ops.rnn_cell_impl import BasicRNNCell  # noqa: E402
from tensorflow.python.ops.rnn import dynamic_rnn  # noqa: E402
from tensorflow.python.keras.legacy_tf_layers.core import dense as fully_connected  # noqa: E402


def read_idx(name, magic):
    path = os.path.join(args.data, name)
    opener = gzip.open if os.path.exists(path) else open
    path = path if os.path.exists(path) else path[:-3]
    with opener(path, 'rb') as f:
        data = f.read()
    found, count = struct.unpack('>II', data[:8])
    if found != magic:
        raise SystemExit(f'Expected {path} to start with magic number {magic}, got {found}')
    header = 16 if magic == 2051 else 8
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(count, -1)


class DataSet:
    """tensorflow.examples.tutorials.mnist's DataSet: images scaled to [0, 1], reshuffled each epoch."""

    def __init__(self, images, labels, rng):
        self.images, self.labels, self.rng = images, labels, rng
        self.num_examples = len(labels)
        self.index, self.epochs = 0, 0

    def next_batch(self, batch_size):
        start = self.index
        if self.epochs == 0 and start == 0:
            perm = self.rng.permutation(self.num_examples)
            self.images, self.labels = self.images[perm], self.labels[perm]
        if start + batch_size > self.num_examples:
            self.epochs += 1
            rest = self.num_examples - start
            images_rest, labels_rest = self.images[start:], self.labels[start:]
            perm = self.rng.permutation(self.num_examples)
            self.images, self.labels = self.images[perm], self.labels[perm]
            self.index = batch_size - rest
            return (np.concatenate([images_rest, self.images[:self.index]]),
                    np.concatenate([labels_rest, self.labels[:self.index]]))
        self.index += batch_size
        return self.images[start:self.index], self.labels[start:self.index]


train_images = read_idx('train-images-idx3-ubyte.gz', 2051).astype(np.float32) / 255
train_labels = read_idx('train-labels-idx1-ubyte.gz', 2049).reshape(-1).astype(np.int32)
test_images = read_idx('t10k-images-idx3-ubyte.gz', 2051).astype(np.float32) / 255
test_labels = read_idx('t10k-labels-idx1-ubyte.gz', 2049).reshape(-1).astype(np.int32)
train = DataSet(train_images[5000:], train_labels[5000:], np.random.RandomState(args.seed))

# In[3]
n_steps = 28
n_inputs = 28
n_neurons = 128
n_outputs = 10
learning_rate = 0.001
X_test = test_images.reshape((-1, n_steps, n_inputs))
y_test = test_labels

# In[4]
tf.compat.v1.disable_eager_execution()
tf.compat.v1.reset_default_graph()
tf.compat.v1.set_random_seed(args.seed)
X = tf.compat.v1.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.compat.v1.placeholder(tf.int32, [None])

basic_cell = BasicRNNCell(num_units=n_neurons)
outputs, states = dynamic_rnn(basic_cell, X, dtype=tf.float32)

logits = fully_connected(states, n_outputs, activation=None)
xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
loss = tf.reduce_mean(xentropy)

optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)

correct = tf.compat.v1.nn.in_top_k(logits, y, 1)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
init = tf.compat.v1.global_variables_initializer()

# In[5]
n_epochs = args.epochs
batch_size = 50
config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=args.threads,
                                  inter_op_parallelism_threads=args.threads)
seconds = []
with tf.compat.v1.Session(config=config) as sess:
    init.run()
    for epoch in range(n_epochs):
        start = time.perf_counter()
        for iteration in range(train.num_examples // batch_size):
            X_batch, y_batch = train.next_batch(batch_size)
            X_batch = X_batch.reshape((-1, n_steps, n_inputs))
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        acc_train = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
        acc_test = accuracy.eval(feed_dict={X: X_test[:1000], y: y_test[:1000]})
        seconds.append(time.perf_counter() - start)
        print(epoch, "Train accuracy:", acc_train, "Test accuracy:", acc_test, flush=True)
    acc_full = accuracy.eval(feed_dict={X: X_test, y: y_test})

print('RESULT ' + json.dumps({
    'secondsPerEpoch': seconds,
    'testAccuracy': float(acc_full),
    'testSize': int(len(y_test)),
    'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    'settings': f'TensorFlow {tf.__version__}, graph mode, {args.threads} intra-op and inter-op thread(s)',
}), flush=True)
