-- Artifacts (§8.4): records, versions, and the bytes of versions kept in the database.
CREATE TABLE artifacts (
    dev_org_id        TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    id                INTEGER NOT NULL,
    file_name         TEXT NOT NULL,
    file_type         TEXT,
    configuration_set TEXT,
    parent_kind       TEXT,
    parent_id         TEXT,
    latest_version    INTEGER NOT NULL,
    current_version   INTEGER,
    created_by_kind   TEXT,
    created_by_id     INTEGER,
    created_date      INTEGER NOT NULL,
    modified_by_kind  TEXT,
    modified_by_id    INTEGER,
    modified_date     INTEGER NOT NULL,
    PRIMARY KEY (dev_org_id, id)
);
CREATE INDEX artifacts_parent ON artifacts (dev_org_id, parent_kind, parent_id);

CREATE TABLE artifact_versions (
    dev_org_id       TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    artifact_id      INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    size             INTEGER,
    content_type     TEXT,
    uploaded         BOOLEAN NOT NULL DEFAULT FALSE,
    blob_key         TEXT,
    created_date     INTEGER NOT NULL,
    modified_by_kind TEXT,
    modified_by_id   INTEGER,
    PRIMARY KEY (dev_org_id, artifact_id, version)
);

CREATE TABLE artifact_blobs (
    dev_org_id  TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    artifact_id INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    bytes       BLOB NOT NULL,
    PRIMARY KEY (dev_org_id, artifact_id, version)
);

ALTER TABLE users ADD COLUMN display_picture_id INTEGER;
ALTER TABLE users ADD COLUMN artifact_ids TEXT NOT NULL DEFAULT '[]';
