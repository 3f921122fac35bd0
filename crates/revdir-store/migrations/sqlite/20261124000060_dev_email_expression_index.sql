-- Dev users' emails stay unique per dev org, enforced by an expression index instead of a
-- partial one. SQLite decides whether a partial index (`WHERE kind = 'devu'`) can serve a
-- statement by comparing its bound `kind` parameter with the index's WHERE, and so marks
-- every statement that binds `users.kind` to be prepared again whenever that parameter is
-- bound: every read and write of a user was being re-parsed and re-planned. The expression
-- is NULL for other kinds, and NULLs never collide in a unique index.
DROP INDEX users_dev_email;
CREATE UNIQUE INDEX users_dev_email_unique ON users (dev_org_id, (CASE WHEN kind = 'devu' THEN email_lower END));
