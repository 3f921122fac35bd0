-- The emulator's reproducible ids (issue 16): an org created with an id_seed draws its random
-- values (rev org ids, token ids, webhook secrets and challenges) from a generator of that seed
-- and a counter in id_counters, so two orgs of one seed given the same requests answer alike.
ALTER TABLE dev_orgs ADD COLUMN id_seed TEXT;
