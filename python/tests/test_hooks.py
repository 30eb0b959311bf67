"""The training-loop hooks: Lightning's and Hugging Face's callbacks log each split after every
epoch through RunLogger; each library is imported only when its callback is used."""
import importlib
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import disobey
from disobey.pytorch import log_splits, predict

C = 3


class LinearModel:
    """A numpy stand-in for a torch module: eval/train modes and a forward pass on an array batch."""

    def __init__(self, seed):
        self.w = np.random.default_rng(seed).normal(size=(2, C))
        self.training = True
        self.modes = []

    def eval(self):
        self.training = False
        self.modes.append("eval")

    def train(self, mode=True):
        self.training = mode
        self.modes.append("train" if mode else "eval")

    def __call__(self, x):
        assert not self.training
        return np.asarray(x) @ self.w


def batches(x, size=4):
    return [(x[i:i + size], np.zeros(len(x[i:i + size]))) for i in range(0, len(x), size)]


X = {"train": np.random.default_rng(1).normal(size=(10, 2)), "test": np.random.default_rng(2).normal(size=(5, 2))}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_importing_disobey_imports_no_training_library():
    code = "import sys, disobey, disobey.lightning, disobey.huggingface; print(sorted(m for m in ('torch', 'lightning', 'pytorch_lightning', 'transformers', 'pandas', 'pyarrow', 'IPython') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": os.path.dirname(os.path.dirname(disobey.__file__))})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_predict_runs_the_model_in_eval_mode_over_every_batch_and_restores_its_mode():
    model = LinearModel(0)
    probs = predict(model, batches(X["train"]))
    np.testing.assert_allclose(probs, softmax(X["train"] @ model.w), rtol=1e-12)
    np.testing.assert_allclose(predict(model, batches(X["train"]), values="logits"), X["train"] @ model.w)
    assert model.training and model.modes[:2] == ["eval", "train"]


def test_log_splits_refuses_a_shuffling_loader_without_keys(tmp_path):
    class Loader(list):
        sampler = type("RandomSampler", (), {})()
    log = disobey.RunLogger(tmp_path / "r", name="r", role="teacher", epochs=1)
    with pytest.raises(ValueError, match=r"the loader of split train draws its examples with RandomSampler: pass \(loader, keys\)"):
        log_splits(log, 1, LinearModel(0), {"train": Loader(batches(X["train"]))})


@pytest.fixture
def fake_lightning(monkeypatch):
    """lightning.pytorch with a Callback base, as far as DisobeyCallback needs it."""
    base = type("Callback", (), {})
    lightning = types.ModuleType("lightning")
    pytorch = types.ModuleType("lightning.pytorch")
    pytorch.Callback = base
    lightning.pytorch = pytorch
    monkeypatch.setitem(sys.modules, "lightning", lightning)
    monkeypatch.setitem(sys.modules, "lightning.pytorch", pytorch)
    import disobey.lightning as module
    module._built.clear()
    yield base
    module._built.clear()


def test_the_lightning_callback_logs_each_split_every_epoch_and_cuts_run_json_when_training_stops_early(tmp_path, fake_lightning):
    from disobey.lightning import DisobeyCallback
    assert issubclass(DisobeyCallback, fake_lightning)
    log = disobey.RunLogger(tmp_path / "student", name="student", role="student", teacher="teacher", epochs=5)
    callback = DisobeyCallback(log, {"train": batches(X["train"]), "test": (batches(X["test"]), ["test:%d" % i for i in range(5)])})
    model = LinearModel(3)
    trainer = types.SimpleNamespace(current_epoch=0, is_global_zero=True, sanity_checking=False)
    for epoch in (0, 1):
        trainer.current_epoch = epoch
        callback.on_train_epoch_end(trainer, model)
        model.w = model.w * 2
    callback.on_fit_end(trainer, model)
    assert json.loads((tmp_path / "student" / "run.json").read_text())["epochs"] == 2
    np.testing.assert_allclose(np.load(tmp_path / "student" / "epoch-2.train.npy"), softmax(X["train"] @ (model.w / 2)), atol=1e-7)
    assert (tmp_path / "student" / "epoch-1.test.index.csv").read_text().splitlines()[1:3] == ["test:0", "test:1"]
    other_rank = DisobeyCallback(disobey.RunLogger(tmp_path / "rank1", name="r", role="teacher", epochs=1), {"train": batches(X["train"])})
    other_rank.on_train_epoch_end(types.SimpleNamespace(current_epoch=0, is_global_zero=False), model)
    assert sorted(p.name for p in (tmp_path / "rank1").iterdir()) == ["run.json"]


