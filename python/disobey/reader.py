"""Reading a Disobey database from Python: datasets, experiments, runs, probabilities and the
per-example measures, decoded as docs/database.md describes them.

The file is opened read-only (the app may be training into it: WAL lets both read). Tables come
back as pandas DataFrames (pandas is imported only by the methods that return one), arrays as numpy.
"""
import json
import os
import sqlite3
import subprocess
import urllib.parse

import numpy as np

from . import _cli
from ._matrices import _dense_rows, chunk_columns, chunk_ids, has_rows_table, read_matrix
from ._measures import COLUMNS, MEASURES, Probabilities, student_measures

#: the newest schema (PRAGMA user_version) this package reads; main/store/migrations
SCHEMA_VERSION = 10


def connect(db_path):
    """Opens a Disobey database read-only. Use as a context manager, or call .close()."""
    return Database(db_path)


def _pandas():
    try:
        import pandas
    except ImportError as err:
        raise ImportError("this method returns a pandas DataFrame, and pandas is not installed: pip install pandas "
                          "(probabilities() needs numpy only)") from err
    return pandas


class Database:
    """A read-only connection to one Disobey database file."""

    def __init__(self, db_path):
        self.path = os.path.abspath(os.fspath(db_path))
        if not os.path.isfile(self.path):
            raise FileNotFoundError("no Disobey database at %s" % self.path)
        uri = "file:%s?mode=ro" % urllib.parse.quote(self.path)
        try:
            self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            version = self._con.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.OperationalError:
            # A WAL database in a folder we cannot write (no -shm file can be made): read it as it is on disk.
            self._con = sqlite3.connect("file:%s?immutable=1" % urllib.parse.quote(self.path), uri=True, check_same_thread=False)
            version = self._con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._con.close()
            raise RuntimeError("%s was written by a newer Disobey (schema %d; this package reads up to %d): update the disobey package"
                               % (self.path, version, SCHEMA_VERSION))
        if version < 1:
            self._con.close()
            raise RuntimeError("%s is not a Disobey database (schema version %d)" % (self.path, version))
        self.schema_version = version

    def close(self):
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return "<disobey.Database %s>" % self.path

    # ------------------------------------------------------------------------------------------
    # Tables

    def datasets(self):
        """Every dataset: id, name, kind, format, source, class_names, class_groups, shape, options, counts per split."""
        pd = _pandas()
        rows = self._con.execute(
            "SELECT id, name, kind, format, source, class_names, class_groups, height, width, channels, options, created_at "
            "FROM datasets ORDER BY id").fetchall()
        counts = {}
        for dataset_id, split, count in self._con.execute("SELECT dataset_id, split, count(*) FROM examples GROUP BY dataset_id, split"):
            counts.setdefault(dataset_id, {})[split] = count
        records = [{
            "id": r[0], "name": r[1], "kind": r[2], "format": r[3], "source": r[4],
            "num_classes": len(json.loads(r[5])), "class_names": json.loads(r[5]), "class_groups": json.loads(r[6]),
            "height": r[7], "width": r[8], "channels": r[9], "options": json.loads(r[10]) if r[10] else None,
            "splits": _split_order(counts.get(r[0], {})), "created_at": r[11],
        } for r in rows]
        return pd.DataFrame.from_records(records, columns=["id", "name", "kind", "format", "source", "num_classes", "class_names", "class_groups",
                                                           "height", "width", "channels", "options", "splits", "created_at"])

    def experiments(self):
        """Every experiment: id, dataset_id, name, created_at, series and seed (seed replicates), run count."""
        pd = _pandas()
        rows = self._con.execute(
            "SELECT e.id, e.dataset_id, e.name, e.created_at, e.series, e.seed, (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) "
            "FROM experiments e ORDER BY e.id").fetchall()
        return pd.DataFrame.from_records(rows, columns=["id", "dataset_id", "name", "created_at", "series", "seed", "runs"])

    def runs(self, experiment_id=None):
        """The runs of an experiment (default every run): id, role, name, teacher, status, backend, epochs, accuracies, recorded splits, spec."""
        pd = _pandas()
        records = self._runs(experiment_id)
        if experiment_id is not None and not records:
            self._experiment(experiment_id)
        for r in records:
            metrics = dict(self._con.execute(
                "SELECT split, accuracy FROM epoch_metrics WHERE run_id = ? AND epoch = ?", (r["id"], r["epochs_done"])).fetchall())
            r["train_accuracy"] = metrics.get("train")
            r["test_accuracy"] = metrics.get("test")
            r["splits"] = list(_split_order(metrics)) if metrics else None
        columns = ["id", "experiment_id", "role", "name", "teacher_run_id", "status", "backend", "epochs", "epochs_done", "seconds",
                   "train_accuracy", "test_accuracy", "splits", "error", "spec", "created_at", "finished_at"]
        return pd.DataFrame.from_records([{c: r[c] for c in columns} for r in records], columns=columns)

    # ------------------------------------------------------------------------------------------
    # Arrays

    def probabilities(self, run_id, epoch, split=None, return_ids=False):
        """A run-epoch's probabilities, float32 [n, C], rows in ascending example id (only `split`'s when given).

        Top-k runs come back completed as the app completes them. return_ids=True also returns the
        rows' example ids: (ids, probs).
        """
        run = self._run(run_id)
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or not 1 <= epoch <= run["epochs_done"]:
            raise ValueError("run %d (%s) has recorded epochs 1..%d; epoch %r is not one of them" % (run_id, run["name"], run["epochs_done"], epoch))
        matrix = read_matrix(self._con, run_id, int(epoch))
        if matrix is None:
            raise LookupError("run %d has no predictions recorded for epoch %d" % (run_id, epoch))
        ids, probs = matrix
        if split is not None:
            dataset = self._dataset_columns(run["dataset_id"])
            code = _split_code(dataset, split)
            at = np.clip(np.searchsorted(dataset["ids"], ids), 0, max(len(dataset["ids"]) - 1, 0))
            keep = (dataset["ids"][at] == ids) & (dataset["split_code"][at] == code)
            ids, probs = ids[keep], probs[keep]
        return (ids, probs) if return_ids else probs

    def trajectory(self, example_id, experiment_id=None):
        """One example through training: a row per run and recorded epoch with its C probabilities (p_0 ... p_{C-1}).

        Runs of `experiment_id`, or of every experiment on the example's dataset. The frame's attrs
        hold the example's label, training label and class names.
        """
        pd = _pandas()
        found = self._con.execute("SELECT dataset_id, label, coalesce(noisy_label, label), split, idx FROM examples WHERE id = ?", (example_id,)).fetchone()
        if found is None:
            raise LookupError("no example with id %d" % example_id)
        dataset_id, label, train_label, split, idx = found
        if experiment_id is not None:
            experiment = self._experiment(experiment_id)
            if experiment["dataset_id"] != dataset_id:
                raise ValueError("example %d is not in dataset %d of experiment %d" % (example_id, experiment["dataset_id"], experiment_id))
            runs = self._runs(experiment_id)
        else:
            runs = [r for r in self._runs() if r["dataset_id"] == dataset_id]
        class_names = json.loads(self._con.execute("SELECT class_names FROM datasets WHERE id = ?", (dataset_id,)).fetchone()[0])
        records = []
        for run in runs:
            for epoch in range(1, run["epochs_done"] + 1):
                row = self._row(run["id"], epoch, example_id)
                if row is not None:
                    records.append([run["experiment_id"], run["id"], run["name"], run["role"], run["teacher_run_id"], epoch, *row.tolist()])
        frame = pd.DataFrame.from_records(records, columns=["experiment_id", "run_id", "name", "role", "teacher_run_id", "epoch"] + ["p_%d" % c for c in range(len(class_names))])
        frame.attrs.update({"example_id": example_id, "split": split, "idx": idx, "label": label, "train_label": train_label, "class_names": class_names})
        return frame

    def per_example(self, experiment_id, student_run_id=None, split=None, epoch=None, class_choice="teacher-top"):
        """Every example's measures for each student against its teacher: `disobey report --examples`'s columns and values.

        One row per student and example both runs of the pair recorded, in student then example-id
        order. student_run_id: one student (default every student with a teacher and a recorded
        epoch); epoch: the students' epoch (default each one's last); split: one split;
        class_choice: "teacher-top" (φ at the teacher's top class) or "label". docs/metrics.md
        defines every column.
        """
        pd = _pandas()
        if class_choice not in ("teacher-top", "label"):
            raise ValueError("class_choice must be 'teacher-top' or 'label', got %r" % (class_choice,))
        experiment = self._experiment(experiment_id)
        runs = self._runs(experiment_id)
        dataset = self._dataset_columns(experiment["dataset_id"])
        code = None if split is None else _split_code(dataset, split)
        if student_run_id is not None:
            chosen = [r for r in runs if r["id"] == student_run_id]
            if not chosen:
                raise ValueError("run %d is not part of experiment %d" % (student_run_id, experiment_id))
            if chosen[0]["role"] != "student" or chosen[0]["teacher_run_id"] is None:
                raise ValueError("run %d (%s) is not a student with a teacher" % (student_run_id, chosen[0]["name"]))
            if chosen[0]["epochs_done"] == 0:
                raise ValueError("student %d (%s) has no recorded epoch yet" % (student_run_id, chosen[0]["name"]))
            students = chosen
        else:
            students = [r for r in runs if r["role"] == "student" and r["teacher_run_id"] is not None and r["epochs_done"] > 0]
        replicates = self._replicate_runs(experiment)
        probs = Probabilities(self._con, dataset["ids"])
        frames = []
        for student in students:
            teacher = self._run(student["teacher_run_id"])
            if teacher["epochs_done"] == 0:
                raise ValueError("teacher %d (%s) has no recorded epoch" % (teacher["id"], teacher["name"]))
            if epoch is not None and epoch > student["epochs_done"]:
                raise ValueError("student %d (%s) has %d recorded epochs; epoch %d is not one of them" % (student["id"], student["name"], student["epochs_done"], epoch))
            e = student["epochs_done"] if epoch is None else int(epoch)
            twins = []
            for replicate in replicates:
                twin = next((r for r in replicate if r["role"] == "student" and r["name"] == student["name"] and r["epochs_done"] > 0), None)
                if twin is not None:
                    twins.append(twin)
            m = student_measures(probs, dataset, student, teacher, e, class_choice, twins)
            keep = m["both"] if code is None else m["both"] & (dataset["split_code"] == code)
            y = dataset["train_label"]
            frame = pd.DataFrame({
                "student_run_id": np.full(int(keep.sum()), student["id"], dtype=np.int64),
                "example_id": dataset["ids"][keep].astype(np.int64),
                "split": np.array(dataset["split_names"], dtype=object)[dataset["split_code"][keep]],
                "idx": dataset["idx"][keep].astype(np.int64),
                "label": dataset["label"][keep].astype(np.int64),
                "train_label": y[keep].astype(np.int64),
                "k": m["k"][keep].astype(np.int64),
                **{name: m["columns"][name][keep] for name in MEASURES},
                "teacher_correct": (m["teacher_top"][keep] == y[keep]).astype(np.int64),
                "student_correct": (m["student_top"][keep] == y[keep]).astype(np.int64),
            }, columns=list(COLUMNS))
            frames.append(frame)
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=object if c == "split" else np.float64 if c in MEASURES else np.int64) for c in COLUMNS})
        return pd.concat(frames, ignore_index=True)

    def findings(self, experiment_id, bootstrap=1000, seed=0, cli=None, raw=False):
        """Does it pay to disobey? Each claim of SPEC experiments 1-8 for the experiment and its seed replicates.

        Findings are computed by the app, not stored: this runs the installed CLI (`disobey
        findings --json`, read-only) on this database. Returns a DataFrame of claims (id, title,
        status, statistic, interval, threshold, reason) whose attrs hold the one-sentence answer and
        the warnings; raw=True returns the app's JSON as a dict.
        """
        self._experiment(experiment_id)
        command = _cli.command(cli) + ["findings", "--db", self.path, "--experiment", str(int(experiment_id)),
                                       "--bootstrap", str(int(bootstrap)), "--seed", str(int(seed)), "--json"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except OSError as err:
            raise RuntimeError("cannot run the Disobey CLI (%s): %s" % (" ".join(command[:2]), err)) from err
        if done.returncode != 0:
            raise RuntimeError("disobey findings failed: %s" % (done.stderr.strip() or done.stdout.strip()))
        result = json.loads(done.stdout)
        if raw:
            return result
        pd = _pandas()
        claims = pd.DataFrame.from_records([{
            "id": c["id"], "title": c["title"], "status": c["status"], "statistic": c["statistic"],
            "interval_low": (c["interval"] or [None, None])[0], "interval_high": (c["interval"] or [None, None])[1],
            "threshold": (c.get("threshold") or {}).get("text"), "reason": c["reason"],
        } for c in result["claims"]], columns=["id", "title", "status", "statistic", "interval_low", "interval_high", "threshold", "reason"])
        claims.attrs.update({"answer": result["answer"], "diagnostics": result["diagnostics"], "experiment_ids": result["experimentIds"], "seeds": result["seeds"]})
        return claims

    # ------------------------------------------------------------------------------------------
    def _experiment(self, experiment_id):
        row = self._con.execute("SELECT id, dataset_id, name, series, seed FROM experiments WHERE id = ?", (experiment_id,)).fetchone()
        if row is None:
            raise LookupError("no experiment with id %r in %s" % (experiment_id, self.path))
        return dict(zip(("id", "dataset_id", "name", "series", "seed"), row))

    _RUN_COLUMNS = ("id", "experiment_id", "dataset_id", "role", "name", "teacher_run_id", "status", "backend", "epochs_done", "seconds", "error", "spec", "created_at", "finished_at")

    def _runs(self, experiment_id=None):
        sql = ("SELECT r.id, r.experiment_id, e.dataset_id, r.role, r.name, r.teacher_run_id, r.status, r.backend, r.epochs_done, r.seconds, r.error, "
               "r.spec, r.created_at, r.finished_at FROM runs r JOIN experiments e ON e.id = r.experiment_id")
        rows = self._con.execute(sql + (" WHERE r.experiment_id = ? ORDER BY r.id" if experiment_id is not None else " ORDER BY r.id"),
                                 () if experiment_id is None else (experiment_id,)).fetchall()
        out = []
        for row in rows:
            r = dict(zip(self._RUN_COLUMNS, row))
            r["spec"] = json.loads(r["spec"])
            r["epochs"] = r["spec"].get("epochs", 0) if isinstance(r["spec"], dict) else 0
            out.append(r)
        return out

    def _run(self, run_id):
        row = self._con.execute(
            "SELECT r.id, r.experiment_id, e.dataset_id, r.role, r.name, r.teacher_run_id, r.status, r.backend, r.epochs_done, r.seconds, r.error, "
            "r.spec, r.created_at, r.finished_at FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?", (run_id,)).fetchone()
        if row is None:
            raise LookupError("no run with id %r in %s" % (run_id, self.path))
        return dict(zip(self._RUN_COLUMNS, row))

    def _replicate_runs(self, experiment):
        """The runs of the experiment's other seed replicates on its dataset, in seed order (none without seeds)."""
        if experiment["series"] is None:
            return []
        others = self._con.execute("SELECT id, dataset_id FROM experiments WHERE series = ? ORDER BY seed, id", (experiment["series"],)).fetchall()
        return [self._runs(eid) for eid, dataset_id in others if eid != experiment["id"] and dataset_id == experiment["dataset_id"]]

    def _dataset_columns(self, dataset_id):
        rows = self._con.execute("SELECT id, split, idx, label, coalesce(noisy_label, label) FROM examples WHERE dataset_id = ? ORDER BY id", (dataset_id,)).fetchall()
        split_names = []
        codes = {}
        split_code = np.empty(len(rows), dtype=np.int64)
        for i, r in enumerate(rows):
            code = codes.get(r[1])
            if code is None:
                code = codes[r[1]] = len(split_names)
                split_names.append(r[1])
            split_code[i] = code
        column = lambda j: np.array([r[j] for r in rows], dtype=np.int64)  # noqa: E731
        return {"ids": column(0).astype(np.int32), "split_code": split_code, "split_names": split_names,
                "idx": column(2), "label": column(3), "train_label": column(4)}

    def _row(self, run_id, epoch, example_id):
        chunk = self._con.execute(
            "SELECT " + chunk_columns(self._con) + " FROM prediction_matrices "
            "WHERE run_id = ? AND epoch = ? AND (first_id IS NULL OR (first_id <= ? AND last_id >= ?)) ORDER BY first_id DESC LIMIT 1",
            (run_id, epoch, example_id, example_id)).fetchone()
        if chunk is None:
            if not has_rows_table(self._con):
                return None
            blob = self._con.execute("SELECT probs FROM predictions WHERE run_id = ? AND epoch = ? AND example_id = ?", (run_id, epoch, example_id)).fetchone()
            return None if blob is None else np.frombuffer(blob[0], "<f4").astype(np.float32)
        ids = chunk_ids(chunk)
        at = int(np.searchsorted(ids, example_id))
        if at >= len(ids) or ids[at] != example_id:
            return None
        return _dense_rows(chunk)[at]


def _split_order(counts):
    """Splits as the app orders them (train, test, then the rest by name), with their counts."""
    return {s: counts[s] for s in sorted(counts, key=lambda s: (0 if s == "train" else 1 if s == "test" else 2, s))}


def _split_code(dataset, split):
    if split not in dataset["split_names"]:
        raise ValueError('split "%s" does not exist (splits: %s)' % (split, ", ".join(dataset["split_names"])))
    return dataset["split_names"].index(split)
