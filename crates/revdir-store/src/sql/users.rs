//! The user row every user family reads and writes (rev, sys and dev users): its columns,
//! the one-statement read of a user with what its view needs, and how users sort.

use super::*;

pub(super) const USER_COLS: &str = "u.kind, u.id, u.display_name, u.full_name, u.email, u.phone_numbers, u.state, \
    u.description, u.external_ref, u.external_refs, u.is_verified, u.rev_org_id, u.created_by_kind, \
    u.created_by_id, u.created_date, u.modified_by_kind, u.modified_by_id, u.modified_date, u.display_picture_id, \
    u.artifact_ids, u.custom_fields, u.custom_schema_fragments, u.subtype";

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub(super) kind: String,
    pub(super) id: i64,
    pub(super) display_name: Option<String>,
    pub(super) full_name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) phone_numbers: String,
    pub(super) state: String,
    pub(super) description: Option<String>,
    pub(super) external_ref: Option<String>,
    pub(super) external_refs: String,
    pub(super) is_verified: bool,
    pub(super) rev_org_id: Option<String>,
    #[sqlx(flatten)]
    pub(super) stamps: StampRow,
    pub(super) display_picture_id: Option<i64>,
    pub(super) artifact_ids: String,
    pub(super) custom_fields: String,
    pub(super) custom_schema_fragments: String,
    pub(super) subtype: Option<String>,
}

impl UserRow {
    pub(super) fn into_record(self) -> Option<UserRecord> {
        Some(UserRecord {
            user: UserRef { kind: ObjectKind::from_don_type(&self.kind)?, id: self.id },
            display_name: self.display_name,
            full_name: self.full_name,
            email: self.email,
            phone_numbers: json_list(&self.phone_numbers),
            state: parse_state(&self.state),
            description: self.description,
            external_ref: self.external_ref,
            external_refs: json_list(&self.external_refs),
            is_verified: self.is_verified,
            rev_org: self.rev_org_id,
            display_picture: self.display_picture_id,
            artifacts: json_list(&self.artifact_ids).iter().filter_map(|s| s.parse().ok()).collect(),
            created_by: self.stamps.created_by(),
            created_date: self.stamps.created_date(),
            modified_by: self.stamps.modified_by(),
            modified_date: self.stamps.modified_date(),
            custom: CustomState::from_columns(&self.custom_fields, &self.custom_schema_fragments, self.subtype),
        })
    }
}

pub(super) async fn fetch_user(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    id: i64,
    lock: bool,
) -> StoreResult<Option<UserRecord>> {
    let lock = if lock { FOR_UPDATE } else { "" };
    let row: Option<UserRow> = sqlx::query_as::<Db, UserRow>(&format!(
        "SELECT {USER_COLS} FROM users u WHERE u.dev_org_id = $1 AND u.kind = $2 AND u.id = $3{lock}"
    ))
    .bind(org)
    .bind(code(kind))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.and_then(UserRow::into_record))
}

/// The columns a user's view needs from other tables, as scalar subqueries over the user row
/// `user` (a table name or alias), so the same list serves a SELECT and the RETURNING of an
/// UPDATE (which sees only the updated table): `cb_json` and `mb_json`, the creator's and last
/// modifier's summaries as the JSON text of `[display_name, email, full_name, state,
/// external_ref, rev_org_id, rev_org_name]` (NULL when there is no such user); `rev_org_name`;
/// and `tags_json` (rev users only; see `tags_json_of_user`). With `actor`, the placeholders
/// of the caller's kind and id in an UPDATE that made the caller the modifier, whose summary
/// the caller already has: `mb_json` is then NULL, and so is `cb_json` when the caller is
/// also the creator.
pub(super) fn user_extra_columns(user: &str, kind: ObjectKind, actor: Option<(&str, &str)>) -> String {
    let summary = |who: &str| {
        summary_json_subquery(&format!("{user}.dev_org_id"), &format!("{user}.{who}_kind"), &format!("{user}.{who}_id"))
    };
    let tags = if kind == ObjectKind::RevUser {
        tags_json_of_user(user, &format!("'{}'", code(ObjectKind::RevUser)))
    } else {
        "'[]'".to_owned()
    };
    let (created_by, modified_by) = match actor {
        None => (summary("created_by"), summary("modified_by")),
        Some((k, i)) => (
            format!(
                "CASE WHEN {user}.created_by_kind = {k} AND {user}.created_by_id = {i} THEN NULL ELSE {} END",
                summary("created_by")
            ),
            "CAST(NULL AS TEXT)".to_owned(),
        ),
    };
    format!(
        "{created_by} AS cb_json, {modified_by} AS mb_json, (SELECT o.display_name FROM rev_orgs o WHERE \
         o.dev_org_id = {user}.dev_org_id AND o.id = {user}.rev_org_id) AS rev_org_name, {tags} AS tags_json"
    )
}

