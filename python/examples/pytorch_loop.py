"""A plain PyTorch distillation loop that logs every example's probabilities per epoch for
`disobey ingest` (docs/ingest.md). Not run by the tests; needs torch, torchvision and the disobey
package (pip install --no-build-isolation ./python).

Examples are keyed by their index within the split, which is how `disobey import` numbers the
Fashion-MNIST IDX files (examples.idx), so:

    disobey import FASHION_DIR            # the dataset, as this script sees it
    python3 python/examples/pytorch_loop.py
    disobey ingest runs --dataset ID
"""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

import disobey
from disobey.pytorch import log_splits

EPOCHS = 5
TAU = 4.0
transform = transforms.ToTensor()
train = datasets.FashionMNIST("data", train=True, download=True, transform=transform)
test = datasets.FashionMNIST("data", train=False, download=True, transform=transform)
train_loader = DataLoader(train, batch_size=128, shuffle=True)
# In split order (no shuffling): row i of the outputs is example i of the split.
splits = {"train": DataLoader(train, batch_size=1024), "test": DataLoader(test, batch_size=1024)}


def mlp(hidden):
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))


teacher = mlp(256)
opt = torch.optim.Adam(teacher.parameters(), lr=1e-3)
with disobey.RunLogger("runs/teacher", name="teacher", role="teacher", epochs=EPOCHS, key="index",
                       settings={"arch": "mlp", "hidden": 256, "optimizer": "adam", "lr": 1e-3}) as log:
    for epoch in range(1, EPOCHS + 1):
        for x, y in train_loader:
            opt.zero_grad()
            F.cross_entropy(teacher(x), y).backward()
            opt.step()
        log_splits(log, epoch, teacher, splits)  # checked now: a bad epoch fails here, not at ingest

teacher.eval()
student = mlp(32)
opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
with disobey.RunLogger("runs/student-kd", name="KD tau=4", role="student", teacher="teacher", epochs=EPOCHS,
                       key="index", settings={"arch": "mlp", "hidden": 32, "loss": "kd", "tau": TAU}) as log:
    for epoch in range(1, EPOCHS + 1):
        for x, _ in train_loader:
            with torch.no_grad():
                target = F.softmax(teacher(x) / TAU, dim=1)
            opt.zero_grad()
            loss = F.kl_div(F.log_softmax(student(x) / TAU, dim=1), target, reduction="batchmean") * TAU * TAU
            loss.backward()
            opt.step()
        log_splits(log, epoch, student, splits)
