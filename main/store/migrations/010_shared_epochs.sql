-- 010: epochs a run took over from an earlier run of its experiment that trains identically up to
-- there (the same spec but for the loss phases, and the same loss in each of those epochs:
-- sharedPrefixEpochs in shared/experimentSpec.ts). Its recorded epochs 1 … shared_epochs are
-- copies of that run's, and it trained on from that run's checkpoint after them. NULL and 0: the
-- run trained every epoch itself.
ALTER TABLE runs ADD COLUMN shared_from_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN shared_epochs INTEGER NOT NULL DEFAULT 0;
