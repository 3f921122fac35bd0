-- Artifacts (§8.4): records, versions, and the bytes of versions kept in the database.
CREATE TABLE artifacts (
    dev_org_id        TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    id                BIGINT NOT NULL,
    file_name         TEXT NOT NULL,
    file_type         TEXT,
    configuration_set TEXT,
    parent_kind       TEXT,
    parent_id         TEXT,
    latest_version    BIGINT NOT NULL,
    current_version   BIGINT,
    created_by_kind   TEXT,
    created_by_id     BIGINT,
    created_date      BIGINT NOT NULL,
    modified_by_kind  TEXT,
    modified_by_id    BIGINT,
    modified_date     BIGINT NOT NULL,
    PRIMARY KEY (dev_org_id, id)
);
CREATE INDEX artifacts_parent ON artifacts (dev_org_id, parent_kind, parent_id);

CREATE TABLE artifact_versions (
    dev_org_id       TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    artifact_id      BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    size             BIGINT,
    content_type     TEXT,
    uploaded         BOOLEAN NOT NULL DEFAULT FALSE,
    blob_key         TEXT,
    created_date     BIGINT NOT NULL,
    modified_by_kind TEXT,
    modified_by_id   BIGINT,
    PRIMARY KEY (dev_org_id, artifact_id, version)
);

CREATE TABLE artifact_blobs (
    dev_org_id  TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    artifact_id BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    bytes       BYTEA NOT NULL,
    PRIMARY KEY (dev_org_id, artifact_id, version)
);

ALTER TABLE users ADD COLUMN display_picture_id BIGINT;
ALTER TABLE users ADD COLUMN artifact_ids TEXT NOT NULL DEFAULT '[]';
