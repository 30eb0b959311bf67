"""Logging a training run's per-epoch predictions in the format `disobey ingest` reads (docs/ingest.md).

A training loop creates one RunLogger per run and calls log() once per epoch and split. Every call
is checked as `disobey ingest` would check it (shape, class count, NaN and infinity, probabilities
in [0, 1] summing to 1, key types, duplicate keys, the same examples every epoch), so a bad epoch
fails in the training job with a message naming the epoch, split and row, not hours later at
ingest. Files are written beside their name and renamed into place: a killed job leaves no
half-written file.
"""
import json
import os
import re

import numpy as np

#: rows whose probabilities sum further than this from 1 are refused (as `disobey ingest` does)
PROB_SUM_TOLERANCE = 1e-3

_ROLES = ("teacher", "student")
_KEYS = ("id", "source_ref", "index")
_VALUES = ("probs", "logits")
_FORMATS = ("npy", "jsonl", "parquet")
# What `disobey ingest` reads as a predictions file of this run (and nothing a RunLogger must keep).
_OWN_FILE = re.compile(r"^(?:epoch-\d+(?:\.[^.]+)?\.(?:jsonl|npy|npz|parquet|index\.csv)|run\.json)(?:\.partial)?$")
# A split becomes part of a file name (epoch-3.test.npy): no dots, separators or colons.
_SPLIT_NAME = re.compile(r"^[^.:/\\\s]+$")


