"""disobey.connect reads a trained database and gives the app's own answers: the report's per-example
CSV, the runs and datasets the CLI lists, and the detail panel's trajectories."""
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

import disobey
from disobey._matrices import read_matrix
from conftest import disobey as run_cli, disobey_json, needs_cli

pytestmark = needs_cli

INTEGER_COLUMNS = ["student_run_id", "example_id", "idx", "label", "train_label", "k", "teacher_correct", "student_correct"]


def report_csv(db, path, *args):
    run_cli("report", "--db", db, "--bootstrap", 0, "--examples", path, *args)
    return pd.read_csv(path, float_precision="round_trip", keep_default_na=False, na_values=[""])


def assert_same_table(ours, app):
    """Same columns in the same order, integer columns and splits exactly, measures to 1e-12 (the logarithm's last bit may differ)."""
    assert list(ours.columns) == list(app.columns)
    assert len(ours) == len(app) and len(app) > 0
    for column in INTEGER_COLUMNS:
        np.testing.assert_array_equal(ours[column].to_numpy(np.int64), app[column].to_numpy(np.int64), err_msg=column)
    assert (ours["split"].to_numpy() == app["split"].to_numpy()).all()
    for column in app.columns:
        if column in INTEGER_COLUMNS or column == "split":
            continue
        a, b = ours[column].to_numpy(np.float64), app[column].to_numpy(np.float64)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=column + ": empty cells differ")
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-12, atol=1e-12, err_msg=column)


def test_per_example_equals_the_report_csv_of_every_student(trained_db, tmp_path):
    app = report_csv(trained_db, tmp_path / "all.csv", "--experiment", 1)
    with disobey.connect(trained_db) as db:
        ours = db.per_example(1)
    assert_same_table(ours, app)
    # the seed replicate's students count in misfitSeeds: some example is misfit by both seeds
    assert ours["misfitSeeds"].max() == 2


def test_per_example_with_a_split_an_epoch_a_student_and_the_label_class_equals_the_report_csv(trained_db, tmp_path):
    app = report_csv(trained_db, tmp_path / "some.csv", "--experiment", 2, "--split", "test", "--epoch", 1, "--class", "label")
    with disobey.connect(trained_db) as db:
        ours = db.per_example(2, split="test", epoch=1, class_choice="label")
        one = db.per_example(2, student_run_id=6, split="test", epoch=1, class_choice="label")
    assert_same_table(ours, app)
    assert_same_table(one, app[app["student_run_id"] == 6].reset_index(drop=True))
    assert (ours["k"] == ours["train_label"]).all()


def test_tables_match_what_the_cli_lists(trained_db):
    with disobey.connect(trained_db) as db:
        datasets, experiments, runs = db.datasets(), db.experiments(), db.runs()
        one = db.runs(1)
    app_datasets = disobey_json("datasets", "--db", trained_db)
    assert datasets["name"].tolist() == [d["name"] for d in app_datasets]
    assert datasets.loc[0, "class_names"] == app_datasets[0]["classNames"]
    assert datasets.loc[0, "splits"] == {s["split"]: s["count"] for s in app_datasets[0]["splits"]}
    app_runs = disobey_json("runs", "--db", trained_db)
    assert runs["id"].tolist() == [r["id"] for r in app_runs]
    for column, key in [("name", "name"), ("role", "role"), ("teacher_run_id", "teacherRunId"), ("epochs_done", "epochsDone"), ("status", "status")]:
        assert [None if pd.isna(v) else v for v in runs[column]] == [r[key] for r in app_runs], column
    np.testing.assert_allclose(runs["test_accuracy"], [r["testAccuracy"] for r in app_runs])
    assert experiments["id"].tolist() == [1, 2] and experiments["seed"].tolist() == [1, 2] and experiments["runs"].tolist() == [3, 3]
    assert one["id"].tolist() == [1, 2, 3] and one.loc[0, "splits"] == ["train", "test"]


def test_trajectory_and_probabilities_equal_the_apps_detail_panel(trained_db, trained_app):
    with disobey.connect(trained_db) as db:
        for example_id in (1, 57, 399):
            ours = db.trajectory(example_id, experiment_id=1)
            app = trained_app.call("exampleTrajectory", {"experimentId": 1, "exampleId": example_id})
            assert ours.attrs["label"] == app["label"] and ours.attrs["train_label"] == app["trainLabel"]
            assert ours.attrs["class_names"] == app["classNames"]
            for run in app["runs"]:
                rows = ours[ours["run_id"] == run["runId"]]
                assert rows["epoch"].tolist() == run["epochs"]
                np.testing.assert_array_equal(rows[["p_%d" % c for c in range(10)]].to_numpy(np.float64), np.array(run["probs"]))
                for epoch, probs in zip(run["epochs"], run["probs"]):
                    ids, matrix = db.probabilities(run["runId"], epoch, return_ids=True)
                    np.testing.assert_array_equal(matrix[np.searchsorted(ids, example_id)], np.float32(probs))
        everywhere = db.trajectory(57)
        assert sorted(set(everywhere["experiment_id"])) == [1, 2]
        test = db.probabilities(1, 2, split="test")
        assert test.shape == (200, 10) and test.dtype == np.float32


