-- Emulator snapshots (issue 16): an org's saved states. Each snapshotted table `t` has a mirror
-- `snap_t` with t's columns (generated ones left out) plus the snapshot's id, and no keys or
-- constraints of its own: a snapshot is `INSERT INTO snap_t SELECT $id, <cols> FROM t WHERE
-- dev_org_id = $org`, a restore the reverse (revdir-store/src/sql/snapshots.rs). The list of
-- tables lives in revdir-store/src/snapshot_tables.rs; a test fails when a table holding org
-- data has no mirror, or a mirror lacks one of its table's columns.

CREATE TABLE snapshots (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    dev_org_id TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- Rows saved over every mirror, for the answer of snapshots.list.
    row_count  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (dev_org_id, name)
);

-- Snapshots and restores select and delete by org in every table; this is the one table
-- whose keys do not lead with dev_org_id.
CREATE INDEX webhook_attempts_org ON webhook_attempts (dev_org_id);

CREATE TABLE snap_id_counters (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    kind        TEXT,
    value       INTEGER
);
CREATE INDEX snap_id_counters_of ON snap_id_counters (snapshot_id);

CREATE TABLE snap_users (
    snapshot_id             INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id              TEXT,
    kind                    TEXT,
    id                      INTEGER,
    display_name            TEXT,
    full_name               TEXT,
    email                   TEXT,
    email_lower             TEXT,
    phone_numbers           TEXT,
    state                   TEXT,
    description             TEXT,
    external_ref            TEXT,
    external_refs           TEXT,
    is_verified             BOOLEAN,
    rev_org_id              TEXT,
    created_by_kind         TEXT,
    created_by_id           INTEGER,
    created_date            INTEGER,
    modified_by_kind        TEXT,
    modified_by_id          INTEGER,
    modified_date           INTEGER,
    display_picture_id      INTEGER,
    artifact_ids            TEXT,
    reports_to_id           INTEGER,
    experience_start_date   INTEGER,
    job_history             TEXT,
    job_title               TEXT,
    primary_identity_id     INTEGER,
    custom_fields           TEXT,
    custom_schema_fragments TEXT,
    subtype                 TEXT
);
CREATE INDEX snap_users_of ON snap_users (snapshot_id);

CREATE TABLE snap_dev_user_identities (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id   TEXT,
    dev_user_id  INTEGER,
    issuer       TEXT,
    external_id  TEXT,
    display_name TEXT,
    is_verified  BOOLEAN
);
CREATE INDEX snap_dev_user_identities_of ON snap_dev_user_identities (snapshot_id);

CREATE TABLE snap_accounts (
    snapshot_id             INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id              TEXT,
    id                      INTEGER,
    display_name            TEXT,
    description             TEXT,
    domains                 TEXT,
    external_refs           TEXT,
    owned_by                TEXT,
    tier                    TEXT,
    websites                TEXT,
    created_by_kind         TEXT,
    created_by_id           INTEGER,
    created_date            INTEGER,
    modified_by_kind        TEXT,
    modified_by_id          INTEGER,
    modified_date           INTEGER,
    custom_fields           TEXT,
    custom_schema_fragments TEXT,
    subtype                 TEXT
);
CREATE INDEX snap_accounts_of ON snap_accounts (snapshot_id);

CREATE TABLE snap_rev_orgs (
    snapshot_id             INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id              TEXT,
    id                      TEXT,
    account_id              INTEGER,
    is_default              BOOLEAN,
    display_name            TEXT,
    description             TEXT,
    domain                  TEXT,
    external_ref            TEXT,
    tier                    TEXT,
    environment             TEXT,
    created_by_kind         TEXT,
    created_by_id           INTEGER,
    created_date            INTEGER,
    modified_by_kind        TEXT,
    modified_by_id          INTEGER,
    modified_date           INTEGER,
    custom_fields           TEXT,
    custom_schema_fragments TEXT,
    subtype                 TEXT
);
CREATE INDEX snap_rev_orgs_of ON snap_rev_orgs (snapshot_id);

CREATE TABLE snap_rev_user_associations (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    user_id     INTEGER,
    target_kind TEXT,
    target_id   TEXT
);
CREATE INDEX snap_rev_user_associations_of ON snap_rev_user_associations (snapshot_id);

CREATE TABLE snap_external_refs (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    namespace   TEXT,
    value       TEXT,
    object_id   TEXT
);
CREATE INDEX snap_external_refs_of ON snap_external_refs (snapshot_id);

CREATE TABLE snap_tags (
    snapshot_id      INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id       TEXT,
    id               INTEGER,
    name             TEXT,
    description      TEXT,
    allowed_values   TEXT,
    color            TEXT,
    created_by_kind  TEXT,
    created_by_id    INTEGER,
    created_date     INTEGER,
    modified_by_kind TEXT,
    modified_by_id   INTEGER,
    modified_date    INTEGER
);
CREATE INDEX snap_tags_of ON snap_tags (snapshot_id);

CREATE TABLE snap_tag_links (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    object_kind TEXT,
    object_id   TEXT,
    position    INTEGER,
    tag_id      INTEGER,
    value       TEXT
);
CREATE INDEX snap_tag_links_of ON snap_tag_links (snapshot_id);

CREATE TABLE snap_artifacts (
    snapshot_id       INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id        TEXT,
    id                INTEGER,
    file_name         TEXT,
    file_type         TEXT,
    configuration_set TEXT,
    parent_kind       TEXT,
    parent_id         TEXT,
    latest_version    INTEGER,
    current_version   INTEGER,
    created_by_kind   TEXT,
    created_by_id     INTEGER,
    created_date      INTEGER,
    modified_by_kind  TEXT,
    modified_by_id    INTEGER,
    modified_date     INTEGER
);
CREATE INDEX snap_artifacts_of ON snap_artifacts (snapshot_id);

