"""The plain-PyTorch example runs with the package and what it logs ingests (torchvision replaced
by 100 + 100 random images, the size of the plain test dataset)."""
import os
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR, disobey_json, needs_cli

pytestmark = needs_cli

FAKE_TORCHVISION = '''
import sys, types, runpy, torch
class FashionMNIST(torch.utils.data.TensorDataset):
    def __init__(self, root, train, download, transform):
        g = torch.Generator().manual_seed(1 if train else 2)
        super().__init__(torch.rand(100, 1, 28, 28, generator=g), torch.randint(0, 10, (100,), generator=g))
tv = types.ModuleType("torchvision")
tv.datasets = types.SimpleNamespace(FashionMNIST=FashionMNIST)
tv.transforms = types.SimpleNamespace(ToTensor=lambda: None)
sys.modules["torchvision"] = tv
runpy.run_path(sys.argv[1], run_name="__main__")
'''


def test_the_pytorch_example_logs_runs_that_ingest(tmp_path, plain_db):
    pytest.importorskip("torch", reason="torch is not installed (the example needs it)")
    done = subprocess.run([sys.executable, "-c", FAKE_TORCHVISION, os.path.join(PYTHON_DIR, "examples", "pytorch_loop.py")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONPATH=PYTHON_DIR))
    assert done.returncode == 0, done.stderr
    result = disobey_json("ingest", tmp_path / "runs", "--db", plain_db, "--dataset", 1, "--experiment-name", "example")
    assert [(r["name"], r["role"], r["epochs"], r["splits"]) for r in result["runs"]] == [("KD tau=4", "student", 5, ["train", "test"]), ("teacher", "teacher", 5, ["train", "test"])]


def test_the_notebook_runs_top_to_bottom_on_a_trained_database(trained_db, monkeypatch, capsys):
    import json
    monkeypatch.setenv("DISOBEY_DB", trained_db)
    monkeypatch.setitem(sys.modules, "IPython", None)  # outside Jupyter show prints the URL
    with open(os.path.join(PYTHON_DIR, "examples", "explore.ipynb"), encoding="utf-8") as f:
        notebook = json.load(f)
    assert notebook["nbformat"] == 4
    namespace = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), "explore.ipynb", "exec"), namespace)
    assert namespace["EXPERIMENT"] == 2 and len(namespace["findings"]) == 8
    assert "Disobey explorer: http://127.0.0.1:" in capsys.readouterr().out
    import disobey
    assert disobey.notebook.running() == {}
