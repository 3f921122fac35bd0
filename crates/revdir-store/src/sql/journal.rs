//! The change journal, which is also the outbox (§9): [`record_change`] appends what a write
//! changed, inside that write's transaction, and queues its webhook event for every
//! subscribed webhook in the same statement batch; `JournalStore` reads it back.
//!
//! Reading in order without skipping: journal ids come from a sequence, and on PostgreSQL a
//! transaction could commit a lower id after a reader has read a higher one. A journaling
//! transaction therefore holds its org's advisory lock, shared, from just before its row
//! takes an id until it commits (`JOURNAL_WRITE_GUARD`), and a reader first takes that lock
//! exclusively (`JOURNAL_READ_GUARD`), which waits for the org's journaling transactions in
//! flight: every id below those it reads is then committed, and later rows take higher
//! ids. A reader holds up the org's writers only for the length of its read. On SQLite one
//! writer commits ids in order.

use revdir_core::journal::{
    diff_fields, event_type, object_name, FieldChange, JournalCursor, JournalEntry, JournalFilter, JournalPage,
    Operation,
};

use super::*;

/// The wire JSON of a rendered object.
pub(super) fn wire<T: serde::Serialize>(rendered: &T) -> StoreResult<Value> {
    serde_json::to_value(rendered).map_err(|e| StoreError::Internal(e.into()))
}

/// A user's wire rendering in its kind's REST shape.
pub(super) fn user_wire(view: &UserView, org: &str) -> StoreResult<Value> {
    match view.record.user.kind {
        ObjectKind::SysUser => wire(&view.render_sys_user(org)),
        ObjectKind::DevUser => wire(&view.render_dev_user(org)),
        _ => wire(&view.render_rev_user(org)),
    }
}

/// The wire rendering of a user a write has read (and locked) but not changed yet.
pub(super) async fn user_wire_before(
    conn: &mut Conn,
    org: &str,
    read: &(UserRecord, UserExtras),
) -> StoreResult<Value> {
    let user = read.0.user;
    let view =
        finish_user_views(conn, org, vec![read.clone()]).await?.pop().ok_or_else(|| vanished(user.kind, user.id))?;
    user_wire(&view, org)
}

/// Who made a change, as the journal records it.
pub(super) struct Author<'a> {
    pub(super) org: &'a str,
    pub(super) actor: Actor,
    pub(super) token_id: &'a str,
    pub(super) context: &'a ChangeContext,
}

impl<'a> From<&'a DevOrgScope> for Author<'a> {
    fn from(s: &'a DevOrgScope) -> Self {
        Self { org: &s.dev_org, actor: s.actor, token_id: &s.token_id, context: &s.context }
    }
}

impl<'a> From<&'a SignedCaller> for Author<'a> {
    fn from(c: &'a SignedCaller) -> Self {
        Self { org: &c.dev_org, actor: c.actor, token_id: &c.jti, context: &c.context }
    }
}

/// One change a write made, as [`record_change`] takes it.
pub(super) struct Change {
    /// The object's family.
    pub(super) kind: ObjectKind,
    /// Its local id (a number, or a rev org's text).
    pub(super) local: String,
    /// What the write did.
    pub(super) op: Operation,
    /// The object's wire rendering before the write (`None` for a create).
    pub(super) before: Option<Value>,
    /// After it (`None` for a delete).
    pub(super) after: Option<Value>,
}

impl Change {
    pub(super) fn created(kind: ObjectKind, local: impl ToString, after: Value) -> Self {
        Self { kind, local: local.to_string(), op: Operation::Created, before: None, after: Some(after) }
    }

    pub(super) fn updated(kind: ObjectKind, local: impl ToString, before: Value, after: Value) -> Self {
        Self { kind, local: local.to_string(), op: Operation::Updated, before: Some(before), after: Some(after) }
    }

    pub(super) fn deleted(kind: ObjectKind, local: impl ToString, before: Value) -> Self {
        Self { kind, local: local.to_string(), op: Operation::Deleted, before: Some(before), after: None }
    }
}

fn fields_json(changes: &[FieldChange]) -> String {
    Value::Array(
        changes.iter().map(|c| serde_json::json!({"field": c.field, "before": c.before, "after": c.after})).collect(),
    )
    .to_string()
}

fn parse_fields(text: &str) -> Vec<FieldChange> {
    serde_json::from_str::<Vec<Value>>(text)
        .unwrap_or_default()
        .into_iter()
        .map(|v| FieldChange {
            field: v["field"].as_str().unwrap_or_default().to_owned(),
            before: v["before"].clone(),
            after: v["after"].clone(),
        })
        .collect()
}

