-- Fault plans of the emulator (/_revdir/faults.set): an org's rules in order, each with the
-- number of requests it has matched. Kept with the org so every node applies the same plan
-- and a restart keeps it; `seen` is bumped by one UPDATE per request, which makes the count
-- exact across concurrent requests and nodes.
CREATE TABLE fault_rules (
    dev_org_id    TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    operation     TEXT NOT NULL,
    token_jti     TEXT,
    after_n       BIGINT NOT NULL,
    count_n       BIGINT,
    status        BIGINT,
    error_type    TEXT,
    message       TEXT,
    retry_after   BIGINT,
    reference_id  TEXT,
    latency_ms    BIGINT NOT NULL,
    seen          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dev_org_id, position)
);
CREATE INDEX fault_rules_by_operation ON fault_rules (dev_org_id, operation);
