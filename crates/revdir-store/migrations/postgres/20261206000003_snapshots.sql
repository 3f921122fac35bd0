-- Emulator snapshots (issue 16): an org's saved states. Each snapshotted table `t` has a mirror
-- `snap_t` with t's columns (generated ones left out) plus the snapshot's id, and no keys or
-- constraints of its own: a snapshot is `INSERT INTO snap_t SELECT $id, <cols> FROM t WHERE
-- dev_org_id = $org`, a restore the reverse (revdir-store/src/sql/snapshots.rs). The list of
-- tables lives in revdir-store/src/snapshot_tables.rs; a test fails when a table holding org
-- data has no mirror, or a mirror lacks one of its table's columns.

CREATE TABLE snapshots (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dev_org_id TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Rows saved over every mirror, for the answer of snapshots.list.
    row_count  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (dev_org_id, name)
);

-- Snapshots and restores select and delete by org in every table; this is the one table
-- whose keys do not lead with dev_org_id.
CREATE INDEX webhook_attempts_org ON webhook_attempts (dev_org_id);

CREATE TABLE snap_id_counters (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    kind        TEXT,
    value       BIGINT
);
CREATE INDEX snap_id_counters_of ON snap_id_counters (snapshot_id);

CREATE TABLE snap_users (
    snapshot_id             BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id              TEXT,
    kind                    TEXT,
    id                      BIGINT,
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
    created_by_id           BIGINT,
    created_date            BIGINT,
    modified_by_kind        TEXT,
    modified_by_id          BIGINT,
    modified_date           BIGINT,
    display_picture_id      BIGINT,
    artifact_ids            TEXT,
    reports_to_id           BIGINT,
    experience_start_date   BIGINT,
    job_history             TEXT,
    job_title               TEXT,
    primary_identity_id     BIGINT,
    custom_fields           TEXT,
    custom_schema_fragments TEXT,
    subtype                 TEXT
);
CREATE INDEX snap_users_of ON snap_users (snapshot_id);

CREATE TABLE snap_dev_user_identities (
    snapshot_id  BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id   TEXT,
    dev_user_id  BIGINT,
    issuer       TEXT,
    external_id  TEXT,
    display_name TEXT,
    is_verified  BOOLEAN
);
CREATE INDEX snap_dev_user_identities_of ON snap_dev_user_identities (snapshot_id);

CREATE TABLE snap_accounts (
    snapshot_id             BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id              TEXT,
    id                      BIGINT,
    display_name            TEXT,
    description             TEXT,
    domains                 TEXT,
    external_refs           TEXT,
    owned_by                TEXT,
    tier                    TEXT,
    websites                TEXT,
    created_by_kind         TEXT,
    created_by_id           BIGINT,
    created_date            BIGINT,
    modified_by_kind        TEXT,
    modified_by_id          BIGINT,
    modified_date           BIGINT,
    custom_fields           TEXT,
    custom_schema_fragments TEXT,
    subtype                 TEXT
);
CREATE INDEX snap_accounts_of ON snap_accounts (snapshot_id);

CREATE TABLE snap_rev_orgs (
    snapshot_id             BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id              TEXT,
    id                      TEXT,
    account_id              BIGINT,
    is_default              BOOLEAN,
    display_name            TEXT,
    description             TEXT,
    domain                  TEXT,
    external_ref            TEXT,
    tier                    TEXT,
    environment             TEXT,
    created_by_kind         TEXT,
    created_by_id           BIGINT,
    created_date            BIGINT,
    modified_by_kind        TEXT,
    modified_by_id          BIGINT,
    modified_date           BIGINT,
    custom_fields           TEXT,
    custom_schema_fragments TEXT,
    subtype                 TEXT
);
CREATE INDEX snap_rev_orgs_of ON snap_rev_orgs (snapshot_id);

CREATE TABLE snap_rev_user_associations (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    user_id     BIGINT,
    target_kind TEXT,
    target_id   TEXT
);
CREATE INDEX snap_rev_user_associations_of ON snap_rev_user_associations (snapshot_id);

CREATE TABLE snap_external_refs (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    namespace   TEXT,
    value       TEXT,
    object_id   TEXT
);
CREATE INDEX snap_external_refs_of ON snap_external_refs (snapshot_id);

CREATE TABLE snap_tags (
    snapshot_id      BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id       TEXT,
    id               BIGINT,
    name             TEXT,
    description      TEXT,
    allowed_values   TEXT,
    color            TEXT,
    created_by_kind  TEXT,
    created_by_id    BIGINT,
    created_date     BIGINT,
    modified_by_kind TEXT,
    modified_by_id   BIGINT,
    modified_date    BIGINT
);
CREATE INDEX snap_tags_of ON snap_tags (snapshot_id);

CREATE TABLE snap_tag_links (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    object_kind TEXT,
    object_id   TEXT,
    position    BIGINT,
    tag_id      BIGINT,
    value       TEXT
);
CREATE INDEX snap_tag_links_of ON snap_tag_links (snapshot_id);

CREATE TABLE snap_artifacts (
    snapshot_id       BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id        TEXT,
    id                BIGINT,
    file_name         TEXT,
    file_type         TEXT,
    configuration_set TEXT,
    parent_kind       TEXT,
    parent_id         TEXT,
    latest_version    BIGINT,
    current_version   BIGINT,
    created_by_kind   TEXT,
    created_by_id     BIGINT,
    created_date      BIGINT,
    modified_by_kind  TEXT,
    modified_by_id    BIGINT,
    modified_date     BIGINT
);
CREATE INDEX snap_artifacts_of ON snap_artifacts (snapshot_id);

