"""A plain PyTorch distillation loop that records every example's probabilities per epoch for
`disobey ingest` (docs/ingest.md). Not run by the tests; needs torch, torchvision and numpy.

Examples are keyed by their index within the split, which is how `disobey import` numbers the
Fashion-MNIST IDX files (examples.idx), so: disobey import FASHION_DIR; python3 this.py;
disobey ingest runs --dataset ID.
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

sys.path.insert(0, __import__("os").path.dirname(__file__))
from disobey_writer import RunWriter  # noqa: E402

EPOCHS = 5
TAU = 4.0
transform = transforms.ToTensor()
train = datasets.FashionMNIST("data", train=True, download=True, transform=transform)
test = datasets.FashionMNIST("data", train=False, download=True, transform=transform)
train_loader = DataLoader(train, batch_size=128, shuffle=True)


def mlp(hidden):
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))


@torch.no_grad()
def probabilities(model, dataset):
    """[n, 10] softmax outputs in dataset order (row i = index i of the split)."""
    model.eval()
    out = [F.softmax(model(x), dim=1) for x, _ in DataLoader(dataset, batch_size=1024)]
    model.train()
    return torch.cat(out).numpy()


def record(writer, model, epoch):
    for split, dataset in (("train", train), ("test", test)):
        writer.write_epoch(epoch, probabilities(model, dataset), keys=np.arange(len(dataset)), split=split)


teacher = mlp(256)
opt = torch.optim.Adam(teacher.parameters(), lr=1e-3)
teacher_writer = RunWriter("runs/teacher", name="teacher", role="teacher", epochs=EPOCHS, key="index",
                           settings={"arch": "mlp", "hidden": 256, "optimizer": "adam", "lr": 1e-3})
for epoch in range(1, EPOCHS + 1):
    for x, y in train_loader:
        opt.zero_grad()
        F.cross_entropy(teacher(x), y).backward()
        opt.step()
    record(teacher_writer, teacher, epoch)

teacher.eval()
student = mlp(32)
opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
student_writer = RunWriter("runs/student-kd", name="KD tau=4", role="student", teacher="teacher", epochs=EPOCHS,
                           key="index", settings={"arch": "mlp", "hidden": 32, "loss": "kd", "tau": TAU})
for epoch in range(1, EPOCHS + 1):
    for x, _ in train_loader:
        with torch.no_grad():
            target = F.softmax(teacher(x) / TAU, dim=1)
        opt.zero_grad()
        loss = F.kl_div(F.log_softmax(student(x) / TAU, dim=1), target, reduction="batchmean") * TAU * TAU
        loss.backward()
        opt.step()
    record(student_writer, student, epoch)