/// A scalar subquery giving the summary of the user `(org, kind, id)` (SQL expressions) as
/// the JSON text `summary_from_json` reads, or NULL when there is no such user.
pub(super) fn summary_json_subquery(org: &str, kind: &str, id: &str) -> String {
    format!(
        "(SELECT {} FROM users x LEFT JOIN rev_orgs o ON o.dev_org_id = x.dev_org_id AND o.id = x.rev_org_id WHERE \
         x.dev_org_id = {org} AND x.kind = {kind} AND x.id = {id})",
        json_array_text("x.display_name, x.email, x.full_name, x.state, x.external_ref, x.rev_org_id, o.display_name")
    )
}

/// A user row with everything its view needs from other tables but artifacts and custom
/// schemas, which most users lack: one statement renders a user where five did.
#[derive(sqlx::FromRow)]
pub(super) struct WideUserRow {
    #[sqlx(flatten)]
    pub(super) user: UserRow,
    pub(super) cb_json: Option<String>,
    pub(super) mb_json: Option<String>,
    pub(super) rev_org_name: Option<String>,
    pub(super) tags_json: String,
}

/// The parts of a user's view read from other tables along with its row.
#[derive(Clone)]
pub(super) struct UserExtras {
    pub(super) created_by: Option<UserSummaryData>,
    pub(super) modified_by: Option<UserSummaryData>,
    pub(super) rev_org_name: Option<String>,
    pub(super) tags: Vec<TagLinkData>,
}

/// The fields of a summary in the order `user_extra_columns` puts them in its JSON array.
pub(super) type SummaryFields =
    (Option<String>, Option<String>, Option<String>, String, Option<String>, Option<String>, Option<String>);

/// A summary from the JSON text `user_extra_columns` reads; `None` when there was no user.
pub(super) fn summary_from_json(user: Option<UserRef>, json: Option<&str>) -> StoreResult<Option<UserSummaryData>> {
    let (Some(user), Some(json)) = (user, json) else { return Ok(None) };
    let (display_name, email, full_name, state, external_ref, rev_org_id, rev_org_name): SummaryFields =
        serde_json::from_str(json)
            .map_err(|e| StoreError::Internal(anyhow::anyhow!("a stored user summary does not parse: {e}")))?;
    Ok(Some(UserSummaryData {
        user,
        display_name,
        email,
        full_name,
        state: parse_state(&state),
        external_ref,
        rev_org: rev_org_id.map(|id| OrgSummaryData { kind: ObjectKind::RevOrg, id, display_name: rev_org_name }),
    }))
}

/// The summary of a user whose current record is in hand.
pub(super) fn summary_of(r: &UserRecord, rev_org_name: Option<String>) -> UserSummaryData {
    UserSummaryData {
        user: r.user,
        display_name: r.display_name.clone(),
        email: r.email.clone(),
        full_name: r.full_name.clone(),
        state: r.state,
        external_ref: r.external_ref.clone(),
        rev_org: r.rev_org.clone().map(|id| OrgSummaryData {
            kind: ObjectKind::RevOrg,
            id,
            display_name: rev_org_name,
        }),
    }
}

