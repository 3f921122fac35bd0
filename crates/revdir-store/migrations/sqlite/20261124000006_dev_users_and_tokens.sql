-- Dev users' own fields (§8.2), their external identities, and token metadata (§8.5).
ALTER TABLE users ADD COLUMN reports_to_id INTEGER;
ALTER TABLE users ADD COLUMN experience_start_date INTEGER;
ALTER TABLE users ADD COLUMN job_history TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN job_title TEXT;
ALTER TABLE users ADD COLUMN primary_identity_id INTEGER;
-- A dev user's email is unique in its org, ignoring case (NULLs never clash).
CREATE UNIQUE INDEX users_dev_email ON users (dev_org_id, email_lower) WHERE kind = 'devu';

-- One identity per issuer per dev user; an (issuer, external id) pair belongs to one dev user.
CREATE TABLE dev_user_identities (
    dev_org_id   TEXT NOT NULL REFERENCES dev_orgs (id) ON DELETE CASCADE,
    dev_user_id  INTEGER NOT NULL,
    issuer       TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    display_name TEXT,
    is_verified  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (dev_org_id, dev_user_id, issuer),
    UNIQUE (dev_org_id, issuer, external_id)
);

ALTER TABLE auth_tokens ADD COLUMN subject_don TEXT;
ALTER TABLE auth_tokens ADD COLUMN client_id TEXT;
ALTER TABLE auth_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE auth_tokens ADD COLUMN token_hint TEXT;
ALTER TABLE auth_tokens ADD COLUMN created_by_kind TEXT;
ALTER TABLE auth_tokens ADD COLUMN created_by_id INTEGER;
ALTER TABLE auth_tokens ADD COLUMN modified_by_kind TEXT;
ALTER TABLE auth_tokens ADD COLUMN modified_by_id INTEGER;
ALTER TABLE auth_tokens ADD COLUMN modified_date INTEGER;
CREATE INDEX auth_tokens_subject ON auth_tokens (dev_org_id, subject_kind, subject_id);
