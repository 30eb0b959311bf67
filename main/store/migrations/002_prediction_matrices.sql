-- 002: one packed probability matrix per run and epoch, beside the per-example rows.
-- The analytics read a whole run-epoch at once; 70,000 separate BLOB rows cost ~200 ms to
-- decode, one 2.8 MB matrix about a millisecond. Documented in docs/database.md.

CREATE TABLE prediction_matrices (
  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch       INTEGER NOT NULL,
  num_classes INTEGER NOT NULL,
  example_ids BLOB    NOT NULL,                -- Int32Array (little-endian), ascending example ids
  probs       BLOB    NOT NULL,                -- Float32Array (little-endian), row i = example_ids[i], num_classes wide
  PRIMARY KEY (run_id, epoch)
);

-- The analytics read every example's split, index and labels in id order; this covering index
-- answers that without touching the rows' pixel BLOBs (~8× faster at 70,000 images).
CREATE INDEX examples_columns ON examples (dataset_id, id, split, idx, label, noisy_label);