CREATE TABLE snap_artifact_versions (
    snapshot_id      INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id       TEXT,
    artifact_id      INTEGER,
    version          INTEGER,
    size             INTEGER,
    content_type     TEXT,
    uploaded         BOOLEAN,
    blob_key         TEXT,
    created_date     INTEGER,
    modified_by_kind TEXT,
    modified_by_id   INTEGER
);
CREATE INDEX snap_artifact_versions_of ON snap_artifact_versions (snapshot_id);

CREATE TABLE snap_artifact_blobs (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    artifact_id INTEGER,
    version     INTEGER,
    bytes       BLOB
);
CREATE INDEX snap_artifact_blobs_of ON snap_artifact_blobs (snapshot_id);

CREATE TABLE snap_schema_fragments (
    snapshot_id          INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id           TEXT,
    id                   INTEGER,
    kind                 TEXT,
    leaf_type            TEXT,
    name                 TEXT,
    family               TEXT,
    old_id               INTEGER,
    new_id               INTEGER,
    is_deprecated        BOOLEAN,
    subtype_display_name TEXT,
    body                 TEXT,
    created_by_kind      TEXT,
    created_by_id        INTEGER,
    created_date         INTEGER,
    modified_by_kind     TEXT,
    modified_by_id       INTEGER,
    modified_date        INTEGER
);
CREATE INDEX snap_schema_fragments_of ON snap_schema_fragments (snapshot_id);

CREATE TABLE snap_auth_tokens (
    snapshot_id      INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    jti              TEXT,
    dev_org_id       TEXT,
    subject_kind     TEXT,
    subject_id       INTEGER,
    token_type       TEXT,
    issued_at        INTEGER,
    expires_at       INTEGER,
    revoked          BOOLEAN,
    subject_don      TEXT,
    client_id        TEXT,
    scopes           TEXT,
    token_hint       TEXT,
    created_by_kind  TEXT,
    created_by_id    INTEGER,
    modified_by_kind TEXT,
    modified_by_id   INTEGER,
    modified_date    INTEGER
);
CREATE INDEX snap_auth_tokens_of ON snap_auth_tokens (snapshot_id);

CREATE TABLE snap_changes (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    id          INTEGER,
    dev_org_id  TEXT,
    object_kind TEXT,
    object_id   TEXT,
    operation   TEXT,
    version     INTEGER,
    actor       TEXT,
    token_id    TEXT,
    request_id  TEXT,
    origin      TEXT,
    occurred_at INTEGER,
    fields      TEXT,
    object      TEXT,
    event_type  TEXT
);
CREATE INDEX snap_changes_of ON snap_changes (snapshot_id);

CREATE TABLE snap_object_versions (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    object_id   TEXT,
    version     INTEGER
);
CREATE INDEX snap_object_versions_of ON snap_object_versions (snapshot_id);

CREATE TABLE snap_webhooks (
    snapshot_id      INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id       TEXT,
    id               TEXT,
    url              TEXT,
    secret           TEXT,
    status           TEXT,
    event_types      TEXT,
    headers          TEXT,
    exclude_origins  TEXT,
    degraded_since   INTEGER,
    forced_failures  INTEGER,
    duplicate_sends  BOOLEAN,
    created_by_kind  TEXT,
    created_by_id    INTEGER,
    created_date     INTEGER,
    modified_by_kind TEXT,
    modified_by_id   INTEGER,
    modified_date    INTEGER
);
CREATE INDEX snap_webhooks_of ON snap_webhooks (snapshot_id);

CREATE TABLE snap_webhook_subscriptions (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    webhook_id  TEXT,
    event_type  TEXT
);
CREATE INDEX snap_webhook_subscriptions_of ON snap_webhook_subscriptions (snapshot_id);

CREATE TABLE snap_webhook_deliveries (
    snapshot_id     INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    id              INTEGER,
    dev_org_id      TEXT,
    webhook_id      TEXT,
    change_id       INTEGER,
    event_id        TEXT,
    event_type      TEXT,
    payload         TEXT,
    state           TEXT,
    attempts        INTEGER,
    fence           INTEGER,
    next_attempt_at INTEGER,
    lease_until     INTEGER,
    lease_owner     TEXT,
    last_error      TEXT,
    created_at      INTEGER,
    finished_at     INTEGER
);
CREATE INDEX snap_webhook_deliveries_of ON snap_webhook_deliveries (snapshot_id);

CREATE TABLE snap_webhook_attempts (
    snapshot_id     INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    delivery_id     INTEGER,
    attempt         INTEGER,
    dev_org_id      TEXT,
    started_at      INTEGER,
    duration_ms     INTEGER,
    request_headers TEXT,
    request_body    TEXT,
    status          INTEGER,
    response_body   TEXT,
    error_class     TEXT
);
CREATE INDEX snap_webhook_attempts_of ON snap_webhook_attempts (snapshot_id);

CREATE TABLE snap_jobs (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    id          INTEGER,
    dev_org_id  TEXT,
    kind        TEXT,
    payload     TEXT,
    actor_kind  TEXT,
    actor_id    INTEGER,
    token_id    TEXT,
    request_id  TEXT,
    origin      TEXT,
    state       TEXT,
    attempts    INTEGER,
    fence       INTEGER,
    run_at      INTEGER,
    lease_until INTEGER,
    lease_owner TEXT,
    result      TEXT,
    last_error  TEXT,
    created_at  INTEGER,
    finished_at INTEGER
);
CREATE INDEX snap_jobs_of ON snap_jobs (snapshot_id);