def test_findings_are_the_apps(trained_db):
    with disobey.connect(trained_db) as db:
        claims = db.findings(1, bootstrap=0)
    app = disobey_json("findings", "--db", trained_db, "--experiment", 1, "--bootstrap", 0)
    assert claims["id"].tolist() == [c["id"] for c in app["claims"]] and len(claims) == 8
    assert claims["status"].tolist() == [c["status"] for c in app["claims"]]
    assert claims["reason"].tolist() == [c["reason"] for c in app["claims"]]
    assert [None if pd.isna(v) else v for v in claims["statistic"]] == [c["statistic"] for c in app["claims"]]
    assert claims.attrs["answer"] == app["answer"] and claims.attrs["diagnostics"] == app["diagnostics"]


def test_findings_without_the_cli_say_how_to_get_it(trained_db, monkeypatch):
    monkeypatch.delenv("DISOBEY_CLI", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with disobey.connect(trained_db) as db, pytest.raises(RuntimeError, match=r"the Disobey app's CLI was not found: .*DISOBEY_CLI"):
        db.findings(1)


def test_bad_requests_are_refused_by_name(trained_db, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no Disobey database at .*missing\.db"):
        disobey.connect(tmp_path / "missing.db")
    newer = tmp_path / "newer.db"
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(RuntimeError, match=r"newer\.db was written by a newer Disobey \(schema 99"):
        disobey.connect(newer)
    with disobey.connect(trained_db) as db:
        with pytest.raises(LookupError, match=r"no experiment with id 42"):
            db.per_example(42)
        with pytest.raises(ValueError, match=r'split "valid" does not exist \(splits: train, test\)'):
            db.per_example(1, split="valid")
        with pytest.raises(ValueError, match=r"run 1 \(teacher\) is not a student with a teacher"):
            db.per_example(1, student_run_id=1)
        with pytest.raises(ValueError, match=r"student 2 \(onehot\) has 2 recorded epochs; epoch 3 is not one of them"):
            db.per_example(1, epoch=3)
        with pytest.raises(ValueError, match=r"run 2 \(onehot\) has recorded epochs 1\.\.2; epoch 5 is not one of them"):
            db.probabilities(2, 5)


def test_the_connection_is_read_only(trained_db):
    with disobey.connect(trained_db) as db:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db._con.execute("DELETE FROM runs")


def test_top_k_runs_are_completed_as_the_app_completes_them(plain_db, tmp_path):
    """A top-k run decoded here equals the app's completed rows (docs/ingest.md, "Many classes")."""
    con = sqlite3.connect(plain_db)
    rows = con.execute("SELECT id, coalesce(noisy_label, label) FROM examples WHERE dataset_id = 1 ORDER BY id").fetchall()
    con.close()
    rng = np.random.default_rng(3)
    root = tmp_path / "topk"
    (root / "t").mkdir(parents=True)
    (root / "t" / "run.json").write_text(json.dumps({"name": "top2", "role": "teacher", "epochs": 1, "topK": 2}))
    lines = []
    for example_id, label in rows:
        p = rng.dirichlet(np.ones(10))
        top = np.argsort(-p, kind="stable")[:2]
        lines.append(json.dumps({"example": example_id, "top_classes": top.tolist(), "top_probs": p[top].tolist(), "label_prob": float(p[label])}))
    (root / "t" / "epoch-1.jsonl").write_text("\n".join(lines) + "\n")
    result = disobey_json("ingest", root, "--db", plain_db, "--dataset", 1)
    run_id = result["runs"][0]["id"]
    with disobey.connect(plain_db) as db:
        ids, probs = db.probabilities(run_id, 1, return_ids=True)
        trajectory = db.trajectory(int(ids[5]), experiment_id=result["experimentId"])
    from conftest import App
    app = App(plain_db)
    try:
        for at in (0, 5, len(ids) - 1):
            answer = app.call("exampleTrajectory", {"experimentId": result["experimentId"], "exampleId": int(ids[at])})
            np.testing.assert_array_equal(probs[at], np.float32(answer["runs"][0]["probs"][0]))
    finally:
        app.close()
    np.testing.assert_array_equal(trajectory[["p_%d" % c for c in range(10)]].to_numpy(np.float32)[0], probs[5])


def test_a_database_without_matrices_is_read_from_its_predictions_rows(trained_db, tmp_path):
    """Databases from before prediction_matrices (docs/database.md) hold only per-example rows: the same numbers come back."""
    copy = tmp_path / "rows-only.db"
    con = sqlite3.connect(trained_db)
    con.execute("VACUUM INTO ?", (str(copy),))
    con.close()
    # Rewritten as a schema-7 file without matrices: a `predictions` row per example-epoch.
    con = sqlite3.connect(copy)
    con.execute("CREATE TABLE predictions (run_id INTEGER, epoch INTEGER, example_id INTEGER, probs BLOB, PRIMARY KEY (run_id, epoch, example_id))")
    for run_id, epoch in con.execute("SELECT DISTINCT run_id, epoch FROM prediction_matrices").fetchall():
        ids, probs = read_matrix(con, run_id, epoch)
        con.executemany("INSERT INTO predictions VALUES (?, ?, ?, ?)", [(run_id, epoch, int(i), p.astype("<f4").tobytes()) for i, p in zip(ids, probs)])
    con.execute("DELETE FROM prediction_matrices")
    con.commit()
    con.close()
    with disobey.connect(trained_db) as db, disobey.connect(copy) as rows_only:
        pd.testing.assert_frame_equal(rows_only.per_example(1, student_run_id=3), db.per_example(1, student_run_id=3))
        np.testing.assert_array_equal(rows_only.probabilities(3, 1, split="test"), db.probabilities(3, 1, split="test"))
        pd.testing.assert_frame_equal(rows_only.trajectory(12, experiment_id=1), db.trajectory(12, experiment_id=1))