def test_the_hugging_face_callback_logs_each_split_at_every_epoch_end(tmp_path, monkeypatch):
    transformers = types.ModuleType("transformers")
    transformers.TrainerCallback = type("TrainerCallback", (), {})
    monkeypatch.setitem(sys.modules, "transformers", transformers)
    import disobey.huggingface as module
    module._built.clear()
    from disobey.huggingface import DisobeyTrainerCallback
    assert issubclass(DisobeyTrainerCallback, transformers.TrainerCallback)

    class HFModel(LinearModel):
        def __call__(self, input_ids, attention_mask=None):
            return types.SimpleNamespace(logits=super().__call__(input_ids))

    loader = [{"input_ids": X["train"][i:i + 3], "labels": np.zeros(3)} for i in range(0, 10, 3)]
    log = disobey.RunLogger(tmp_path / "hf", name="hf", role="teacher", epochs=2, values="logits", fmt="jsonl")
    callback = DisobeyTrainerCallback(log, {"train": loader})
    model = HFModel(4)
    control = object()
    for epoch in (1.0, 2.0):
        state = types.SimpleNamespace(epoch=epoch, is_world_process_zero=True)
        assert callback.on_epoch_end(None, state, control, model=model) is control
    callback.on_train_end(None, state, control)
    rows = [json.loads(line) for line in (tmp_path / "hf" / "epoch-2.train.jsonl").read_text().splitlines()]
    assert [r["example"] for r in rows] == list(range(10))
    np.testing.assert_allclose([r["logits"] for r in rows], X["train"] @ model.w, rtol=1e-6)
    module._built.clear()


def test_a_callback_without_its_library_says_what_to_install(monkeypatch):
    for name in ("lightning", "lightning.pytorch", "pytorch_lightning", "transformers"):
        monkeypatch.setitem(sys.modules, name, None)
    import disobey.huggingface
    import disobey.lightning
    disobey.lightning._built.clear()
    disobey.huggingface._built.clear()
    with pytest.raises(ImportError, match=r"needs PyTorch Lightning: pip install lightning"):
        disobey.lightning.DisobeyCallback
    with pytest.raises(ImportError, match=r"needs transformers: pip install transformers"):
        disobey.huggingface.DisobeyTrainerCallback


@pytest.mark.parametrize("library, module, name", [("lightning", "disobey.lightning", "DisobeyCallback"), ("transformers", "disobey.huggingface", "DisobeyTrainerCallback")])
def test_the_real_library_accepts_the_callback(library, module, name):
    pytest.importorskip(library, reason="%s is not installed: its callback is tested with a stand-in above" % library)
    hook = importlib.import_module(module)
    hook._built.clear()
    cls = getattr(hook, name)
    base = importlib.import_module("lightning.pytorch").Callback if library == "lightning" else importlib.import_module("transformers").TrainerCallback
    assert issubclass(cls, base)


def test_plain_pytorch_model_is_predicted_on_its_device(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    model = torch.nn.Linear(2, C)
    data = torch.utils.data.TensorDataset(torch.tensor(X["train"], dtype=torch.float32), torch.zeros(10))
    loader = torch.utils.data.DataLoader(data, batch_size=4)
    with disobey.RunLogger(tmp_path / "t", name="t", role="teacher", epochs=1) as log:
        log_splits(log, 1, model, {"train": loader})
    with torch.no_grad():
        expected = torch.softmax(model(torch.tensor(X["train"], dtype=torch.float32)), 1).numpy()
    np.testing.assert_allclose(np.load(tmp_path / "t" / "epoch-1.train.npy"), expected, atol=1e-6)
    assert model.training
    shuffled = torch.utils.data.DataLoader(data, batch_size=4, shuffle=True)
    with pytest.raises(ValueError, match="RandomSampler"):
        log_splits(disobey.RunLogger(tmp_path / "u", name="u", role="teacher", epochs=1), 1, model, {"train": shuffled})
