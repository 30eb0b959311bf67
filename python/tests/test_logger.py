"""RunLogger writes what `disobey ingest` reads and refuses, in the training job, what ingest would refuse."""
import json
import os
import re

import numpy as np
import pytest

import disobey
from disobey import RunLogger

C = 4


def probs(n, seed=0):
    z = np.random.default_rng(seed).normal(size=(n, C))
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def files(directory):
    return sorted(os.listdir(directory))


def test_writes_run_json_and_one_npy_with_its_index_per_epoch_and_split(tmp_path):
    log = RunLogger(tmp_path / "t", name="teacher", role="teacher", epochs=2, settings={"lr": 0.1})
    for epoch in (1, 2):
        log.log(epoch, probs(5, epoch), keys=range(5), split="train")
        log.log(epoch, probs(3, epoch + 9), keys=np.arange(3), split="test")
    log.close()
    assert files(tmp_path / "t") == ["epoch-1.test.index.csv", "epoch-1.test.npy", "epoch-1.train.index.csv", "epoch-1.train.npy",
                                     "epoch-2.test.index.csv", "epoch-2.test.npy", "epoch-2.train.index.csv", "epoch-2.train.npy", "run.json"]
    manifest = json.loads((tmp_path / "t" / "run.json").read_text())
    # close() adds the splits logged, which the ingest then holds the files to
    assert manifest == {"name": "teacher", "role": "teacher", "epochs": 2, "key": "index", "values": "probs", "settings": {"lr": 0.1}, "splits": ["test", "train"]}
    stored = np.load(tmp_path / "t" / "epoch-2.train.npy")
    assert stored.dtype == np.float32 and stored.shape == (5, C)
    np.testing.assert_array_equal(stored, probs(5, 2).astype(np.float32))
    assert (tmp_path / "t" / "epoch-1.test.index.csv").read_text() == "example\n0\n1\n2\n"


def test_jsonl_holds_one_object_per_row_with_the_key_and_values(tmp_path):
    log = RunLogger(tmp_path / "s", name="s", role="student", teacher="teacher", epochs=1, key="source_ref", values="logits", fmt="jsonl")
    log.log(1, [[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, -1.5]], keys=["train.csv:2", 'odd, "ref"'])
    rows = [json.loads(line) for line in (tmp_path / "s" / "epoch-1.jsonl").read_text().splitlines()]
    assert rows == [{"example": "train.csv:2", "logits": [1.0, 2.0, 3.0, 4.0]}, {"example": 'odd, "ref"', "logits": [0.0, 0.0, 0.0, -1.5]}]
    assert json.loads((tmp_path / "s" / "run.json").read_text())["teacher"] == "teacher"


@pytest.mark.parametrize("outputs, keys, split, message", [
    (np.ones(4) / 4, [0], "train", r"epoch 1, split train: outputs must be \[n, classes\], got shape \(4,\)"),
    (probs(3), [0, 1], "train", r"epoch 1, split train: 2 keys for 3 rows"),
    (np.where(np.arange(3 * C).reshape(3, C) == 6, np.nan, probs(3)), [0, 1, 2], "train", r"epoch 1, split train, row 1: probability of class 2 is nan"),
    (np.array([[0.5, 0.2, 0.2, 0.2], [0.25] * 4]), [0, 1], "test", r"epoch 1, split test, row 0: probabilities sum to 1\.1\d*, not 1 \(tolerance 0\.001\)"),
    (np.array([[0.25] * 4, [2.0, -1.0, 0.0, 0.0]]), [0, 1], "train", r"row 1: probability of class 0 is 2\.0, outside \[0, 1\]; logits go under values='logits'"),
    (probs(3), [0, 1, 0], "train", r"row 2: key \"train:0\" appears twice \(rows 0 and 2\)"),
    (probs(2), [0, 1], None, r"row 0: an integer index key needs a split"),
    (probs(2), ["train:0", "train:x"], None, r"row 1: an index key is an integer or \"split:index\", got 'train:x'"),
    (probs(2), [0, True], "train", r"row 1: an index key is an integer or \"split:index\", got True"),
])
def test_refuses_a_bad_call_naming_epoch_split_and_row_and_writes_nothing(tmp_path, outputs, keys, split, message):
    log = RunLogger(tmp_path / "r", name="r", role="teacher", epochs=1)
    before = files(tmp_path / "r")
    with pytest.raises(ValueError, match=message):
        log.log(1, outputs, keys, split=split)
    assert files(tmp_path / "r") == before


def test_refuses_a_class_count_that_changes_and_a_second_call_for_the_same_split(tmp_path):
    log = RunLogger(tmp_path / "r", name="r", role="teacher", epochs=2)
    log.log(1, probs(3), [0, 1, 2], split="train")
    with pytest.raises(ValueError, match=r"epoch 1, split test: 5 classes per row where the first call \(epoch 1, split train\) had 4"):
        log.log(1, np.full((2, 5), 0.2), [0, 1], split="test")
    with pytest.raises(ValueError, match=r"epoch 1, split train: already logged \(one log\(\) call per epoch and split\)"):
        log.log(1, probs(3), [0, 1, 2], split="train")
    fixed = RunLogger(tmp_path / "f", name="f", role="teacher", epochs=1, num_classes=10)
    with pytest.raises(ValueError, match=r"4 classes per row where num_classes is 10"):
        fixed.log(1, probs(2), [0, 1], split="train")


