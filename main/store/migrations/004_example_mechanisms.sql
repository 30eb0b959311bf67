-- 004: what each mechanism of a mechanism dataset's example shows (buildMechanismDataset,
-- SPEC.md paper 2): the class (NULL where the split removes it) and, for an image mechanism,
-- the source example drawn. Deleted with the example.

CREATE TABLE example_mechanisms (
  example_id INTEGER NOT NULL REFERENCES examples(id) ON DELETE CASCADE,
  mechanism TEXT NOT NULL,
  class INTEGER,
  source_example_id INTEGER,
  PRIMARY KEY (example_id, mechanism)
) WITHOUT ROWID;
