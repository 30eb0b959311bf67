"""What RunLogger writes, in each format, comes back through `disobey ingest` exactly as logged."""
import numpy as np
import pytest

import disobey
from conftest import dataset_labels, disobey_json, needs_cli

pytestmark = needs_cli


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logged_run(root, name, role, fmt, values, epochs, sizes, seed, teacher=None, key="index"):
    """Logs a run of random outputs for each split (rows in reversed index order); returns {(epoch, split): outputs by index}."""
    rng = np.random.default_rng(seed)
    log = disobey.RunLogger(root / name, name=name, role=role, teacher=teacher, epochs=epochs, fmt=fmt, values=values, key=key)
    written = {}
    for epoch in range(1, epochs + 1):
        for split, n in sizes.items():
            z = rng.normal(size=(n, 10)) * 3
            out = softmax(z) if values == "probs" else z
            order = np.arange(n)[::-1]
            keys = order if key == "index" else ["%s:%d" % (split, i) for i in order]
            log.log(epoch, out[order], keys, split=split)
            written[(epoch, split)] = out
    log.close()
    return written


def stored_by_split(db, run_id, epoch):
    """{split: probabilities in index order} of a stored run-epoch, through disobey.connect."""
    with disobey.connect(db) as con:
        ids, probs = con.probabilities(run_id, epoch, return_ids=True)
        examples = dict((i, (s, x)) for i, s, x in con._con.execute("SELECT id, split, idx FROM examples"))
    out = {}
    for example_id, row in zip(ids.tolist(), probs):
        split, idx = examples[example_id]
        out.setdefault(split, {})[idx] = row
    return {split: np.stack([rows[i] for i in sorted(rows)]) for split, rows in out.items()}


FORMATS = ["npy", "jsonl", pytest.param("parquet", marks=pytest.mark.skipif(
    __import__("importlib").util.find_spec("pyarrow") is None, reason="pyarrow is not installed: parquet is optional (pip install pyarrow)"))]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_teacher_and_a_student_round_trip_through_disobey_ingest(tmp_path, plain_db, fmt):
    sizes = {split: len(labels) for split, labels in dataset_labels(plain_db).items()}
    teacher = logged_run(tmp_path, "teacher", "teacher", fmt, "probs", 2, sizes, seed=1)
    student = logged_run(tmp_path, "student", "student", fmt, "logits", 2, sizes, seed=2, teacher="teacher")
    result = disobey_json("ingest", tmp_path, "--db", plain_db, "--dataset", 1, "--experiment-name", "python " + fmt)
    assert [(r["name"], r["role"], r["epochs"], r["splits"]) for r in result["runs"]] == [("student", "student", 2, ["train", "test"]), ("teacher", "teacher", 2, ["train", "test"])]
    ids = {r["name"]: r["id"] for r in result["runs"]}
    for epoch in (1, 2):
        got_t = stored_by_split(plain_db, ids["teacher"], epoch)
        got_s = stored_by_split(plain_db, ids["student"], epoch)
        for split in sizes:
            # probabilities as logged (float32, renormalised within float32 rounding); logits as their softmax
            np.testing.assert_allclose(got_t[split], teacher[(epoch, split)], atol=2e-7)
            np.testing.assert_allclose(got_s[split], softmax(student[(epoch, split)]), atol=2e-7)
    with disobey.connect(plain_db) as con:
        runs = con.runs(result["experimentId"])
    assert runs.set_index("name").loc["student", "teacher_run_id"] == ids["teacher"]
    assert set(runs["backend"]) == {"external"} and set(runs["status"]) == {"done"}


def test_split_index_keys_round_trip_through_ingest(tmp_path, plain_db):
    sizes = {split: len(labels) for split, labels in dataset_labels(plain_db).items()}
    teacher = logged_run(tmp_path, "t", "teacher", "jsonl", "probs", 1, sizes, seed=5, key="index")
    split_keys = disobey.RunLogger(tmp_path / "s", name="s", role="student", epochs=1, fmt="npy", values="probs")
    rng = np.random.default_rng(6)
    expected = {}
    for split, n in sizes.items():
        p = softmax(rng.normal(size=(n, 10)))
        split_keys.log(1, p, ["%s:%d" % (split, i) for i in range(n)], split=split)
        expected[split] = p
    split_keys.close()
    # key "id": the app's example ids, all splits in one call
    import sqlite3
    con = sqlite3.connect(plain_db)
    example_ids = [r[0] for r in con.execute("SELECT id FROM examples WHERE dataset_id = 1 ORDER BY id DESC")]
    con.close()
    by_id = softmax(rng.normal(size=(len(example_ids), 10)))
    with disobey.RunLogger(tmp_path / "u", name="u", role="student", epochs=1, key="id") as id_keys:
        id_keys.log(1, by_id, example_ids)
    result = disobey_json("ingest", tmp_path, "--db", plain_db, "--dataset", 1)
    ids = {r["name"]: r["id"] for r in result["runs"]}
    got = stored_by_split(plain_db, ids["s"], 1)
    for split in sizes:
        np.testing.assert_allclose(got[split], expected[split], atol=2e-7)
        np.testing.assert_allclose(stored_by_split(plain_db, ids["t"], 1)[split], teacher[(1, split)], atol=2e-7)
    with disobey.connect(plain_db) as db:
        stored_ids, stored = db.probabilities(ids["u"], 1, return_ids=True)
    np.testing.assert_array_equal(stored_ids, example_ids[::-1])
    np.testing.assert_allclose(stored, by_id[::-1], atol=2e-7)
