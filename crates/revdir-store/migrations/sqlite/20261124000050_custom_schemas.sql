-- Custom schemas (§6): fragment versions, and each object's subtype, fragment references
-- and custom field values.
CREATE TABLE schema_fragments (
    dev_org_id           TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    id                   INTEGER NOT NULL,
    kind                 TEXT NOT NULL,
    leaf_type            TEXT NOT NULL,
    name                 TEXT NOT NULL,
    -- leaf_type/kind/name: every version of one fragment shares it.
    family               TEXT NOT NULL,
    old_id               INTEGER,
    new_id               INTEGER,
    is_deprecated        BOOLEAN NOT NULL DEFAULT FALSE,
    subtype_display_name TEXT,
    body                 TEXT NOT NULL,
    created_by_kind      TEXT,
    created_by_id        INTEGER,
    created_date         INTEGER NOT NULL,
    modified_by_kind     TEXT,
    modified_by_id       INTEGER,
    modified_date        INTEGER NOT NULL,
    PRIMARY KEY (dev_org_id, id)
);
-- One current version per fragment; a racing second version fails here and is retried.
CREATE UNIQUE INDEX schema_fragments_current ON schema_fragments (dev_org_id, family) WHERE new_id IS NULL;
CREATE INDEX schema_fragments_family ON schema_fragments (dev_org_id, family, id);
CREATE INDEX schema_fragments_leaf ON schema_fragments (dev_org_id, leaf_type, created_date, id);

ALTER TABLE users ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN custom_schema_fragments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN subtype TEXT;
ALTER TABLE accounts ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN custom_schema_fragments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN subtype TEXT;
ALTER TABLE rev_orgs ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE rev_orgs ADD COLUMN custom_schema_fragments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE rev_orgs ADD COLUMN subtype TEXT;