/// Appends `change` to the journal of the caller's org, in the write's transaction, and
/// queues its event for every active webhook subscribed to it. An update that changed no
/// field (bookkeeping aside) records nothing. Returns whether anything was recorded.
pub(super) async fn record_change<'a>(
    tx: &mut Conn,
    who: impl Into<Author<'a>>,
    now: Timestamp,
    change: Change,
) -> StoreResult<bool> {
    let who = who.into();
    let org = who.org;
    let fields = diff_fields(change.before.as_ref(), change.after.as_ref());
    if change.op == Operation::Updated && fields.is_empty() {
        return Ok(false);
    }
    let object_id = don(change.kind, org, &change.local);
    let event = event_type(change.kind, change.op);
    let object = change.after.as_ref().or(change.before.as_ref()).map(Value::to_string);
    let actor = don(who.actor.kind, org, who.actor.id);
    let row = ChangeInsert {
        org,
        object_id: &object_id,
        kind: object_name(change.kind).unwrap_or("object"),
        op: change.op.name(),
        actor: &actor,
        who: &who,
        now,
        fields: fields_json(&fields),
        object,
        event: event.as_deref(),
    };
    row.bind(sqlx::query(journal_sql())).bind(webhook_prefix(org)).execute(&mut *tx).await.map_err(db_err)?;
    Ok(true)
}

/// Gives an object its next version.
const UPSERT_VERSION: &str = "INSERT INTO object_versions (dev_org_id, object_id, version) VALUES ($1, $2, 1) ON \
                              CONFLICT (dev_org_id, object_id) DO UPDATE SET version = object_versions.version + 1";

/// The values of a journal row, bound as `$1`–`$12` in this order: org, object DON, object
/// type, operation, actor, token id, request id, origin, time, fields, object, event type.
struct ChangeInsert<'a> {
    org: &'a str,
    object_id: &'a str,
    kind: &'a str,
    op: &'a str,
    actor: &'a str,
    who: &'a Author<'a>,
    now: Timestamp,
    fields: String,
    object: Option<String>,
    event: Option<&'a str>,
}

impl<'a> ChangeInsert<'a> {
    fn bind(
        &'a self,
        q: sqlx::query::Query<'a, Db, <Db as sqlx::Database>::Arguments<'a>>,
    ) -> sqlx::query::Query<'a, Db, <Db as sqlx::Database>::Arguments<'a>> {
        q.bind(self.org)
            .bind(self.object_id)
            .bind(self.kind)
            .bind(self.op)
            .bind(self.actor)
            .bind(self.who.token_id)
            .bind(self.who.context.request_id.as_deref())
            .bind(self.who.context.origin.as_deref())
            .bind(self.now.millis())
            .bind(self.fields.as_str())
            .bind(self.object.as_deref())
            .bind(self.event)
    }
}

/// The DON prefix of the org's webhooks, to which a delivery's event id appends.
fn webhook_prefix(org: &str) -> String {
    don(ObjectKind::Webhook, org, "")
}

/// The journal's three writes (the version, the change, its deliveries) in one call, so a
/// write pays one round trip for them (and on SQLite one hand-off to the connection's thread):
/// on PostgreSQL one statement of data-modifying CTEs; on SQLite, which has none, three
/// statements in one query text, the second reading the version the first wrote and the
/// third the id the second took (`sqlite_sequence`). The change's INSERT selects from
/// `JOURNAL_WRITE_GUARD`, so the lock is held before the row takes its id. Binds `$1`–`$12`
/// as `ChangeInsert` and `$13` the org's webhook DON prefix.
fn journal_sql() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let columns =
            "dev_org_id, object_id, object_kind, operation, actor, token_id, request_id, origin, occurred_at, \
                       fields, object, event_type, version";
        let deliveries = "INSERT INTO webhook_deliveries (dev_org_id, webhook_id, change_id, event_id, event_type, \
                          state, attempts, fence, next_attempt_at, created_at) SELECT w.dev_org_id, w.id, {id}, $13 \
                          || w.id || ':event/' || CAST({id} AS TEXT), $12, 'pending', 0, 0, $9, $9 FROM {from} \
                          webhook_subscriptions s JOIN webhooks w ON w.dev_org_id = s.dev_org_id AND w.id = \
                          s.webhook_id WHERE s.dev_org_id = $1 AND s.event_type = $12 AND w.status = 'active'";
        if DATA_MODIFYING_CTES {
            let d = deliveries.replace("{id}", "c.id").replace("{from}", "c,");
            format!(
                "WITH v AS ({UPSERT_VERSION} RETURNING version), c AS (INSERT INTO changes ({columns}) SELECT $1, $2, \
                 $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, v.version FROM v, {JOURNAL_WRITE_GUARD} RETURNING id), d \
                 AS ({d}) SELECT id FROM c"
            )
        } else {
            let id = "(SELECT seq FROM sqlite_sequence WHERE name = 'changes')";
            let d = deliveries.replace("{id}", id).replace("{from}", "");
            format!(
                "{UPSERT_VERSION}; INSERT INTO changes ({columns}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                 $11, $12, (SELECT version FROM object_versions WHERE dev_org_id = $1 AND object_id = $2) FROM \
                 {JOURNAL_WRITE_GUARD}; {d}"
            )
        }
    })
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: i64,
    object_kind: String,
    object_id: String,
    operation: String,
    version: i64,
    actor: Option<String>,
    token_id: Option<String>,
    request_id: Option<String>,
    origin: Option<String>,
    occurred_at: i64,
    fields: String,
    object: Option<String>,
    event_type: Option<String>,
}

