-- revdir initial schema. Every tenant table leads its keys with dev_org_id.
CREATE TABLE server_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE dev_orgs (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    slug         TEXT NOT NULL UNIQUE,
    created_date INTEGER NOT NULL
);

CREATE TABLE id_counters (
    dev_org_id TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    value      INTEGER NOT NULL,
    PRIMARY KEY (dev_org_id, kind)
);

CREATE TABLE rev_orgs (
    dev_org_id       TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    account_id       INTEGER NOT NULL,
    is_default       BOOLEAN NOT NULL,
    display_name     TEXT NOT NULL,
    description      TEXT,
    domain           TEXT,
    external_ref     TEXT,
    tier             TEXT,
    environment      TEXT,
    created_by_kind  TEXT,
    created_by_id    INTEGER,
    created_date     INTEGER NOT NULL,
    modified_by_kind TEXT,
    modified_by_id   INTEGER,
    modified_date    INTEGER NOT NULL,
    PRIMARY KEY (dev_org_id, id)
);
CREATE INDEX rev_orgs_account ON rev_orgs (dev_org_id, account_id);
CREATE INDEX rev_orgs_created ON rev_orgs (dev_org_id, created_date, id);

CREATE TABLE users (
    dev_org_id       TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    id               INTEGER NOT NULL,
    display_name     TEXT,
    full_name        TEXT,
    email            TEXT,
    email_lower      TEXT,
    phone_numbers    TEXT NOT NULL DEFAULT '[]',
    state            TEXT NOT NULL,
    description      TEXT,
    external_ref     TEXT,
    external_refs    TEXT NOT NULL DEFAULT '[]',
    is_verified      BOOLEAN NOT NULL DEFAULT FALSE,
    rev_org_id       TEXT,
    created_by_kind  TEXT,
    created_by_id    INTEGER,
    created_date     INTEGER NOT NULL,
    modified_by_kind TEXT,
    modified_by_id   INTEGER,
    modified_date    INTEGER NOT NULL,
    PRIMARY KEY (dev_org_id, kind, id)
);
CREATE INDEX users_email ON users (dev_org_id, kind, email_lower);
CREATE INDEX users_external_ref ON users (dev_org_id, kind, external_ref);
CREATE INDEX users_created ON users (dev_org_id, kind, created_date, id);
CREATE INDEX users_modified ON users (dev_org_id, kind, modified_date, id);
CREATE INDEX users_rev_org ON users (dev_org_id, rev_org_id);

-- One row per external ref value; the primary key makes each value unique per namespace.
CREATE TABLE external_refs (
    dev_org_id TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    namespace  TEXT NOT NULL,
    value      TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    PRIMARY KEY (dev_org_id, namespace, value)
);
CREATE INDEX external_refs_object ON external_refs (dev_org_id, namespace, object_id);

CREATE TABLE tags (
    dev_org_id       TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    id               INTEGER NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT,
    allowed_values   TEXT NOT NULL DEFAULT '[]',
    color            TEXT,
    created_by_kind  TEXT,
    created_by_id    INTEGER,
    created_date     INTEGER NOT NULL,
    modified_by_kind TEXT,
    modified_by_id   INTEGER,
    modified_date    INTEGER NOT NULL,
    PRIMARY KEY (dev_org_id, id),
    UNIQUE (dev_org_id, name)
);

CREATE TABLE tag_links (
    dev_org_id  TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    object_kind TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    position    INTEGER NOT NULL,
    tag_id      INTEGER NOT NULL,
    value       TEXT,
    PRIMARY KEY (dev_org_id, object_kind, object_id, tag_id)
);
CREATE INDEX tag_links_tag ON tag_links (dev_org_id, tag_id);

CREATE TABLE accounts (
    dev_org_id       TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    id               INTEGER NOT NULL,
    display_name     TEXT NOT NULL,
    description      TEXT,
    domains          TEXT NOT NULL DEFAULT '[]',
    external_refs    TEXT NOT NULL DEFAULT '[]',
    owned_by         TEXT NOT NULL DEFAULT '[]',
    tier             TEXT,
    websites         TEXT NOT NULL DEFAULT '[]',
    created_by_kind  TEXT,
    created_by_id    INTEGER,
    created_date     INTEGER NOT NULL,
    modified_by_kind TEXT,
    modified_by_id   INTEGER,
    modified_date    INTEGER NOT NULL,
    PRIMARY KEY (dev_org_id, id)
);
CREATE INDEX accounts_created ON accounts (dev_org_id, created_date, id);

CREATE TABLE auth_tokens (
    jti          TEXT PRIMARY KEY,
    dev_org_id   TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    subject_kind TEXT NOT NULL,
    subject_id   INTEGER NOT NULL,
    token_type   TEXT NOT NULL,
    issued_at    INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE
);
