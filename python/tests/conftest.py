"""Shared fixtures: the app's own CLI (the built `bin/disobey.js` of this repository) as the oracle,
a small trained database, and a plain dataset to ingest runs into.

Tests that need the CLI are skipped, with the reason shown, where Node or the build is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import urllib.request

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYTHON_DIR = os.path.join(REPO, "python")
NODE = shutil.which("node")
CLI_JS = os.path.join(REPO, "bin", "disobey.js")
BUILT = os.path.isfile(os.path.join(REPO, "out", "main", "cli.js"))
SAMPLE = os.path.join(REPO, "resources", "sample", "fashion-mnist")

needs_cli = pytest.mark.skipif(not (NODE and BUILT), reason="the Disobey CLI is not built (npm run build) or node is missing")

# show() and findings() find the CLI through $DISOBEY_CLI, as a user without `disobey` on PATH would.
if NODE:
    os.environ.setdefault("DISOBEY_CLI", "%s %s" % (NODE, CLI_JS))

if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)


def disobey(*args, check=True):
    """Runs the CLI; returns the CompletedProcess (stdout, stderr as text)."""
    done = subprocess.run([NODE, CLI_JS, *[str(a) for a in args]], capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError("disobey %s failed (%d): %s" % (" ".join(map(str, args)), done.returncode, done.stderr))
    return done


def disobey_json(*args):
    return json.loads(disobey(*args, "--json").stdout)


TINY_EXPERIMENT = {
    "name": "tiny",
    "seeds": 2,
    "teacher": {"name": "teacher", "model": {"arch": "mlp", "hidden": [16]}, "optimizer": {"kind": "adam", "lr": 0.01}, "batchSize": 64, "epochs": 2, "seed": 1},
    "students": [
        {"name": "onehot", "model": {"arch": "mlp", "hidden": [8]}, "optimizer": {"kind": "adam", "lr": 0.01}, "batchSize": 64, "epochs": 2, "seed": 2,
         "phases": [{"from": 0, "loss": {"kind": "onehot"}}]},
        {"name": "kd", "model": {"arch": "mlp", "hidden": [8]}, "optimizer": {"kind": "adam", "lr": 0.01}, "batchSize": 64, "epochs": 2, "seed": 3,
         "phases": [{"from": 0, "loss": {"kind": "kd", "alpha": 1, "tau": 4, "tauSquared": True}}]},
    ],
}


@pytest.fixture(scope="session")
def trained_db(tmp_path_factory):
    """200 + 200 Fashion-MNIST sample images with 20% label noise; a teacher and two students, two epochs, two seed replicates (experiments 1, 2)."""
    if not (NODE and BUILT):
        pytest.skip("the Disobey CLI is not built (npm run build) or node is missing")
    folder = tmp_path_factory.mktemp("trained")
    db = str(folder / "trained.db")
    disobey("import", SAMPLE, "--db", db, "--subset", 200, "--noise", 0.2, "--name", "fm")
    spec = dict(TINY_EXPERIMENT, datasetId=1)
    (folder / "tiny.json").write_text(json.dumps(spec))
    disobey("train", str(folder / "tiny.json"), "--db", db)
    return db


@pytest.fixture(scope="session")
def plain_db(tmp_path_factory):
    """A database holding one dataset (100 train + 100 test sample images, 10 classes) to ingest runs into."""
    if not (NODE and BUILT):
        pytest.skip("the Disobey CLI is not built (npm run build) or node is missing")
    db = str(tmp_path_factory.mktemp("plain") / "plain.db")
    disobey("import", SAMPLE, "--db", db, "--subset", 100, "--name", "fm100")
    return db


def dataset_labels(db, dataset_id=1):
    """{split: training labels in index order} of a dataset, read with plain SQL."""
    import sqlite3
    con = sqlite3.connect(db)
    try:
        out = {}
        for split, idx, label in con.execute("SELECT split, idx, coalesce(noisy_label, label) FROM examples WHERE dataset_id = ? ORDER BY split, idx", (dataset_id,)):
            out.setdefault(split, []).append(label)
        return out
    finally:
        con.close()


class App:
    """The app's own answers over web mode's API: a `disobey serve` on a database."""

    def __init__(self, db):
        self.process = subprocess.Popen([NODE, CLI_JS, "serve", "--db", db, "--port", "0", "--no-sample"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in self.process.stdout:
            if line.startswith("open "):
                self.url = line.split()[1]
                break
        else:
            raise AssertionError("disobey serve did not start: %s" % self.process.stderr.read())
        self.base = self.url.split("/?token=")[0]
        self.token = self.url.split("token=")[1]

    def call(self, name, args=None):
        request = urllib.request.Request(self.base + "/api/call/" + name, data=json.dumps(args or {}).encode(), method="POST",
                                         headers={"content-type": "application/json", "x-disobey-token": self.token})
        with urllib.request.urlopen(request, timeout=120) as response:
            body = json.loads(response.read())
        return body["result"]

    def close(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture(scope="session")
def trained_app(trained_db):
    app = App(trained_db)
    yield app
    app.close()