impl ChangeRow {
    fn entry(self) -> Option<JournalEntry> {
        Some(JournalEntry {
            id: self.id,
            object_kind: revdir_core::journal::kind_named(&self.object_kind)?,
            object_id: self.object_id,
            operation: Operation::parse(&self.operation)?,
            version: self.version,
            actor: self.actor,
            token_id: self.token_id,
            request_id: self.request_id,
            origin: self.origin,
            occurred_at: Timestamp::from_millis(self.occurred_at),
            changes: parse_fields(&self.fields),
            object: self.object.and_then(|o| serde_json::from_str(&o).ok()),
            event_type: self.event_type,
        })
    }
}

/// The columns of a change row, in `ChangeRow`'s order.
pub(super) const CHANGE_COLS: &str = "id, object_kind, object_id, operation, version, actor, token_id, \
                                      request_id, origin, occurred_at, fields, object, event_type";

/// One change by id, for the delivery worker's rendering.
pub(super) async fn change_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<JournalEntry>> {
    let row: Option<ChangeRow> = sqlx::query_as(&format!("SELECT {CHANGE_COLS} FROM changes WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(row.and_then(ChangeRow::entry))
}

/// Every change of one object (by DON), oldest first.
pub(super) async fn changes_of(conn: &mut Conn, org: &str, object: &str) -> StoreResult<Vec<JournalEntry>> {
    let rows: Vec<ChangeRow> = sqlx::query_as(&format!(
        "SELECT {CHANGE_COLS} FROM changes WHERE dev_org_id = $1 AND object_id = $2 ORDER BY id"
    ))
    .bind(org)
    .bind(object)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(rows.into_iter().filter_map(ChangeRow::entry).collect())
}

#[async_trait]
impl JournalStore for Backend {
    async fn read_journal(
        &self,
        scope: &DevOrgScope,
        filter: &JournalFilter,
        after: JournalCursor,
        limit: u32,
    ) -> StoreResult<JournalPage> {
        let mut sql = Sql::new("");
        let o = sql.text_arg(&scope.dev_org);
        let id = sql.int_arg(after.id);
        sql.push(&format!("SELECT {CHANGE_COLS} FROM changes WHERE dev_org_id = {o} AND id > {id}"));
        if let Some(objects) = &filter.objects {
            let list = sql.text_list(objects);
            sql.push(&format!(" AND object_id IN ({})", if list.is_empty() { "NULL".into() } else { list }));
        }
        if let Some(kinds) = &filter.kinds {
            let names: Vec<String> = kinds.iter().filter_map(|k| object_name(*k)).map(str::to_owned).collect();
            let list = sql.text_list(&names);
            sql.push(&format!(" AND object_kind IN ({})", if list.is_empty() { "NULL".into() } else { list }));
        }
        if let Some(actors) = &filter.actors {
            let list = sql.text_list(actors);
            sql.push(&format!(" AND actor IN ({})", if list.is_empty() { "NULL".into() } else { list }));
        }
        if let Some(ops) = &filter.operations {
            let names: Vec<String> = ops.iter().map(|o| o.name().to_owned()).collect();
            let list = sql.text_list(&names);
            sql.push(&format!(" AND operation IN ({})", if list.is_empty() { "NULL".into() } else { list }));
        }
        if let Some(origins) = &filter.origins {
            let list = sql.text_list(origins);
            sql.push(&format!(" AND origin IN ({})", if list.is_empty() { "NULL".into() } else { list }));
        }
        filter_range(&mut sql, "occurred_at", filter.occurred_at.as_ref());
        let l = sql.int_arg(i64::from(limit));
        sql.push(&format!(" ORDER BY id LIMIT {l}"));
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        if let Some(guard) = JOURNAL_READ_GUARD {
            sqlx::query(guard).bind(&scope.dev_org).execute(&mut *tx).await.map_err(db_err)?;
        }
        let rows: Vec<ChangeRow> = sql.query_as().fetch_all(&mut *tx).await.map_err(db_err)?;
        let next_cursor = rows.last().map_or(after, |r| JournalCursor { id: r.id });
        Ok(JournalPage { entries: rows.into_iter().filter_map(ChangeRow::entry).collect(), next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_fields_read_back() {
        let changes = vec![FieldChange { field: "email".into(), before: "a@x".into(), after: Value::Null }];
        assert_eq!(parse_fields(&fields_json(&changes)), changes);
    }
}
