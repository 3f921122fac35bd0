-- A contact's memberships (§7 associations): 0..n accounts and rev orgs. Its rev_org_id, the
-- workspace its `rev_org` summary shows, is always one of its rev-org associations.
CREATE TABLE rev_user_associations (
    dev_org_id  TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    PRIMARY KEY (dev_org_id, user_id, target_kind, target_id)
);
CREATE INDEX rev_user_associations_target ON rev_user_associations (dev_org_id, target_kind, target_id, user_id);

INSERT INTO rev_user_associations (dev_org_id, user_id, target_kind, target_id)
SELECT u.dev_org_id, u.id, 'revo', u.rev_org_id
FROM users u WHERE u.kind = 'revu' AND u.rev_org_id IS NOT NULL;

INSERT INTO rev_user_associations (dev_org_id, user_id, target_kind, target_id)
SELECT DISTINCT u.dev_org_id, u.id, 'account', CAST(r.account_id AS TEXT)
FROM users u JOIN rev_orgs r ON r.dev_org_id = u.dev_org_id AND r.id = u.rev_org_id
WHERE u.kind = 'revu';

-- Background jobs (merges, personal-data export and erasure), claimed under a lease and a
-- fence like webhook deliveries. The payload names objects by local id, never by email.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dev_org_id   TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     INTEGER NOT NULL,
    token_id     TEXT,
    request_id   TEXT,
    origin       TEXT,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    fence        INTEGER NOT NULL DEFAULT 0,
    run_at       INTEGER NOT NULL,
    lease_until  INTEGER,
    lease_owner  TEXT,
    result       TEXT,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_of ON jobs (dev_org_id, id);
