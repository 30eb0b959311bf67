-- 006: a run ingested with top-k storage keeps, per example, only its k largest probabilities
-- and the probability of its training label (docs/ingest.md, "Many classes"): a chunk with
-- top_k set holds k values per row in `probs`, their classes in `top_classes`, and the label's
-- class and probability in `label_classes` / `label_probs`. Dense chunks leave the four NULL.

ALTER TABLE prediction_matrices ADD COLUMN top_k INTEGER;
ALTER TABLE prediction_matrices ADD COLUMN top_classes BLOB;    -- Int32Array, row i's k classes
ALTER TABLE prediction_matrices ADD COLUMN label_classes BLOB;  -- Int32Array, row i's training label
ALTER TABLE prediction_matrices ADD COLUMN label_probs BLOB;    -- Float32Array, row i's p(label)
