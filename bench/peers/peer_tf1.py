"""The seed's In[3]-In[5], in TensorFlow's own TF-1 code, timed: the peer that
bench/bench.ts compares this project's training with.

With TF 2.21 and Keras 3, tf.contrib is gone and tf.compat.v1.nn.rnn_cell.BasicRNNCell
and tf.compat.v1.layers.dense refuse to run; the same TF-1 classes are still
importable from tensorflow.python. `dense(..., activation=None)` is what
`fully_connected(..., activation_fn=None)` builds: glorot-uniform weights, zero biases.

Usage: python bench/peers/peer_tf1.py [--epochs 1] [--data DIR] [--seed 1] [--threads N] [--cell basic|lstm|gru]
Prints the seed's per-epoch lines, then one JSON line (prefixed "RESULT ") for bench.ts.
"""
import os

import peer_data as mnist

args = mnist.parse_args(__doc__.splitlines()[0], default_threads=os.cpu_count())

import tensorflow as tf  # noqa: E402  (after the options, so --help is quick)
from tensorflow.python.ops.rnn_cell_impl import BasicLSTMCell, BasicRNNCell, GRUCell  # noqa: E402
from tensorflow.python.ops.rnn import dynamic_rnn  # noqa: E402
from tensorflow.python.keras.legacy_tf_layers.core import dense as fully_connected  # noqa: E402

train, X_test, y_test = mnist.read_data_sets(args)

# In[3]
n_steps = 28
n_inputs = 28
n_neurons = 128
n_outputs = 10
learning_rate = 0.001

# In[4]
tf.compat.v1.disable_eager_execution()
tf.compat.v1.reset_default_graph()
tf.compat.v1.set_random_seed(args.seed)
X = tf.compat.v1.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.compat.v1.placeholder(tf.int32, [None])

basic_cell = {'basic': BasicRNNCell, 'lstm': BasicLSTMCell, 'gru': GRUCell}[args.cell](num_units=n_neurons)
outputs, states = dynamic_rnn(basic_cell, X, dtype=tf.float32)
if args.cell == 'lstm':
    states = states.h  # the final h, as Geron's LSTM example reads it (states[1])

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
timer = mnist.EpochTimer()
with tf.compat.v1.Session(config=config) as sess:
    init.run()
    for epoch in range(n_epochs):
        timer.start()
        for iteration in range(train.num_examples // batch_size):
            X_batch, y_batch = train.next_batch(batch_size)
            X_batch = X_batch.reshape((-1, n_steps, n_inputs))
            sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            acc_train = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
        acc_test = accuracy.eval(feed_dict={X: X_test[:1000], y: y_test[:1000]})
        timer.stop()
        print(epoch, "Train accuracy:", acc_train, "Test accuracy:", acc_test, flush=True)
        acc_full = accuracy.eval(feed_dict={X: X_test, y: y_test})

mnist.print_result(timer, acc_full, len(y_test),
                   f'TensorFlow {tf.__version__}, graph mode, {type(basic_cell).__name__}, '
                   f'{args.threads} intra-op and inter-op thread(s), '
                   f'TF_ENABLE_ONEDNN_OPTS={os.environ.get("TF_ENABLE_ONEDNN_OPTS")}')
