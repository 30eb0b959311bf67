-- 003: curated set members by example. Deleting a dataset deletes its examples, and each
-- deleted example must find its set memberships (ON DELETE CASCADE); without this index every
-- one of them scanned the whole members table. It also answers "which sets hold this example".

CREATE INDEX curated_set_members_by_example ON curated_set_members (example_id);
