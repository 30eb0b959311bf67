-- 001: datasets, examples, experiments, runs, per-epoch metrics, per-example predictions,
-- curated sets. Documented table by table in docs/database.md.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,                    -- app bookkeeping, e.g. sample_dataset_loaded
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE datasets (
  id           INTEGER PRIMARY KEY,
  name         TEXT    NOT NULL UNIQUE,
  kind         TEXT    NOT NULL CHECK (kind IN ('image', 'text')),
  format       TEXT    NOT NULL CHECK (format IN ('idx', 'folder', 'csv', 'jsonl')),
  source       TEXT    NOT NULL,
  class_names  TEXT    NOT NULL,               -- JSON array of strings; label i is class_names[i]
  class_groups TEXT    NOT NULL DEFAULT '[]',  -- JSON array of arrays of class indices (confusable groups)
  height       INTEGER,                        -- image datasets: every example shares one shape
  width        INTEGER,
  channels     INTEGER CHECK (channels IN (1, 3)),
  options      TEXT    NOT NULL DEFAULT '{}',  -- JSON: the import options (subset, classes, noise, seed)
  created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE examples (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset_id  INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  split       TEXT    NOT NULL,
  idx         INTEGER NOT NULL,                -- position within its split, 0-based
  label       INTEGER NOT NULL,                -- the clean (ground-truth) label
  noisy_label INTEGER,                         -- the training label where label noise flipped it, else NULL
  grp         INTEGER,                         -- optional group id from the source
  source_ref  TEXT,                            -- file path or file:row it came from
  text        TEXT,                            -- text datasets: UTF-8
  pixels      BLOB,                            -- image datasets: uint8, height x width x channels, row-major
  UNIQUE (dataset_id, split, idx)
);
-- Pages list examples in id order (the import order: train, then test, then other splits, each by idx).
-- Every index ends in the rowid, so each filter combination reads its rows already in that order.
CREATE INDEX examples_by_dataset ON examples (dataset_id);
CREATE INDEX examples_by_split ON examples (dataset_id, split);
CREATE INDEX examples_by_label ON examples (dataset_id, label);
CREATE INDEX examples_by_split_label ON examples (dataset_id, split, label);
CREATE INDEX examples_by_noisy ON examples (dataset_id, split, noisy_label) WHERE noisy_label IS NOT NULL;

CREATE TABLE experiments (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  name        TEXT    NOT NULL,
  spec        TEXT    NOT NULL,                -- JSON: the experiment as submitted (validated by the contract)
  created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE runs (
  id             INTEGER PRIMARY KEY,
  experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  role           TEXT    NOT NULL CHECK (role IN ('teacher', 'student')),
  name           TEXT    NOT NULL,
  teacher_run_id INTEGER REFERENCES runs (id),
  spec           TEXT    NOT NULL,             -- JSON: model, loss schedule, optimiser, epochs, seed
  status         TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'done', 'interrupted', 'failed', 'cancelled')),
  backend        TEXT,                         -- tfjs backend that trained it
  epochs_done    INTEGER NOT NULL DEFAULT 0,
  seconds        REAL    NOT NULL DEFAULT 0,
  error          TEXT,
  owner_pid      INTEGER,                      -- process training it while status = 'running'; a dead owner means interrupted
  preprocessing  TEXT,                         -- JSON: normalisation / vocabulary built from the train split
  checkpoint     BLOB,                         -- weights and optimiser state after epochs_done epochs
  created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at    TEXT
);
CREATE INDEX runs_by_experiment ON runs (experiment_id);

CREATE TABLE epoch_metrics (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch    INTEGER NOT NULL,                   -- 1-based: metrics after this many epochs
  split    TEXT    NOT NULL,
  loss     REAL    NOT NULL,
  accuracy REAL    NOT NULL,
  seconds  REAL,                               -- wall time of the epoch (train split row only)
  PRIMARY KEY (run_id, epoch, split)
) WITHOUT ROWID;

CREATE TABLE predictions (
  run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch      INTEGER NOT NULL,
  example_id INTEGER NOT NULL REFERENCES examples (id) ON DELETE CASCADE,
  probs      BLOB    NOT NULL,                 -- Float32Array (little-endian) of the C class probabilities
  p_label    REAL    NOT NULL,                 -- probability of the training label
  p_top      REAL    NOT NULL,                 -- probability of the top class
  top_class  INTEGER NOT NULL,
  margin     REAL    NOT NULL,                 -- p_top minus the second-highest probability
  entropy    REAL    NOT NULL,                 -- natural-log entropy of probs
  loss       REAL    NOT NULL,                 -- cross-entropy against the training label
  PRIMARY KEY (run_id, epoch, example_id)
) WITHOUT ROWID;
CREATE INDEX predictions_by_example ON predictions (example_id, run_id, epoch);

CREATE TABLE curated_sets (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  name        TEXT    NOT NULL UNIQUE,
  description TEXT    NOT NULL DEFAULT '',
  created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE curated_set_members (
  set_id     INTEGER NOT NULL REFERENCES curated_sets (id) ON DELETE CASCADE,
  example_id INTEGER NOT NULL REFERENCES examples (id) ON DELETE CASCADE,
  note       TEXT    NOT NULL DEFAULT '',
  added_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (set_id, example_id)
) WITHOUT ROWID;
