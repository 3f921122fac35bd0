-- Events (issue 14): the change journal, which is also the outbox, and webhooks with their
-- deliveries. A change row is written in the transaction of the write it records.

-- One row per change of an object, numbered in the order readers see them: on PostgreSQL a
-- journaling transaction holds a shared advisory lock of its org from before its row takes
-- an id until it commits, and a reader takes that lock exclusively, so every id below the
-- ones it reads is committed (see sql/journal.rs). SQLite has one writer.
CREATE TABLE changes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dev_org_id   TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    object_kind  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    operation    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    actor        TEXT,
    token_id     TEXT,
    request_id   TEXT,
    origin       TEXT,
    occurred_at  BIGINT NOT NULL,
    fields       TEXT NOT NULL,
    object       TEXT,
    event_type   TEXT
);
CREATE INDEX changes_read ON changes (dev_org_id, id);
CREATE INDEX changes_object ON changes (dev_org_id, object_id, id);
CREATE INDEX changes_age ON changes (occurred_at);

-- The version of every object that changed: it only goes up, deletes included.
CREATE TABLE object_versions (
    dev_org_id TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    object_id  TEXT NOT NULL,
    version    BIGINT NOT NULL,
    PRIMARY KEY (dev_org_id, object_id)
);

CREATE TABLE webhooks (
    dev_org_id       TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    url              TEXT NOT NULL,
    secret           TEXT NOT NULL,
    status           TEXT NOT NULL,
    event_types      TEXT NOT NULL DEFAULT '[]',
    headers          TEXT NOT NULL DEFAULT '[]',
    exclude_origins  TEXT NOT NULL DEFAULT '[]',
    degraded_since   BIGINT,
    -- The emulator's forced failures: the next N deliveries fail without being sent, and
    -- each event is sent twice while duplicate_sends holds.
    forced_failures  INTEGER NOT NULL DEFAULT 0,
    duplicate_sends  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by_kind  TEXT,
    created_by_id    BIGINT,
    created_date     BIGINT NOT NULL,
    modified_by_kind TEXT,
    modified_by_id   BIGINT,
    modified_date    BIGINT NOT NULL,
    PRIMARY KEY (dev_org_id, id)
);

-- Which event types each webhook receives, so the write that emits an event finds its
-- subscribers with one indexed join.
CREATE TABLE webhook_subscriptions (
    dev_org_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    PRIMARY KEY (dev_org_id, event_type, webhook_id),
    FOREIGN KEY (dev_org_id, webhook_id) REFERENCES webhooks (dev_org_id, id) ON DELETE CASCADE
);

-- One row per (event, webhook), or per verify challenge. `fence` counts claims: a worker
-- records an outcome only while the fence it claimed with is still current.
CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dev_org_id      TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    webhook_id      TEXT NOT NULL,
    change_id       BIGINT,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    fence           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    lease_until     BIGINT,
    lease_owner     TEXT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (dev_org_id, webhook_id, id);
CREATE INDEX webhook_deliveries_age ON webhook_deliveries (finished_at);
CREATE INDEX webhook_deliveries_change ON webhook_deliveries (change_id);

CREATE TABLE webhook_attempts (
    delivery_id      BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt          INTEGER NOT NULL,
    dev_org_id       TEXT NOT NULL,
    started_at       BIGINT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    request_headers  TEXT NOT NULL,
    request_body     TEXT NOT NULL,
    status           INTEGER,
    response_body    TEXT,
    error_class      TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