impl WideUserRow {
    pub(super) fn split(self) -> StoreResult<Option<(UserRecord, UserExtras)>> {
        let tags: Vec<(i64, Option<String>, String, Option<String>)> = serde_json::from_str(&self.tags_json)
            .map_err(|e| StoreError::Internal(anyhow::anyhow!("stored tag links do not parse: {e}")))?;
        let Some(record) = self.user.into_record() else { return Ok(None) };
        let extras = UserExtras {
            created_by: summary_from_json(record.created_by, self.cb_json.as_deref())?,
            modified_by: summary_from_json(record.modified_by, self.mb_json.as_deref())?,
            rev_org_name: self.rev_org_name,
            tags: tags
                .into_iter()
                .map(|(tag_id, value, name, color)| TagLinkData { tag_id, name, color, value })
                .collect(),
        };
        Ok(Some((record, extras)))
    }
}

/// Reads users of one kind with their extras in one statement; `lock` takes the rows' write
/// locks. Rows come back in no particular order.
pub(super) async fn load_users_wide(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    ids: &[i64],
    lock: bool,
) -> StoreResult<Vec<(UserRecord, UserExtras)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(kind));
    let ps = sql.int_list(ids);
    let lock = if lock { FOR_UPDATE } else { "" };
    sql.push(&format!(
        "SELECT {USER_COLS}, {} FROM users u WHERE u.dev_org_id = {o} AND u.kind = {k} AND u.id IN ({ps}){lock}",
        user_extra_columns("u", kind, None)
    ));
    let rows: Vec<WideUserRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.extend(row.split()?);
    }
    Ok(out)
}

/// Reads and locks the user `id` names, with its extras, for a read-modify-write: the 404
/// when the caller's org has no such user.
pub(super) async fn lock_user(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    id: &ParsedId,
) -> StoreResult<(UserRecord, UserExtras)> {
    let n = number_or_404(org, kind, id)?;
    load_users_wide(conn, org, kind, &[n], true).await?.pop().ok_or_else(|| not_found(kind, id))
}

/// Completes users' views with what only some users have: artifacts and custom fields.
pub(super) async fn finish_user_views(
    conn: &mut Conn,
    org: &str,
    users: Vec<(UserRecord, UserExtras)>,
) -> StoreResult<Vec<UserView>> {
    let artifact_ids: Vec<i64> =
        users.iter().flat_map(|(r, _)| r.display_picture.iter().chain(r.artifacts.iter()).copied()).collect();
    let files = artifact_summaries(conn, org, &artifact_ids).await?;
    let rev_users = users.iter().filter(|(r, _)| r.user.kind == ObjectKind::RevUser);
    let mut custom =
        present_custom(conn, org, LeafType::RevUser, rev_users.map(|(r, _)| (r.user.id, &r.custom))).await?;
    Ok(users
        .into_iter()
        .map(|(record, extras)| UserView {
            custom: custom.remove(&record.user.id).unwrap_or_default(),
            display_picture: record.display_picture.and_then(|a| files.get(&a).cloned()),
            artifacts: record.artifacts.iter().filter_map(|a| files.get(a).cloned()).collect(),
            created_by: extras.created_by,
            modified_by: extras.modified_by,
            rev_org: record.rev_org.as_ref().map(|id| OrgSummaryData {
                kind: ObjectKind::RevOrg,
                id: id.clone(),
                display_name: extras.rev_org_name.clone(),
            }),
            tags: extras.tags,
            record,
        })
        .collect())
}