class RunLogger:
    """One run's folder: run.json, and per epoch epoch-<E>[.<split>].npy + .index.csv (or .jsonl, or .parquet).

    directory: the run's folder (created; refused when it already holds another run's files,
      unless overwrite=True, which removes them).
    name, role ("teacher" or "student"), epochs (how many epochs will be logged), teacher (a
      student's teacher run name in the same ingest).
    key: how keys name examples: "index" (0-based position within a split; the split comes from
      log(split=...), RunLogger(split=...), or keys written "split:index"), "source_ref"
      (examples.source_ref, e.g. "train.csv:12"), or "id" (the app's example id).
    split: the split of plain integer index keys when log() is called without one.
    fmt: "npy" (numpy only), "jsonl", or "parquet" (needs pyarrow, imported now).
    values: "probs" (rows of probabilities summing to 1) or "logits".
    settings: free JSON stored with the run (architecture, loss, optimiser, ...).
    num_classes: the dataset's class count, checked from the first call (default: whatever the
      first call has, then every call must match).
    """

    def __init__(self, directory, name, role, epochs, teacher=None, key="index", split=None, fmt="npy",
                 values="probs", settings=None, num_classes=None, overwrite=False):
        if not isinstance(name, str) or not name or len(name) > 200:
            raise ValueError("name must be a non-empty string of at most 200 characters, got %r" % (name,))
        if role not in _ROLES:
            raise ValueError("role must be 'teacher' or 'student', got %r" % (role,))
        if teacher is not None and role == "teacher":
            raise ValueError("a teacher has no teacher: pass teacher=... for students only")
        if teacher is not None and (not isinstance(teacher, str) or not teacher):
            raise ValueError("teacher must be the name of a teacher run, got %r" % (teacher,))
        if key not in _KEYS:
            raise ValueError("key must be 'index', 'source_ref' or 'id', got %r" % (key,))
        if values not in _VALUES:
            raise ValueError("values must be 'probs' or 'logits', got %r" % (values,))
        if fmt not in _FORMATS:
            raise ValueError("fmt must be 'npy', 'jsonl' or 'parquet', got %r" % (fmt,))
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or not 1 <= int(epochs) <= 100000:
            raise ValueError("epochs must be a whole number from 1 to 100000, got %r" % (epochs,))
        if split is not None:
            _check_split(split)
        if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2):
            raise ValueError("num_classes must be a whole number >= 2, got %r" % (num_classes,))
        try:
            settings_json = json.loads(json.dumps({} if settings is None else settings, allow_nan=False))
        except (TypeError, ValueError) as err:
            raise ValueError("settings must be JSON (numbers, strings, lists, dicts): %s" % err) from err
        # Import pyarrow now, so a missing one stops the job before it trains, not after epoch 1.
        self._pyarrow = _import_pyarrow() if fmt == "parquet" else None
        self.directory = os.fspath(directory)
        self.name = name
        self.epochs = int(epochs)
        self.key = key
        self.split = split
        self.fmt = fmt
        self.values = values
        self.num_classes = None if num_classes is None else int(num_classes)
        self._classes_from = "num_classes is"
        # epoch -> {file split (or None): {namespace: sorted keys}}; namespaces say which examples a call named
        self._logged = {}
        self._reference = None  # the first checked epoch's {namespace: sorted keys}
        self._checked_through = 0
        self._closed = False

        os.makedirs(self.directory, exist_ok=True)
        stale = sorted(n for n in os.listdir(self.directory) if _OWN_FILE.match(n))
        if stale and not overwrite:
            raise FileExistsError("%s already holds a run's files (%s%s): choose another folder, or pass overwrite=True to replace them"
                                  % (self.directory, ", ".join(stale[:3]), ", ..." if len(stale) > 3 else ""))
        for n in stale:
            os.remove(os.path.join(self.directory, n))
        manifest = {"name": name, "role": role, "epochs": self.epochs, "key": key, "values": values, "settings": settings_json}
        if teacher is not None:
            manifest["teacher"] = teacher
        if split is not None:
            manifest["split"] = split
        self._write_atomic("run.json", json.dumps(manifest, indent=2).encode("utf-8"))

    # ------------------------------------------------------------------------------------------
    def log(self, epoch, outputs, keys, split=None):
        """Checks and writes one epoch's predictions for one split (or for keys that name their split).

        epoch: 1 ... epochs. outputs: [n, C] probabilities or logits (as `values` says; numpy
        arrays, lists, or CPU/GPU torch tensors). keys: n example keys in row order. split: the
        split these rows belong to (named in the file; needed for plain integer index keys unless
        RunLogger(split=...) gave one). One call per epoch and split.
        """
        if self._closed:
            raise RuntimeError("RunLogger %r is closed" % self.name)
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or not 1 <= int(epoch) <= self.epochs:
            raise ValueError("epoch must be a whole number from 1 to %d (run.json's epochs), got %r" % (self.epochs, epoch))
        epoch = int(epoch)
        if split is not None:
            _check_split(split)
        where = "epoch %d%s" % (epoch, "" if split is None else ", split %s" % split)
        files = self._logged.setdefault(epoch, {})
        if split in files:
            raise ValueError("%s: already logged (one log() call per epoch and split)" % where)
        # Epochs before this one are complete once a later one starts: check them against the first.
        self._check_epochs_before(epoch)

        array = _to_numpy(outputs)
        if array.dtype.kind not in "fiu":
            raise ValueError("%s: outputs must be numbers, got dtype %s" % (where, array.dtype))
        array = array.astype(np.float64, copy=False)
        if array.ndim != 2:
            raise ValueError("%s: outputs must be [n, classes], got shape %s" % (where, tuple(array.shape)))
        n, c = array.shape
        int_keys = _integer_array(keys)
        key_list = int_keys.tolist() if int_keys is not None else _key_list(keys)
        if len(key_list) != n:
            raise ValueError("%s: %d keys for %d rows of outputs" % (where, len(key_list), n))
        if n == 0:
            raise ValueError("%s: no rows" % where)
        if c < 2:
            raise ValueError("%s: %d class per row; a classifier has at least 2" % (where, c))
        if self.num_classes is not None and c != self.num_classes:
            raise ValueError("%s: %d classes per row where %s %d" % (where, c, self._classes_from, self.num_classes))
        _check_values(array, self.values, where)
        namespaces = self._namespaces(key_list, split, where, int_keys)
        for ns, sorted_keys in namespaces.items():
            for other_split, other in files.items():
                if ns in other:
                    both = np.intersect1d(other[ns], sorted_keys)
                    if len(both):
                        raise ValueError("%s: key %s was already logged this epoch (by the call for %s)"
                                         % (where, _show_key(ns, both[0]), "split %s" % other_split if other_split is not None else "keys without a split"))

        if self.num_classes is None:
            self.num_classes, self._classes_from = c, "the first call (%s) had" % where
        stem = "epoch-%d%s" % (epoch, "" if split is None else "." + split)
        out = np.ascontiguousarray(array.astype(np.float32))
        if self.fmt == "jsonl":
            self._write_jsonl(stem + ".jsonl", out, key_list)
        elif self.fmt == "parquet":
            self._write_parquet(stem + ".parquet", out, key_list)
        else:
            index = "example\n" + "".join(_csv_field(k) + "\n" for k in key_list)
            self._write_atomic(stem + ".index.csv", index.encode("utf-8"))
            path = os.path.join(self.directory, stem + ".npy")
            with open(path + ".partial", "wb") as f:
                np.save(f, out)
            os.replace(path + ".partial", path)
        files[split] = namespaces

    def close(self, truncate=False):
        """Checks that every epoch 1 ... epochs was logged, each naming the same examples; idempotent.

        truncate=True: a run that ended early (early stopping) having logged epochs 1 ... k gets
        run.json's epochs cut to k instead of an error.
        """
        if self._closed:
            return
        logged = sorted(self._logged)
        if truncate and logged and logged == list(range(1, len(logged) + 1)) and len(logged) < self.epochs:
            self.epochs = len(logged)
            self._update_manifest(epochs=self.epochs)
        missing = [e for e in range(1, self.epochs + 1) if e not in self._logged]
        if missing:
            raise ValueError("run %r: epoch%s %s never logged (run.json says %d epochs; `disobey ingest` would refuse the run)"
                             % (self.name, "s" if len(missing) > 1 else "", _ranges(missing), self.epochs))
        self._check_epochs_before(self.epochs + 1)
        if self.key == "index" and self._reference:
            # Index keys name their splits: run.json says which were logged, and the ingest holds
            # the files to it (a file lost or cut short to whole splits is then refused, not read as a train-only run).
            self._update_manifest(splits=sorted(ns[1] for ns in self._reference))
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()
        return False

    # ------------------------------------------------------------------------------------------
    def _check_epochs_before(self, epoch):
        """Each logged epoch below `epoch` names the same examples, split by split, as the first one."""
        for e in sorted(self._logged):
            if e >= epoch or e <= self._checked_through:
                continue
            merged = {}
            for namespaces in self._logged[e].values():
                for ns, keys in namespaces.items():
                    merged[ns] = keys if ns not in merged else np.union1d(merged[ns], keys)
            if self._reference is None:
                self._reference, self._reference_epoch = merged, e
            else:
                ref = self._reference
                for ns in sorted(set(ref) | set(merged), key=str):
                    if ns not in merged or ns not in ref:
                        raise ValueError("run %r: epoch %d %s %s, which epoch %d %s: every epoch logs the same examples (whole splits may be left out, but the same ones each epoch)"
                                         % (self.name, e, "logs no" if ns not in merged else "logs", _describe_namespace(ns), self._reference_epoch, "logged" if ns in ref else "did not log"))
                    if len(merged[ns]) != len(ref[ns]) or not np.array_equal(merged[ns], ref[ns]):
                        raise ValueError("run %r: epoch %d logs %d keys of %s where epoch %d logged %d%s: every epoch logs the same examples"
                                         % (self.name, e, len(merged[ns]), _describe_namespace(ns), self._reference_epoch, len(ref[ns]),
                                            "" if len(merged[ns]) != len(ref[ns]) else " (other ones)"))
            self._checked_through = e

    def _namespaces(self, key_list, split, where, int_keys=None):
        """The call's keys checked by kind and grouped: {namespace: sorted unique keys}; duplicates refused.

        Namespaces: ("id",) for example ids, ("ref",) for source_ref, ("index", split) for indices.
        int_keys: the keys as an int64 array when they came as one (a range, an integer array), checked without a Python loop.
        """
        groups = {}
        plain_split = split if split is not None else self.split
        if int_keys is not None and self.key != "source_ref" and (self.key == "id" or plain_split is not None):
            if len(int_keys) and int_keys.min() < 0:
                row = int(np.argmax(int_keys < 0))
                raise ValueError("%s, row %d: %s must be >= 0, got %d" % (where, row, "an id key" if self.key == "id" else "an index key", int_keys[row]))
            groups[("id",) if self.key == "id" else ("index", plain_split)] = (int_keys, None)
        elif self.key == "source_ref":
            for row, k in enumerate(key_list):
                if not isinstance(k, str) or not k:
                    raise ValueError("%s, row %d: a source_ref key must be a non-empty string, got %r" % (where, row, k))
            groups[("ref",)] = (np.array(key_list, dtype=str), list(range(len(key_list))))
        elif self.key == "id":
            ids = _int_keys(key_list, where, "an id key must be an integer example id")
            if len(ids) and ids.min() < 0:
                row = int(np.argmax(ids < 0))
                raise ValueError("%s, row %d: an id key must be an integer example id, got %r" % (where, row, key_list[row]))
            groups[("id",)] = (ids, None)
        else:
            rows_by_split = {}
            for row, k in enumerate(key_list):
                if isinstance(k, str):
                    s, _, index = k.rpartition(":")
                    if not s or not index.strip().isdigit():
                        raise ValueError("%s, row %d: an index key is an integer or \"split:index\", got %r" % (where, row, k))
                    rows_by_split.setdefault(s, ([], []))
                    rows_by_split[s][0].append(int(index))
                    rows_by_split[s][1].append(row)
                elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
                    if plain_split is None:
                        raise ValueError("%s, row %d: an integer index key needs a split: log(..., split='train'), RunLogger(split=...), or keys \"split:index\"" % (where, row))
                    if k < 0:
                        raise ValueError("%s, row %d: an index key must be >= 0, got %d" % (where, row, k))
                    rows_by_split.setdefault(plain_split, ([], []))
                    rows_by_split[plain_split][0].append(int(k))
                    rows_by_split[plain_split][1].append(row)
                else:
                    raise ValueError("%s, row %d: an index key is an integer or \"split:index\", got %r" % (where, row, k))
            for s, (indices, rows) in rows_by_split.items():
                groups[("index", s)] = (np.array(indices, dtype=np.int64), rows)
        out = {}
        for ns, (keys, rows) in groups.items():
            order = np.argsort(keys, kind="stable")
            ordered = keys[order]
            twice = np.flatnonzero(ordered[1:] == ordered[:-1])
            if len(twice):
                first, second = int(order[twice[0]]), int(order[twice[0] + 1])
                if rows is not None:
                    first, second = rows[first], rows[second]
                raise ValueError("%s, row %d: key %s appears twice (rows %d and %d)" % (where, second, _show_key(ns, ordered[twice[0]]), first, second))
            out[ns] = ordered
        return out

    def _write_jsonl(self, name, outputs, keys):
        field = self.values
        lines = (json.dumps({"example": k, field: row}) for k, row in zip(keys, outputs.tolist()))
        self._write_atomic(name, ("\n".join(lines) + "\n").encode("utf-8"))

    def _write_parquet(self, name, outputs, keys):
        """Columns `example` (int64, or string) and `probs`/`logits` (list<float>, C per row)."""
        pa, pq = self._pyarrow
        n, c = outputs.shape
        if all(isinstance(k, int) for k in keys):
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

    def _update_manifest(self, **fields):
        with open(os.path.join(self.directory, "run.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        manifest.update(fields)
        self._write_atomic("run.json", json.dumps(manifest, indent=2).encode("utf-8"))

    def _write_atomic(self, name, data):
        path = os.path.join(self.directory, name)
        with open(path + ".partial", "wb") as f:
            f.write(data)
        os.replace(path + ".partial", path)


def _check_split(split):
    if not isinstance(split, str) or not _SPLIT_NAME.match(split):
        raise ValueError("split must be a name without dots, colons, slashes or spaces (it becomes part of a file name), got %r" % (split,))


def _to_numpy(values):
    if hasattr(values, "detach") and hasattr(values, "cpu"):  # a torch tensor, maybe on a GPU, maybe with grad
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def _key_list(keys):
    """Keys as plain Python ints and strings (numpy scalars and tensors unwrapped)."""
    if hasattr(keys, "detach") and hasattr(keys, "cpu"):
        keys = keys.detach().cpu().numpy()
    if isinstance(keys, np.ndarray):
        if keys.ndim != 1:
            raise ValueError("keys must be one-dimensional, got shape %s" % (keys.shape,))
        if keys.dtype.kind in "iu":
            return keys.astype(np.int64).tolist()
        return [k.item() if hasattr(k, "item") else k for k in keys.tolist()]
    return [k.item() if isinstance(k, np.generic) else k for k in keys]


def _integer_array(keys):
    """Keys given as a range or an integer array (numpy or torch), as int64; else None."""
    if isinstance(keys, range):
        return np.arange(keys.start, keys.stop, keys.step, dtype=np.int64)
    if hasattr(keys, "detach") and hasattr(keys, "cpu"):
        keys = keys.detach().cpu().numpy()
    if isinstance(keys, np.ndarray) and keys.ndim == 1 and keys.dtype.kind in "iu":
        return keys.astype(np.int64)
    return None


def _int_keys(key_list, where, message):
    for row, k in enumerate(key_list):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ValueError("%s, row %d: %s, got %r" % (where, row, message, k))
    return np.array(key_list, dtype=np.int64)


def _check_values(array, kind, where):
    finite = np.isfinite(array)
    if not finite.all():
        row, col = (int(x) for x in np.argwhere(~finite)[0])
        raise ValueError("%s, row %d: %s of class %d is %r" % (where, row, "probability" if kind == "probs" else "logit", col, float(array[row, col])))
    if kind == "logits":
        return
    bad = (array < 0) | (array > 1 + PROB_SUM_TOLERANCE)
    if bad.any():
        row, col = (int(x) for x in np.argwhere(bad)[0])
        raise ValueError("%s, row %d: probability of class %d is %r, outside [0, 1]%s"
                         % (where, row, col, float(array[row, col]), "; logits go under values='logits'" if array[row, col] < 0 or array[row, col] > 1.5 else ""))
    sums = array.sum(axis=1)
    off = np.abs(sums - 1) > PROB_SUM_TOLERANCE
    if off.any():
        row = int(np.argmax(off))
        raise ValueError("%s, row %d: probabilities sum to %.6g, not 1 (tolerance %g); logits go under values='logits'" % (where, row, float(sums[row]), PROB_SUM_TOLERANCE))


def _show_key(ns, key):
    if ns[0] == "index":
        return '"%s:%d"' % (ns[1], int(key))
    return repr(key.item() if hasattr(key, "item") else key)


def _describe_namespace(ns):
    if ns[0] == "index":
        return "split %s" % ns[1]
    return "example ids" if ns[0] == "id" else "source_ref keys"


def _ranges(numbers):
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (", ..." if len(numbers) > 10 else "")


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
