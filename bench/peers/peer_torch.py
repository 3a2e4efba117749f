"""The seed's model as a PyTorch user writes it: nn.RNN (tanh) and nn.Linear on
its last state, cross-entropy, torch.optim.Adam; timed as the peer of
bench/bench.ts. Initialised as TF-1 does (glorot-uniform kernels, zero
biases); nn.RNN's two bias vectors stay zero, so they act as TF's one. With
--cell lstm or gru, nn.LSTM or nn.GRU, initialised alike, with TF-1's forget bias
of 1 (LSTM) and gates bias of 1 (GRU) in their input biases.

Usage: python bench/peers/peer_torch.py [--epochs 1] [--data DIR] [--seed 1] [--threads N] [--compile] [--cell basic|lstm|gru]
Prints the seed's per-epoch lines, then one JSON line (prefixed "RESULT ") for bench.ts.
"""

import peer_data as mnist

args = mnist.parse_args(__doc__.splitlines()[0], default_threads=1,
                        switches=[('--compile', 'wrap the training step in torch.compile')])

import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


GATES = {'basic': 1, 'lstm': 4, 'gru': 3}


class Model(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.cell = cell
        layer = {'basic': lambda *a, **k: nn.RNN(*a, nonlinearity='tanh', **k), 'lstm': nn.LSTM, 'gru': nn.GRU}[cell]
        self.rnn = layer(mnist.N_INPUTS, mnist.N_NEURONS, batch_first=True)
        self.logits = nn.Linear(mnist.N_NEURONS, mnist.N_OUTPUTS)
        # TF's kernel is one [n_inputs + n_neurons, gates * n_neurons] matrix, so both parts share its limit.
        limit = mnist.glorot_limit(mnist.N_INPUTS + mnist.N_NEURONS, GATES[cell] * mnist.N_NEURONS)
        for weight in (self.rnn.weight_ih_l0, self.rnn.weight_hh_l0):
            nn.init.uniform_(weight, -limit, limit)
        nn.init.zeros_(self.rnn.bias_ih_l0)
        nn.init.zeros_(self.rnn.bias_hh_l0)
        n = mnist.N_NEURONS
        with torch.no_grad():
            if cell == 'lstm':  # gates i, f, g, o: TF-1's forget_bias=1.0
                self.rnn.bias_ih_l0[n:2 * n] = 1.0
            if cell == 'gru':  # gates r, z, n: TF-1's gates bias of ones
                self.rnn.bias_ih_l0[:2 * n] = 1.0
        nn.init.xavier_uniform_(self.logits.weight)
        nn.init.zeros_(self.logits.bias)

    def forward(self, x):
        _, state = self.rnn(x)
        h = state[0] if self.cell == 'lstm' else state  # an LSTM's state is (h, c)
        return self.logits(h[0])


train, X_test, y_test = mnist.read_data_sets(args)
model = Model(args.cell)
optimizer = torch.optim.Adam(model.parameters(), lr=mnist.LEARNING_RATE)
loss_fn = nn.CrossEntropyLoss()


def train_step(x, y):
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()


if args.compile:
    train_step = torch.compile(train_step)


def accuracy(x, y):
    with torch.no_grad():
        return (model(torch.from_numpy(x)).argmax(1) == torch.from_numpy(y).long()).float().mean().item()


timer = mnist.EpochTimer()
for epoch in range(args.epochs):
    timer.start()
    for iteration in range(train.num_examples // mnist.BATCH_SIZE):
        X_batch, y_batch = train.next_batch(mnist.BATCH_SIZE)
        train_step(torch.from_numpy(X_batch), torch.from_numpy(y_batch).long())
    acc_train = accuracy(X_batch, y_batch)
    acc_test = accuracy(X_test[:1000], y_test[:1000])
    timer.stop()
    mnist.print_epoch(epoch, acc_train, acc_test)

mnist.print_result(timer, accuracy(X_test, y_test), len(y_test),
                   f'PyTorch {torch.__version__}, nn.{type(model.rnn).__name__} + nn.Linear, torch.optim.Adam, '
                   f'{args.threads} thread(s){", torch.compile" if args.compile else ""}')