/// The view of a user just written in this transaction, from its new record and the extras
/// read with the write, re-reading only what the write may have changed: the summaries of
/// the modifier (the actor, whose summary came with its token) and of the user itself, and
/// its tags when they were set.
pub(super) async fn written_user_view(
    conn: &mut Conn,
    org: &str,
    record: UserRecord,
    mut extras: UserExtras,
    actor_summary: Option<&UserSummaryData>,
    tags_changed: bool,
) -> StoreResult<UserView> {
    let own = |r: &UserRecord, x: &UserExtras| summary_of(r, x.rev_org_name.clone());
    let known = |who: UserRef, x: &UserExtras| {
        [x.created_by.as_ref(), x.modified_by.as_ref(), actor_summary]
            .into_iter()
            .flatten()
            .find(|s| s.user == who)
            .cloned()
    };
    if let Some(actor) = record.modified_by {
        extras.modified_by = if actor == record.user {
            Some(own(&record, &extras))
        } else if let Some(s) = known(actor, &extras) {
            Some(s)
        } else {
            user_summaries(conn, org, [actor]).await?.remove(&actor)
        };
    }
    if record.created_by == Some(record.user) {
        extras.created_by = Some(own(&record, &extras));
    } else if extras.created_by.is_none() && record.created_by.is_some() && record.created_by == record.modified_by {
        // The one-statement update leaves out the creator's summary when it is the caller's.
        extras.created_by = extras.modified_by.clone();
    }
    if tags_changed {
        let sid = record.user.id.to_string();
        extras.tags = tag_links(conn, org, code(ObjectKind::RevUser), std::slice::from_ref(&sid))
            .await?
            .remove(&sid)
            .unwrap_or_default();
    }
    let user = record.user;
    finish_user_views(conn, org, vec![(record, extras)]).await?.pop().ok_or_else(|| vanished(user.kind, user.id))
}

pub(super) async fn user_view(conn: &mut Conn, org: &str, kind: ObjectKind, id: i64) -> StoreResult<Option<UserView>> {
    let users = load_users_wide(conn, org, kind, &[id], false).await?;
    Ok(finish_user_views(conn, org, users).await?.pop())
}

pub(super) async fn load_users(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    ids: &[i64],
) -> StoreResult<Vec<UserView>> {
    let users = load_users_wide(conn, org, kind, ids, false).await?;
    let views = finish_user_views(conn, org, users).await?;
    let by_id = views.into_iter().map(|v| (v.record.user.id.to_string(), v)).collect();
    Ok(in_order(&ids.iter().map(i64::to_string).collect::<Vec<_>>(), by_id))
}

/// The columns of a user row that `insert_user` and `save_user` both write, bound in this
/// order after the row's key (`$1` dev org, `$2` kind code, `$3` number) by `bind_user`.
const USER_WRITTEN_COLS: [&str; 16] = [
    "display_name",
    "full_name",
    "email",
    "email_lower",
    "phone_numbers",
    "state",
    "description",
    "external_ref",
    "external_refs",
    "is_verified",
    "rev_org_id",
    "modified_by_kind",
    "modified_by_id",
    "modified_date",
    "display_picture_id",
    "artifact_ids",
];

/// A statement on `users` with its values bound.
type UserQuery<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>;

/// Binds a user row's key and `USER_WRITTEN_COLS`, `$1` to `$19`.
fn bind_user<'q>(q: UserQuery<'q>, org: &'q str, r: &'q UserRecord) -> UserQuery<'q> {
    q.bind(org)
        .bind(code(r.user.kind))
        .bind(r.user.id)
        .bind(&r.display_name)
        .bind(&r.full_name)
        .bind(&r.email)
        .bind(r.email.as_ref().map(|e| e.to_lowercase()))
        .bind(to_json(&r.phone_numbers))
        .bind(state_name(r.state))
        .bind(&r.description)
        .bind(&r.external_ref)
        .bind(to_json(&r.external_refs))
        .bind(r.is_verified)
        .bind(&r.rev_org)
        .bind(r.modified_by.map(|u| code(u.kind)))
        .bind(r.modified_by.map(|u| u.id))
        .bind(r.modified_date.millis())
        .bind(r.display_picture)
        .bind(id_json(&r.artifacts))
}

