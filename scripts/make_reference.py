"""Makes test/fixtures/basic-rnn-reference.json: the seed's In[4] graph in
TensorFlow's own TF-1 code (BasicRNNCell, dynamic_rnn, dense without
activation, sparse softmax cross-entropy, AdamOptimizer, in_top_k), run on
fixed small weights and inputs. test/model-reference.test.ts compares lib/model.ts
with these numbers.

Run: .cache/venv-tf/bin/python scripts/make_reference.py
(npm run bench creates that virtualenv; or:
 python3 -m venv .cache/venv-tf && PIP_RETRIES=0 .cache/venv-tf/bin/pip install tensorflow-cpu==2.21.0)

With TF 2.21 and Keras 3, tf.compat.v1.nn.rnn_cell.BasicRNNCell and
tf.compat.v1.layers.dense refuse to run; TensorFlow's own TF-1 classes are
still importable from the modules below.
"""
import json
import os

import numpy as np
import tensorflow as tf
from tensorflow.python.ops.rnn_cell_impl import BasicRNNCell
from tensorflow.python.ops.rnn import dynamic_rnn
from tensorflow.python.keras.legacy_tf_layers.core import dense

BATCH, N_STEPS, N_INPUTS, N_NEURONS, N_OUTPUTS = 3, 4, 5, 6, 3
# Large enough that an Adam step moves the weights well past the 1e-5 tolerance.
LEARNING_RATE = 0.1
ADAM_STEPS = 2

tf.compat.v1.disable_eager_execution()
rng = np.random.RandomState(20240601)
x_value = rng.uniform(-1, 1, (BATCH, N_STEPS, N_INPUTS)).astype(np.float32)
y_value = np.array([2, 0, 1], dtype=np.int32)
kernel_value = rng.uniform(-0.5, 0.5, (N_INPUTS + N_NEURONS, N_NEURONS)).astype(np.float32)
bias_value = rng.uniform(-0.1, 0.1, (N_NEURONS,)).astype(np.float32)
weights_value = rng.uniform(-0.5, 0.5, (N_NEURONS, N_OUTPUTS)).astype(np.float32)
biases_value = rng.uniform(-0.1, 0.1, (N_OUTPUTS,)).astype(np.float32)

X = tf.compat.v1.placeholder(tf.float32, [None, N_STEPS, N_INPUTS])
y = tf.compat.v1.placeholder(tf.int32, [None])
basic_cell = BasicRNNCell(num_units=N_NEURONS)
outputs, states = dynamic_rnn(basic_cell, X, dtype=tf.float32)
logits = dense(states, N_OUTPUTS, activation=None)
xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
loss = tf.reduce_mean(xentropy)
optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=LEARNING_RATE)
variables = tf.compat.v1.trainable_variables()
assert [v.shape.as_list() for v in variables] == [
    [N_INPUTS + N_NEURONS, N_NEURONS], [N_NEURONS], [N_NEURONS, N_OUTPUTS], [N_OUTPUTS]], variables
gradients = tf.gradients(loss, variables)
training_op = optimizer.apply_gradients(list(zip(gradients, variables)))
correct1 = tf.compat.v1.nn.in_top_k(logits, y, 1)
correct2 = tf.compat.v1.nn.in_top_k(logits, y, 2)
accuracy = tf.reduce_mean(tf.cast(correct1, tf.float32))

feed = {X: x_value, y: y_value}
with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    for var, value in zip(variables, [kernel_value, bias_value, weights_value, biases_value]):
        var.load(value, sess)
    out = sess.run(
        dict(outputs=outputs, states=states, logits=logits, xentropy=xentropy, loss=loss,
             gradients=gradients, inTopK1=correct1, inTopK2=correct2, accuracy=accuracy),
        feed_dict=feed)
    after_adam = []
    for _ in range(ADAM_STEPS):
        sess.run(training_op, feed_dict=feed)
        after_adam.append(sess.run(variables))


def plain(value):
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if hasattr(value, 'item') else value


fixture = {
    'about': 'Made by scripts/make_reference.py with TensorFlow ' + tf.__version__
             + ' (BasicRNNCell, dynamic_rnn, dense, sparse_softmax_cross_entropy_with_logits, '
             'tf.gradients, AdamOptimizer, in_top_k). Variables in order: kernel, bias, weights, biases.',
    'config': dict(batch=BATCH, nSteps=N_STEPS, nInputs=N_INPUTS, nNeurons=N_NEURONS,
                   nOutputs=N_OUTPUTS, learningRate=LEARNING_RATE),
    'x': plain(x_value), 'y': plain(y_value),
    'kernel': plain(kernel_value), 'bias': plain(bias_value),
    'weights': plain(weights_value), 'biases': plain(biases_value),
    'outputs': plain(out['outputs']), 'states': plain(out['states']),
    'logits': plain(out['logits']), 'xentropy': plain(out['xentropy']), 'loss': plain(out['loss']),
    'gradients': plain(out['gradients']),
    'inTopK1': plain(out['inTopK1']), 'inTopK2': plain(out['inTopK2']), 'accuracy': plain(out['accuracy']),
    'afterAdam': plain(after_adam),
}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'basic-rnn-reference.json')
with open(path, 'w') as f:
    json.dump(fixture, f)
    f.write('\n')
print('wrote', os.path.normpath(path))