def test_refuses_a_key_another_call_of_the_epoch_already_logged(tmp_path):
    log = RunLogger(tmp_path / "r", name="r", role="teacher", epochs=1, key="id")
    log.log(1, probs(3), [10, 11, 12], split="train")
    with pytest.raises(ValueError, match=r"epoch 1, split test: key 12 was already logged this epoch \(by the call for split train\)"):
        log.log(1, probs(2), [13, 12], split="test")
    with pytest.raises(ValueError, match=r"row 1: an id key must be an integer example id, got 'x'"):
        log.log(1, probs(2), [14, "x"], split="other")


def test_every_epoch_must_log_the_same_examples_and_every_epoch_must_be_logged(tmp_path):
    log = RunLogger(tmp_path / "r", name="r", role="teacher", epochs=3)
    log.log(1, probs(4), range(4), split="train")
    log.log(1, probs(2), range(2), split="test")
    log.log(2, probs(4), range(4), split="train")
    # epoch 2 is complete once epoch 3 starts: it left the test split out
    with pytest.raises(ValueError, match=r"epoch 2 logs no split test, which epoch 1 logged: every epoch logs the same examples"):
        log.log(3, probs(4), range(4), split="train")

    other = RunLogger(tmp_path / "o", name="o", role="teacher", epochs=2, split="train")
    other.log(1, probs(4), range(4))
    other.log(2, probs(4), [0, 1, 2, 5])
    with pytest.raises(ValueError, match=r"epoch 2 logs 4 keys of split train where epoch 1 logged 4 \(other ones\)"):
        other.close()

    short = RunLogger(tmp_path / "s", name="s", role="teacher", epochs=3, split="train")
    short.log(1, probs(4), range(4))
    with pytest.raises(ValueError, match=r"run 's': epochs 2, 3 never logged \(run.json says 3 epochs"):
        short.close()


def test_a_run_that_ends_early_is_cut_to_the_epochs_logged(tmp_path):
    log = RunLogger(tmp_path / "r", name="r", role="teacher", epochs=10, split="train")
    log.log(1, probs(4), range(4))
    log.log(2, probs(4), range(4))
    log.close(truncate=True)
    assert json.loads((tmp_path / "r" / "run.json").read_text())["epochs"] == 2


def test_train_only_runs_are_fine(tmp_path):
    with RunLogger(tmp_path / "r", name="r", role="teacher", epochs=2, split="train") as log:
        log.log(1, probs(4), range(4))
        log.log(2, probs(4), range(4))
    assert files(tmp_path / "r") == ["epoch-1.index.csv", "epoch-1.npy", "epoch-2.index.csv", "epoch-2.npy", "run.json"]
    assert json.loads((tmp_path / "r" / "run.json").read_text())["split"] == "train"


def test_a_folder_with_another_runs_files_is_refused_unless_overwritten(tmp_path):
    first = RunLogger(tmp_path / "r", name="r", role="teacher", epochs=2, split="train")
    first.log(1, probs(4), range(4))
    first.log(2, probs(4), range(4))
    with pytest.raises(FileExistsError, match=re.escape(str(tmp_path / "r")) + r" already holds a run's files"):
        RunLogger(tmp_path / "r", name="r", role="teacher", epochs=1)
    (tmp_path / "r" / "notes.txt").write_text("mine")
    RunLogger(tmp_path / "r", name="r2", role="teacher", epochs=1, overwrite=True)
    assert files(tmp_path / "r") == ["notes.txt", "run.json"]


@pytest.mark.parametrize("kwargs, message", [
    ({"role": "mentor"}, r"role must be 'teacher' or 'student'"),
    ({"key": "row"}, r"key must be 'index', 'source_ref' or 'id'"),
    ({"fmt": "csv"}, r"fmt must be 'npy', 'jsonl' or 'parquet'"),
    ({"values": "probabilities"}, r"values must be 'probs' or 'logits'"),
    ({"epochs": 0}, r"epochs must be a whole number from 1 to 100000"),
    ({"teacher": "t"}, r"a teacher has no teacher"),
    ({"split": "train.2"}, r"split must be a name without dots"),
    ({"settings": {"f": object()}}, r"settings must be JSON"),
])
def test_refuses_bad_arguments_before_writing_anything(tmp_path, kwargs, message):
    args = dict(name="r", role="teacher", epochs=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        RunLogger(tmp_path / "r", **args)
    assert not (tmp_path / "r").exists()


def test_epochs_outside_the_run_are_refused(tmp_path):
    log = RunLogger(tmp_path / "r", name="r", role="teacher", epochs=2, split="train")
    for epoch in (0, 3, 1.0, True):
        with pytest.raises(ValueError, match=r"epoch must be a whole number from 1 to 2"):
            log.log(epoch, probs(2), [0, 1])


def test_parquet_without_pyarrow_says_how_to_get_it(tmp_path):
    try:
        import pyarrow  # noqa: F401
        pytest.skip("pyarrow is installed here: the round-trip test covers parquet")
    except ImportError:
        pass
    with pytest.raises(ImportError, match=r'fmt="parquet" needs pyarrow, which is not installed: pip install pyarrow'):
        RunLogger(tmp_path / "p", name="p", role="teacher", epochs=1, fmt="parquet")
    assert not (tmp_path / "p").exists()


def test_torch_tensors_are_accepted_as_outputs_and_keys(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    log = RunLogger(tmp_path / "t", name="t", role="teacher", epochs=1, split="train")
    z = torch.randn(3, C, requires_grad=True)
    log.log(1, torch.softmax(z, 1), torch.arange(3))
    np.testing.assert_allclose(np.load(tmp_path / "t" / "epoch-1.npy"), torch.softmax(z, 1).detach().numpy(), rtol=1e-6)


def test_the_package_exports_its_api():
    assert {"RunLogger", "connect", "show", "stop"} <= set(disobey.__all__)
    assert disobey.PROB_SUM_TOLERANCE == 1e-3
