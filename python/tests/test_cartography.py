"""Formats people already have: Dataset Cartography's training dynamics, and runs that logged only
the training split. Both ingest, and every analysis then covers the splits that exist and says so."""
import json
import re
import sqlite3

import numpy as np
import pandas as pd
import pytest

import disobey
from conftest import dataset_labels, disobey as run_cli, disobey_json, needs_cli
from test_reader import assert_same_table, report_csv

pytestmark = needs_cli


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def write_dynamics(folder, train_labels, epochs, seed, gold_offset=0, rows=None):
    """dynamics_epoch_<E>.jsonl (E from 0) as cartography's log_training_dynamics writes them: guid, logits_epoch_<E>, gold."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    logits = []
    for e in range(epochs):
        z = rng.normal(size=(len(train_labels), 10)) * 2
        order = rng.permutation(len(train_labels)) if rows is None else rows
        with open(folder / ("dynamics_epoch_%d.jsonl" % e), "w") as f:
            for i in order:
                f.write(json.dumps({"guid": int(i), "logits_epoch_%d" % e: z[i].tolist(), "gold": int(train_labels[i]) + gold_offset}) + "\n")
        logits.append(z)
    return logits


def counts(db):
    con = sqlite3.connect(db)
    try:
        return [con.execute("SELECT count(*) FROM %s" % t).fetchone()[0] for t in ("experiments", "runs", "prediction_matrices", "epoch_metrics")]
    finally:
        con.close()


def test_a_bare_training_dynamics_folder_ingests_as_one_train_only_run(plain_db, tmp_path):
    train = dataset_labels(plain_db)["train"]
    logits = write_dynamics(tmp_path / "roberta" / "training_dynamics", train, epochs=3, seed=1)
    result = disobey_json("ingest", tmp_path / "roberta", "--db", plain_db, "--dataset", 1)
    [run] = result["runs"]
    assert (run["name"], run["role"], run["epochs"], run["splits"]) == ("roberta", "teacher", 3, ["train"])
    assert any("Dataset Cartography training dynamics without a run.json, read as one teacher run \"roberta\" of 3 epochs" in n for n in result["notes"])
    assert any('"roberta" recorded only the split train, not test' in n for n in result["notes"])
    with disobey.connect(plain_db) as db:
        for e in range(3):
            np.testing.assert_allclose(db.probabilities(run["id"], e + 1, split="train"), softmax(logits[e]), atol=2e-7)
            assert db.probabilities(run["id"], e + 1, split="test").shape == (0, 10)
        runs = db.runs(result["experimentId"])
    assert runs.loc[0, "splits"] == ["train"] and runs.loc[0, "spec"]["external"]["splits"] == ["train"]
    assert pd.isna(runs.loc[0, "test_accuracy"]) and runs.loc[0, "train_accuracy"] >= 0


def test_cartography_runs_with_run_json_distil_and_every_analysis_covers_train_only(plain_db, tmp_path):
    train = dataset_labels(plain_db)["train"]
    for name, role, seed in (("teacher", "teacher", 2), ("student", "student", 3)):
        write_dynamics(tmp_path / name, train, epochs=2, seed=seed)
        manifest = {"name": name, "role": role, "epochs": 2, "key": "index", "split": "train"}
        (tmp_path / name / "run.json").write_text(json.dumps(manifest))
    result = disobey_json("ingest", tmp_path, "--db", plain_db, "--dataset", 1, "--experiment-name", "cartography")
    experiment = result["experimentId"]
    assert [(r["name"], r["splits"]) for r in result["runs"]] == [("student", ["train"]), ("teacher", ["train"])]

    report = disobey_json("report", "--db", plain_db, "--experiment", experiment, "--bootstrap", 0)
    assert [s["split"] for s in report["students"][0]["splits"]] == ["train"]
    assert report["notes"] == ["teacher and student recorded predictions for the split train only (no test): the numbers cover the splits both runs of a pair recorded"]
    text = run_cli("report", "--db", plain_db, "--experiment", experiment, "--bootstrap", 0).stdout
    assert "Note: teacher and student recorded predictions for the split train only (no test)" in text

    findings = disobey_json("findings", "--db", plain_db, "--experiment", experiment, "--bootstrap", 0)
    assert {"kind": "splits", "experimentId": experiment, "runId": None, "message": report["notes"][0]} in findings["diagnostics"]

    app = report_csv(plain_db, tmp_path / "train-only.csv", "--experiment", experiment)
    assert set(app["split"]) == {"train"} and len(app) == len(train)
    with disobey.connect(plain_db) as db:
        assert_same_table(db.per_example(experiment), app)


@pytest.mark.parametrize("break_it, message", [
    (lambda d: (d / "dynamics_epoch_1.jsonl").write_text((d / "dynamics_epoch_1.jsonl").read_text().replace('"gold": ', '"gold": 1', 1)),
     r"dynamics_epoch_1\.jsonl, row 1: gold label 1\d is not the label of example \d+ \(train\) \(\d\): do the guids name examples by their index in split train\?"),
    (lambda d: (d / "dynamics_epoch_0.jsonl").write_text((d / "dynamics_epoch_0.jsonl").read_text().replace("logits_epoch_0", "logits_epoch_1", 1)),
     r"dynamics_epoch_0\.jsonl, row 1: \"logits_epoch_0\" must be an array of numbers, the logits of this file's epoch 0"),
    (lambda d: (d / "dynamics_epoch_1.jsonl").unlink(), r"no predictions file for epoch 2 \(expected dynamics_epoch_1\.jsonl"),
    (lambda d: (d / "dynamics_epoch_0.jsonl").write_text("\n".join((d / "dynamics_epoch_0.jsonl").read_text().splitlines()[:-3]) + "\n"),
     r"3 of the 100 examples of split train have no prediction this epoch, first example \d+ \(train\); a run records every example of each split it records"),
])
def test_bad_cartography_files_are_refused_by_file_and_row_writing_nothing(plain_db, tmp_path, break_it, message):
    train = dataset_labels(plain_db)["train"]
    folder = tmp_path / "model" / "training_dynamics"
    write_dynamics(folder, train, epochs=2, seed=4)
    (tmp_path / "model" / "run.json").write_text(json.dumps({"name": "m", "role": "teacher", "epochs": 2, "key": "index", "split": "train"}))
    break_it(folder)
    before = counts(plain_db)
    done = run_cli("ingest", tmp_path / "model", "--db", plain_db, "--dataset", 1, check=False)
    assert done.returncode == 1
    assert re.search(message, done.stderr), done.stderr
    assert counts(plain_db) == before


def test_a_train_only_run_logged_in_python_ingests_and_a_split_half_logged_is_refused(plain_db, tmp_path):
    labels = dataset_labels(plain_db)
    rng = np.random.default_rng(7)
    for name, role in (("t", "teacher"), ("s", "student")):
        with disobey.RunLogger(tmp_path / "ok" / name, name=name, role=role, epochs=2, split="train") as log:
            for epoch in (1, 2):
                log.log(epoch, softmax(rng.normal(size=(len(labels["train"]), 10))), range(len(labels["train"])))
    result = disobey_json("ingest", tmp_path / "ok", "--db", plain_db, "--dataset", 1)
    assert [r["splits"] for r in result["runs"]] == [["train"], ["train"]]
    report = disobey_json("report", "--db", plain_db, "--experiment", result["experimentId"], "--bootstrap", 0)
    assert [s["split"] for s in report["students"][0]["splits"]] == ["train"] and report["students"][0]["splits"][0]["n"] == len(labels["train"])

    half = disobey.RunLogger(tmp_path / "half" / "t", name="t", role="teacher", epochs=1)
    half.log(1, softmax(rng.normal(size=(len(labels["train"]), 10))), range(len(labels["train"])), split="train")
    half.log(1, softmax(rng.normal(size=(10, 10))), range(10), split="test")
    before = counts(plain_db)
    done = run_cli("ingest", tmp_path / "half", "--db", plain_db, "--dataset", 1, check=False)
    assert done.returncode == 1 and "90 of the 100 examples of split test have no prediction this epoch" in done.stderr
    assert counts(plain_db) == before


def test_a_closed_logger_declares_its_splits_so_a_lost_file_is_refused_not_read_as_train_only(plain_db, tmp_path):
    labels = dataset_labels(plain_db)
    rng = np.random.default_rng(8)
    with disobey.RunLogger(tmp_path / "t", name="t", role="teacher", epochs=2) as log:
        for epoch in (1, 2):
            for split in ("train", "test"):
                log.log(epoch, softmax(rng.normal(size=(len(labels[split]), 10))), range(len(labels[split])), split=split)
    assert json.loads((tmp_path / "t" / "run.json").read_text())["splits"] == ["test", "train"]
    (tmp_path / "t" / "epoch-2.test.npy").unlink()
    (tmp_path / "t" / "epoch-2.test.index.csv").unlink()
    before = counts(plain_db)
    done = run_cli("ingest", tmp_path / "t", "--db", plain_db, "--dataset", 1, check=False)
    assert done.returncode == 1 and "epoch 2 records split train where run.json's splits say test, train" in done.stderr, done.stderr
    assert counts(plain_db) == before
