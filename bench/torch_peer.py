"""PyTorch peer for `npm run bench`: the same models, batch size and optimiser on the same
examples, trained on the CPU; prints one JSON object of examples/second per model and the BLAS
kernel it ran. Run by bench/trainingBench.ts with Debian's /usr/bin/python3 (python3-torch), with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; never a runtime dependency."""
import ctypes
import json
import re
import sys
import time

import torch
from torch import nn

# threads 0 (or none) keeps PyTorch's own default
default_threads = torch.get_num_threads()
threads = int(sys.argv[1]) if len(sys.argv) > 1 and int(sys.argv[1]) > 0 else default_threads
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



def blas_kernel():
    """Which BLAS and kernel this process runs: threadpoolctl where installed, else OpenBLAS's own
    openblas_get_corename() from the library loaded here, else torch's build configuration."""
    try:
        import threadpoolctl
        infos = threadpoolctl.threadpool_info()
        return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} ({i.get('num_threads')} threads)" for i in infos)
    except ImportError:
        pass
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and ".so" in line})
    found = []
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)
            handle.openblas_get_corename.restype = ctypes.c_char_p
            handle.openblas_get_config.restype = ctypes.c_char_p
            found.append(f"OpenBLAS kernel {handle.openblas_get_corename().decode()} ({handle.openblas_get_config().decode().strip()}) from {lib}")
        except (OSError, AttributeError):
            found.append(f"{lib} (not OpenBLAS: no openblas_get_corename)")
    config = torch.__config__.show()
    build = [f"{key}={value}" for key, value in re.findall(r"\b(BLAS_INFO|LAPACK_INFO|USE_MKLDNN|PERF_WITH_AVX512)=(\w+)", config)]
    return "; ".join(found + build) or "unknown"


result = {"threads": threads, "default_threads": default_threads, "torch": torch.__version__}
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
result["blas"] = blas_kernel()
print(json.dumps(result))
