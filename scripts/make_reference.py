"""Makes test/fixtures/basic-rnn-reference.json: the seed's In[4] graph in
TensorFlow's own TF-1 code (BasicRNNCell, dynamic_rnn, dense without
activation, sparse softmax cross-entropy, AdamOptimizer, in_top_k), run on
fixed small weights and inputs. test/model-reference.test.ts compares lib/model.ts
with these numbers.

Then test/fixtures/row-gradients-reference.json: tf.gradients of each example's
cross-entropy with respect to every state h_t and every input row x_t, for
test/row-gradients.test.ts (lib/row-gradients.ts).

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
from tensorflow.python.ops.rnn import dynamic_rnn, static_rnn
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


# ---------------------------------------------------------------------------
# Row gradients: d(each example's own cross-entropy) / d h_t and / d x_t, t = 0 … nSteps - 1.
# dynamic_rnn keeps its states inside a while loop, where tf.gradients cannot reach
# them, so the states come from static_rnn over the same cell (the same weights),
# whose per-step outputs are the states themselves; the two must agree.

RG_BATCH, RG_STEPS, RG_INPUTS, RG_NEURONS, RG_OUTPUTS = 4, 7, 5, 6, 3
rg_rng = np.random.RandomState(20241115)
rg = dict(
    x=rg_rng.uniform(0, 1, (RG_BATCH, RG_STEPS, RG_INPUTS)).astype(np.float32),
    y=np.array([2, 0, 1, 2], dtype=np.int32),
    kernel=rg_rng.uniform(-0.6, 0.6, (RG_INPUTS + RG_NEURONS, RG_NEURONS)).astype(np.float32),
    bias=rg_rng.uniform(-0.1, 0.1, (RG_NEURONS,)).astype(np.float32),
    weights=rg_rng.uniform(-0.8, 0.8, (RG_NEURONS, RG_OUTPUTS)).astype(np.float32),
    biases=rg_rng.uniform(-0.1, 0.1, (RG_OUTPUTS,)).astype(np.float32),
)
with tf.Graph().as_default():
    X = tf.compat.v1.placeholder(tf.float32, [None, RG_STEPS, RG_INPUTS])
    y = tf.compat.v1.placeholder(tf.int32, [None])
    basic_cell = BasicRNNCell(num_units=RG_NEURONS)
    _, states = dynamic_rnn(basic_cell, X, dtype=tf.float32)
    logits = dense(states, RG_OUTPUTS, activation=None)
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    step_states, final_state = static_rnn(basic_cell, tf.unstack(X, axis=1), dtype=tf.float32)
    static_logits = dense(final_state, RG_OUTPUTS, activation=None, reuse=True, name='dense')
    static_xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=static_logits)
    variables = tf.compat.v1.trainable_variables()
    assert len(variables) == 4, variables
    # Examples do not interact, so the gradient of the summed cross-entropy is,
    # example by example, the gradient of that example's own loss.
    d_inputs = tf.gradients(tf.reduce_sum(xentropy), X)[0]
    d_states = tf.stack(tf.gradients(tf.reduce_sum(static_xentropy), step_states), axis=1)
    with tf.compat.v1.Session() as sess:
        for var, name in zip(variables, ['kernel', 'bias', 'weights', 'biases']):
            var.load(rg[name], sess)
        rg_out = sess.run(dict(xentropy=xentropy, static_xentropy=static_xentropy, dInputs=d_inputs,
                               dStates=d_states), feed_dict={X: rg['x'], y: rg['y']})
assert np.allclose(rg_out['xentropy'], rg_out['static_xentropy'], atol=1e-6), rg_out
norms = lambda d: np.linalg.norm(d.astype(np.float64), axis=2).mean(axis=0)
row_fixture = {
    'about': 'Made by scripts/make_reference.py with TensorFlow ' + tf.__version__
             + ' (BasicRNNCell, dynamic_rnn for the loss and dInputs, static_rnn over the same cell for '
             'dStates, dense, sparse_softmax_cross_entropy_with_logits, tf.gradients of the summed '
             'cross-entropy). dStates [batch, nSteps, nNeurons] = d loss_i / d h_t; dInputs '
             '[batch, nSteps, nInputs] = d loss_i / d x_t; the norms are their L2 norms, averaged over the batch.',
    'config': dict(batch=RG_BATCH, nSteps=RG_STEPS, nInputs=RG_INPUTS, nNeurons=RG_NEURONS,
                   nOutputs=RG_OUTPUTS),
    **{k: plain(v) for k, v in rg.items()},
    'xentropy': plain(rg_out['xentropy']),
    'dStates': plain(rg_out['dStates']), 'dInputs': plain(rg_out['dInputs']),
    'stateNorms': plain(norms(rg_out['dStates'])), 'inputNorms': plain(norms(rg_out['dInputs'])),
}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'row-gradients-reference.json')
with open(path, 'w') as f:
    json.dump(row_fixture, f)
    f.write('\n')
print('wrote', os.path.normpath(path))
