-- 007: seed replicates. An experiment planned with `seeds` becomes one experiment per seed, all
-- sharing `series` (an opaque key); `seed` is the replicate's seed label (docs/findings.md). The
-- findings, the report and Compare aggregate over the experiments of one series. NULL for an
-- experiment planned without seeds.
ALTER TABLE experiments ADD COLUMN series TEXT;
ALTER TABLE experiments ADD COLUMN seed INTEGER;
CREATE INDEX experiments_by_series ON experiments (series) WHERE series IS NOT NULL;
