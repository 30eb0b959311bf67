-- 005: a run-epoch's probability matrix is stored in chunks of consecutive example ids.
-- One BLOB per run-epoch reached 40 MB at a million examples: reading one example's history
-- loaded every epoch's whole matrix (SQLite reads a BLOB whole, substr included), and
-- 1M × 250 classes would pass SQLite's 1 GB value limit. Chunks of ~8 KB keep both small;
-- readers concatenate a run-epoch's chunks in `chunk` order. Rows written before this
-- migration become chunk 0 with an unknown id range (NULL), which readers treat as "all".

CREATE TABLE prediction_matrix_chunks (
  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch       INTEGER NOT NULL,
  chunk       INTEGER NOT NULL,                -- 0, 1, … in ascending example id
  num_classes INTEGER NOT NULL,
  first_id    INTEGER,                         -- the chunk's smallest and largest example id
  last_id     INTEGER,
  example_ids BLOB    NOT NULL,                -- Int32Array (little-endian), ascending example ids
  probs       BLOB    NOT NULL,                -- Float32Array (little-endian), row i = example_ids[i], num_classes wide
  PRIMARY KEY (run_id, epoch, chunk)
);

INSERT INTO prediction_matrix_chunks (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs)
  SELECT run_id, epoch, 0, num_classes, NULL, NULL, example_ids, probs FROM prediction_matrices;
DROP TABLE prediction_matrices;
ALTER TABLE prediction_matrix_chunks RENAME TO prediction_matrices;

-- One example's history: per run-epoch, the chunk whose range holds the id.
CREATE INDEX prediction_matrices_range ON prediction_matrices (run_id, epoch, first_id);