CREATE TABLE snap_artifact_versions (
    snapshot_id      BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id       TEXT,
    artifact_id      BIGINT,
    version          BIGINT,
    size             BIGINT,
    content_type     TEXT,
    uploaded         BOOLEAN,
    blob_key         TEXT,
    created_date     BIGINT,
    modified_by_kind TEXT,
    modified_by_id   BIGINT
);
CREATE INDEX snap_artifact_versions_of ON snap_artifact_versions (snapshot_id);

CREATE TABLE snap_artifact_blobs (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    artifact_id BIGINT,
    version     BIGINT,
    bytes       BYTEA
);
CREATE INDEX snap_artifact_blobs_of ON snap_artifact_blobs (snapshot_id);

CREATE TABLE snap_schema_fragments (
    snapshot_id          BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id           TEXT,
    id                   BIGINT,
    kind                 TEXT,
    leaf_type            TEXT,
    name                 TEXT,
    family               TEXT,
    old_id               BIGINT,
    new_id               BIGINT,
    is_deprecated        BOOLEAN,
    subtype_display_name TEXT,
    body                 TEXT,
    created_by_kind      TEXT,
    created_by_id        BIGINT,
    created_date         BIGINT,
    modified_by_kind     TEXT,
    modified_by_id       BIGINT,
    modified_date        BIGINT
);
CREATE INDEX snap_schema_fragments_of ON snap_schema_fragments (snapshot_id);

CREATE TABLE snap_auth_tokens (
    snapshot_id      BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    jti              TEXT,
    dev_org_id       TEXT,
    subject_kind     TEXT,
    subject_id       BIGINT,
    token_type       TEXT,
    issued_at        BIGINT,
    expires_at       BIGINT,
    revoked          BOOLEAN,
    subject_don      TEXT,
    client_id        TEXT,
    scopes           TEXT,
    token_hint       TEXT,
    created_by_kind  TEXT,
    created_by_id    BIGINT,
    modified_by_kind TEXT,
    modified_by_id   BIGINT,
    modified_date    BIGINT
);
CREATE INDEX snap_auth_tokens_of ON snap_auth_tokens (snapshot_id);

CREATE TABLE snap_changes (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    id          BIGINT,
    dev_org_id  TEXT,
    object_kind TEXT,
    object_id   TEXT,
    operation   TEXT,
    version     BIGINT,
    actor       TEXT,
    token_id    TEXT,
    request_id  TEXT,
    origin      TEXT,
    occurred_at BIGINT,
    fields      TEXT,
    object      TEXT,
    event_type  TEXT
);
CREATE INDEX snap_changes_of ON snap_changes (snapshot_id);

CREATE TABLE snap_object_versions (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    object_id   TEXT,
    version     BIGINT
);
CREATE INDEX snap_object_versions_of ON snap_object_versions (snapshot_id);

CREATE TABLE snap_webhooks (
    snapshot_id      BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id       TEXT,
    id               TEXT,
    url              TEXT,
    secret           TEXT,
    status           TEXT,
    event_types      TEXT,
    headers          TEXT,
    exclude_origins  TEXT,
    degraded_since   BIGINT,
    forced_failures  INTEGER,
    duplicate_sends  BOOLEAN,
    created_by_kind  TEXT,
    created_by_id    BIGINT,
    created_date     BIGINT,
    modified_by_kind TEXT,
    modified_by_id   BIGINT,
    modified_date    BIGINT
);
CREATE INDEX snap_webhooks_of ON snap_webhooks (snapshot_id);

CREATE TABLE snap_webhook_subscriptions (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    dev_org_id  TEXT,
    webhook_id  TEXT,
    event_type  TEXT
);
CREATE INDEX snap_webhook_subscriptions_of ON snap_webhook_subscriptions (snapshot_id);

CREATE TABLE snap_webhook_deliveries (
    snapshot_id     BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    id              BIGINT,
    dev_org_id      TEXT,
    webhook_id      TEXT,
    change_id       BIGINT,
    event_id        TEXT,
    event_type      TEXT,
    payload         TEXT,
    state           TEXT,
    attempts        INTEGER,
    fence           BIGINT,
    next_attempt_at BIGINT,
    lease_until     BIGINT,
    lease_owner     TEXT,
    last_error      TEXT,
    created_at      BIGINT,
    finished_at     BIGINT
);
CREATE INDEX snap_webhook_deliveries_of ON snap_webhook_deliveries (snapshot_id);

CREATE TABLE snap_webhook_attempts (
    snapshot_id     BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    delivery_id     BIGINT,
    attempt         INTEGER,
    dev_org_id      TEXT,
    started_at      BIGINT,
    duration_ms     BIGINT,
    request_headers TEXT,
    request_body    TEXT,
    status          INTEGER,
    response_body   TEXT,
    error_class     TEXT
);
CREATE INDEX snap_webhook_attempts_of ON snap_webhook_attempts (snapshot_id);

CREATE TABLE snap_jobs (
    snapshot_id BIGINT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    id          BIGINT,
    dev_org_id  TEXT,
    kind        TEXT,
    payload     TEXT,
    actor_kind  TEXT,
    actor_id    BIGINT,
    token_id    TEXT,
    request_id  TEXT,
    origin      TEXT,
    state       TEXT,
    attempts    BIGINT,
    fence       BIGINT,
    run_at      BIGINT,
    lease_until BIGINT,
    lease_owner TEXT,
    result      TEXT,
    last_error  TEXT,
    created_at  BIGINT,
    finished_at BIGINT
);
CREATE INDEX snap_jobs_of ON snap_jobs (snapshot_id);
