-- Dev users' emails stay unique per dev org through a partial index whose condition is a
-- generated column that no statement binds. SQLite decides whether a partial index
-- (`WHERE kind = 'devu'`) can serve a statement by comparing its bound `kind` parameter with
-- the index's condition, and so marks every statement that binds `users.kind` to be prepared
-- again whenever that parameter is bound: every read and write of a user was being re-parsed
-- and re-planned. The index still holds dev users only, so contacts' writes never touch it.
DROP INDEX users_dev_email;
ALTER TABLE users ADD COLUMN is_dev_user INTEGER GENERATED ALWAYS AS (kind = 'devu') VIRTUAL;
CREATE UNIQUE INDEX users_dev_email ON users (dev_org_id, email_lower) WHERE is_dev_user;
