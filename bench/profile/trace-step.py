"""Where a training step's time goes, by TensorFlow's own tracer (RunOptions FULL_TRACE).

Runs the traced training step that `bench/profile/profile-step.ts --save DIR` wrote, in TensorFlow's Python
session (the tf1 peer's virtualenv: the same TensorFlow 2.21 whose libtensorflow tfjs-node runs),
with the threads `npm run bench` gives ours, and prints each kind of node's share of one step:

    node --import tsx bench/profile/profile-step.ts --save /tmp/step
    TF_ENABLE_ONEDNN_OPTS=1 .cache/venv-tf/bin/python bench/profile/trace-step.py /tmp/step [--runs 50]

The numbers are from the fastest of the traced runs (the least disturbed on a shared machine): its
span from first to last node, the time all nodes took together, and that time per kind of node.
"""
import argparse
import collections
import os

import numpy as np

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
parser.add_argument('dir', help='the folder holding saved_model.pb')
parser.add_argument('--runs', type=int, default=50)
parser.add_argument('--threads', type=int, default=os.cpu_count())
args = parser.parse_args()
if not os.path.exists(os.path.join(args.dir, 'saved_model.pb')):
    parser.error(f'expected {args.dir}/saved_model.pb (from bench/profile/profile-step.ts --save {args.dir})')

tf1.disable_eager_execution()
config = tf1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=args.threads)
sess = tf1.Session(config=config)
tf1.saved_model.loader.load(sess, ['serve'], args.dir)
graph = sess.graph
placeholders = {op.name: op for op in graph.get_operations() if op.type == 'Placeholder'}
fetches = [f'{op.name}:0' for op in graph.get_operations() if op.name.startswith(('output', 'new'))]
rng = np.random.default_rng(0)
# The tracer's names (tracer/trace.ts, TraceInfo.savedModel): input0 the images, input1 the labels,
# variable0… the variables the step reads (weights, Adam's slots, beta powers), fed at every run.
feeds = {f'{name}:0': rng.uniform(0.5, 0.9, op.outputs[0].shape.as_list()).astype('f4')
         for name, op in placeholders.items() if name.startswith('variable')}
feeds['input0:0'] = rng.uniform(0, 1, (50, 28, 28)).astype('f4')
feeds['input1:0'] = (np.arange(50) % 10).astype('i4')
for _ in range(100):
    sess.run(fetches, feeds)

best = None
for _ in range(args.runs):
    metadata = tf1.RunMetadata()
    sess.run(fetches, feeds, options=tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE),
             run_metadata=metadata)
    nodes = [n for dev in metadata.step_stats.dev_stats for n in dev.node_stats]
    span = max(n.all_start_micros + n.all_end_rel_micros for n in nodes) - min(n.all_start_micros for n in nodes)
    if best is None or span < best[0]:
        best = (span, nodes)
span, nodes = best


def kind(name):
    """A node's op, with the recurrent matMuls [batch, 128] @ [128, 128] and the big ones told apart."""
    try:
        op = graph.get_operation_by_name(name)
    except KeyError:  # a node that Grappler made, such as a folded transpose
        return 'MatMul (recurrent)' if 'MatMul' in name else name.split('/')[0]
    if op.type == 'BiasAdd' and op.inputs[0].op.type == 'MatMul':
        # Grappler's remapper runs the two as one node, which the trace names after the BiasAdd.
        return kind(op.inputs[0].op.name) + ' + BiasAdd, fused'
    if op.type != 'MatMul':
        return op.type
    a, b = (t.shape.as_list() for t in op.inputs)
    if b == [128, 128]:
        return 'MatMul (recurrent)'
    return f'MatMul {a} x {b}' + (' (transposed a)' if op.get_attr('transpose_a') else '')


by_kind = collections.defaultdict(lambda: [0, 0])
for n in nodes:
    entry = by_kind[kind(n.node_name)]
    entry[0] += 1
    entry[1] += n.all_end_rel_micros
busy = sum(n.all_end_rel_micros for n in nodes)
print(f'trace_step: {len(nodes)} nodes, fastest of {args.runs} traced runs: '
      f'span {span} us, nodes busy {busy} us in all, {args.threads} inter-op thread(s) '
      f'(TF_ENABLE_ONEDNN_OPTS={os.environ.get("TF_ENABLE_ONEDNN_OPTS")})')
print(f'{"node":48s} {"count":>5s} {"us":>6s} {"share":>6s}')
for name, (count, micros) in sorted(by_kind.items(), key=lambda kv: -kv[1][1]):
    if micros >= 0.005 * busy:
        print(f'{name:48s} {count:5d} {micros:6d} {micros / busy:6.1%}')
rest = [(c, m) for c, m in by_kind.values() if m < 0.005 * busy]
print(f'{"the rest":48s} {sum(c for c, _ in rest):5d} {sum(m for _, m in rest):6d} {sum(m for _, m in rest) / busy:6.1%}')
