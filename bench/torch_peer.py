"""PyTorch peer for `npm run bench`: the same models, batch size and optimiser on the same
examples, trained on the CPU; prints one JSON object of examples/second per model.
Run by bench/trainingBench.ts with Debian's /usr/bin/python3 (python3-torch); never a runtime dependency."""
import json
import sys
import time

import torch
from torch import nn

# threads 0 (or none) keeps PyTorch's own default
threads = int(sys.argv[1]) if len(sys.argv) > 1 and int(sys.argv[1]) > 0 else torch.get_num_threads()
budget = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
torch.set_num_threads(threads)
torch.manual_seed(0)
n, batch = 10_000, 128
x = torch.randn(n, 1, 28, 28)
y = torch.randint(0, 10, (n,))

models = {
    "mlp": lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)),
    "cnn": lambda: nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10)),
}

result = {"threads": threads, "torch": torch.__version__}
for name, make in models.items():
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step(i):
        s = (i * batch) % (n - batch)
        opt.zero_grad()
        loss = loss_fn(model(x[s:s + batch]), y[s:s + batch])
        loss.backward()
        opt.step()

    for i in range(3):
        step(i)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget or done < 5:
        step(done)
        done += 1
    train = done * batch / (time.perf_counter() - start)
    with torch.no_grad():
        start = time.perf_counter()
        for s in range(0, n, 512):
            model(x[s:s + 512])
        infer = n / (time.perf_counter() - start)
    result[name] = {"train": train, "infer": infer}
print(json.dumps(result))
