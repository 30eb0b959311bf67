"""Writes a training run's per-epoch predictions in the format `disobey ingest` reads (docs/ingest.md).

Dependencies: numpy only; fmt="parquet" also needs pyarrow (imported only then). A training loop
creates one RunWriter per run and calls write_epoch once per epoch and split:

    writer = RunWriter("out/teacher", name="teacher", role="teacher", epochs=10, key="index",
                       settings={"lr": 0.1})
    writer.write_epoch(1, probs_train, keys=range(len(train_set)), split="train")
    writer.write_epoch(1, probs_test, keys=range(len(test_set)), split="test")

Then: disobey ingest out --dataset ID
"""
import json
import os

import numpy as np


class RunWriter:
    """One run's folder: run.json plus, per epoch, epoch-<E>[.<split>].npy + .index.csv (or .jsonl,
    or .parquet)."""

    def __init__(self, directory, name, role, epochs, teacher=None, key="index", settings=None,
                 values="probs", split=None, fmt="npy"):
        if role not in ("teacher", "student"):
            raise ValueError("role must be 'teacher' or 'student'")
        if key not in ("id", "source_ref", "index"):
            raise ValueError("key must be 'id', 'source_ref' or 'index'")
        if values not in ("probs", "logits"):
            raise ValueError("values must be 'probs' or 'logits'")
        if fmt not in ("npy", "jsonl", "parquet"):
            raise ValueError("fmt must be 'npy', 'jsonl' or 'parquet'")
        # Import pyarrow now, so a missing one stops the job before it trains, not after epoch 1.
        self._pyarrow = _import_pyarrow() if fmt == "parquet" else None
        self.directory = directory
        self.values = values
        self.fmt = fmt
        os.makedirs(directory, exist_ok=True)
        manifest = {"name": name, "role": role, "epochs": int(epochs), "key": key, "values": values,
                    "settings": settings if settings is not None else {}}
        if teacher is not None:
            manifest["teacher"] = teacher
        if split is not None:
            manifest["split"] = split
        self._write_atomic("run.json", json.dumps(manifest, indent=2).encode("utf-8"))

    def write_epoch(self, epoch, outputs, keys, split=None):
        """outputs: [n, C] probabilities (or logits, as chosen); keys: n example keys in row order."""
        outputs = np.ascontiguousarray(np.asarray(outputs, dtype=np.float32))
        keys = [k.item() if hasattr(k, "item") else k for k in keys]
        if outputs.ndim != 2 or outputs.shape[0] != len(keys):
            raise ValueError("outputs must be [n, C] with one key per row")
        if not np.all(np.isfinite(outputs)):
            raise ValueError("outputs hold NaN or infinity")
        stem = "epoch-%d%s" % (int(epoch), "" if split is None else "." + split)
        if self.fmt == "jsonl":
            field = "probs" if self.values == "probs" else "logits"
            lines = (json.dumps({"example": k, field: [float(v) for v in row]}) for k, row in zip(keys, outputs))
            self._write_atomic(stem + ".jsonl", ("\n".join(lines) + "\n").encode("utf-8"))
            return
        if self.fmt == "parquet":
            self._write_parquet(stem + ".parquet", outputs, keys)
            return
        index = "example\n" + "".join(_csv_field(k) + "\n" for k in keys)
        self._write_atomic(stem + ".index.csv", index.encode("utf-8"))
        path = os.path.join(self.directory, stem + ".npy")
        with open(path + ".partial", "wb") as f:
            np.save(f, outputs)
        os.replace(path + ".partial", path)

    def _write_parquet(self, name, outputs, keys):
        """Columns `example` (int64, or string) and `probs`/`logits` (list<float>, C per row)."""
        pa, pq = self._pyarrow
        n, c = outputs.shape
        if all(isinstance(k, int) and not isinstance(k, bool) for k in keys):
            example = pa.array(keys, type=pa.int64())
        else:
            # As in the NPY index CSV: every key as text ("12" still reads as the integer 12).
            example = pa.array([str(k) for k in keys], type=pa.string())
        offsets = np.arange(n + 1, dtype=np.int64) * c
        values = pa.array(outputs.reshape(-1), type=pa.float32())
        if n * c < 2 ** 31:
            lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), values)
        else:  # list offsets are int32; beyond that Arrow needs large_list (still a Parquet LIST)
            lists = pa.LargeListArray.from_arrays(pa.array(offsets), values)
        table = pa.Table.from_arrays([example, lists], names=["example", self.values])
        path = os.path.join(self.directory, name)
        pq.write_table(table, path + ".partial")
        os.replace(path + ".partial", path)

    def _write_atomic(self, name, data):
        path = os.path.join(self.directory, name)
        with open(path + ".partial", "wb") as f:
            f.write(data)
        os.replace(path + ".partial", path)


def _import_pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as err:
        raise ImportError('fmt="parquet" needs pyarrow, which is not installed: pip install pyarrow '
                          '(or use fmt="npy", which needs numpy only)') from err
    return pyarrow, pyarrow.parquet


def _csv_field(key):
    text = str(key)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
