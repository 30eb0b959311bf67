-- 009: image datasets stored by reference (issue 21). The original files stay where they are:
-- the dataset keeps its root folder, each example its file's relative path, size and SHA-256,
-- and a small thumbnail for the grid. The training tensor (train_size², centred crop) is the
-- example's ordinary `pixels` BLOB, so training and mechanism datasets read it unchanged;
-- train_size 0 stores none. A dataset without a row here stores its pixels (the `pixels` store).

CREATE TABLE dataset_image_sources (
  dataset_id     INTEGER PRIMARY KEY REFERENCES datasets (id) ON DELETE CASCADE,
  root           TEXT    NOT NULL,             -- absolute folder the relative paths start from (relocatable)
  train_size     INTEGER NOT NULL CHECK (train_size >= 0), -- side of the stored training tensor; 0: none
  thumbnail_type TEXT    NOT NULL              -- MIME type of every thumbnail, image/webp
);

CREATE TABLE example_files (
  example_id INTEGER PRIMARY KEY REFERENCES examples (id) ON DELETE CASCADE,
  path       TEXT    NOT NULL,                 -- relative to the root, '/'-separated
  width      INTEGER NOT NULL,                 -- the original's size after EXIF orientation
  height     INTEGER NOT NULL,
  bytes      INTEGER NOT NULL,                 -- the file's size
  sha256     BLOB    NOT NULL,                 -- the file's SHA-256 (32 bytes), checked before it is served
  thumbnail  BLOB    NOT NULL                  -- at most 128 px on the long side
);