/// Inserts a new user row.
pub(super) async fn insert_user(conn: &mut Conn, org: &str, r: &UserRecord) -> StoreResult<()> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let n = USER_WRITTEN_COLS.len();
        let values: Vec<String> = (1..=n + 6).map(|i| format!("${i}")).collect();
        format!(
            "INSERT INTO users (dev_org_id, kind, id, {}, created_by_kind, created_by_id, created_date) VALUES ({})",
            USER_WRITTEN_COLS.join(", "),
            values.join(", ")
        )
    });
    bind_user(sqlx::query::<Db>(sql), org, r)
        .bind(r.created_by.map(|u| code(u.kind)))
        .bind(r.created_by.map(|u| u.id))
        .bind(r.created_date.millis())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Writes a user row's changeable columns back.
pub(super) async fn save_user(conn: &mut Conn, org: &str, r: &UserRecord) -> StoreResult<()> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let sets: Vec<String> =
            USER_WRITTEN_COLS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 4)).collect();
        format!("UPDATE users SET {} WHERE dev_org_id = $1 AND kind = $2 AND id = $3", sets.join(", "))
    });
    bind_user(sqlx::query::<Db>(sql), org, r).execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

/// Every external id a contact holds: its `external_ref` and its `external_refs`.
pub(super) fn rev_user_refs(r: &UserRecord) -> Vec<String> {
    let mut all: Vec<String> = r.external_ref.iter().cloned().collect();
    all.extend(r.external_refs.iter().cloned());
    all
}

/// How users sort: rev users, sys users and dev users alike.
pub(super) const USER_SORTING: Sorting<UserRecord> = Sorting {
    cols: &[
        SortCol {
            name: "created_date",
            expr: "u.created_date",
            int: true,
            key: |r| Value::from(r.created_date.millis()),
        },
        SortCol {
            name: "modified_date",
            expr: "u.modified_date",
            int: true,
            key: |r| Value::from(r.modified_date.millis()),
        },
        SortCol {
            name: "display_name",
            expr: "COALESCE(u.display_name, '')",
            int: false,
            key: |r| Value::from(r.display_name.clone().unwrap_or_default()),
        },
        SortCol { name: "display_id", expr: "u.id", int: true, key: |r| Value::from(r.user.id) },
        SortCol {
            name: "email",
            expr: "COALESCE(u.email_lower, '')",
            int: false,
            key: |r| Value::from(r.email.as_deref().map(str::to_lowercase).unwrap_or_default()),
        },
        SortCol {
            name: "external_ref",
            expr: "COALESCE(u.external_ref, '')",
            int: false,
            key: |r| Value::from(r.external_ref.clone().unwrap_or_default()),
        },
    ],
    id: SortCol { name: "id", expr: "u.id", int: true, key: |r| Value::from(r.user.id) },
};

pub(super) async fn rev_org_exists(conn: &mut Conn, org: &str, id: &str) -> StoreResult<bool> {
    let row: Option<(String,)> =
        sqlx::query_as::<Db, (String,)>("SELECT id FROM rev_orgs WHERE dev_org_id = $1 AND id = $2")
            .bind(org)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
    Ok(row.is_some())
}

pub(super) async fn default_rev_org_of(conn: &mut Conn, org: &str, account: i64) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as::<Db, (String,)>(
        "SELECT id FROM rev_orgs WHERE dev_org_id = $1 AND account_id = $2 ORDER BY is_default DESC, created_date \
         LIMIT 1",
    )
    .bind(org)
    .bind(account)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(|(id,)| id))
}

/// Loads the views of a list page.
pub(super) struct LoadUsers<'a> {
    pub(super) org: &'a str,
    pub(super) kind: ObjectKind,
}

impl AsyncLoad<UserView> for LoadUsers<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<UserView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_users(conn, self.org, self.kind, &nums).await
    }
}
