-- The emulator's per-org clock (issue 16): system, frozen at clock_at, or the system clock
-- plus clock_offset milliseconds; and a throwaway org's expiry, on its own clock.
ALTER TABLE dev_orgs ADD COLUMN clock_mode TEXT NOT NULL DEFAULT 'system';
ALTER TABLE dev_orgs ADD COLUMN clock_at BIGINT;
ALTER TABLE dev_orgs ADD COLUMN clock_offset BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dev_orgs ADD COLUMN expires_at BIGINT;
