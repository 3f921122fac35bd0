// Query code shared by both backends. This file is `include!`d by `sqlite/mod.rs` and
// `postgres/mod.rs`; each supplies `Db`, `Backend`, `WriteTx`, `begin_write`, `begin_read`,
// `begin_single_write`, `end_single_write`, `fast_read`, `after_bulk_load`, `FOR_UPDATE`,
// `json_array_text`, `tags_json_of_user`, `json_array_has_any`, `json_field`,
// `json_field_number`, `json_field_has_any` and `is_retryable`. The SQL uses `$n` placeholders,
// which both drivers accept, and integer timestamps, so one text serves both engines.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use revdir_core::artifacts::{
    ArtifactDraft, ArtifactRecord, ArtifactSummaryData, ArtifactView, BlobLocation, ParentRef, Upload, VersionRecord,
};
use revdir_core::error::{StoreError, ValidationError};
use revdir_core::ids::{display_id, don, ObjectKind, ParsedId};
use revdir_core::orgs::{
    AccountDraft, AccountFilter, AccountPatch, AccountRecord, AccountView, DevOrgRecord, RevOrgDraft, RevOrgFilter,
    RevOrgPatch, RevOrgRecord, RevOrgView,
};
use revdir_core::pagination::{Page, PageRequest};
use revdir_core::refs::OrgSummaryData;
use revdir_core::refs::TimeRange;
use revdir_core::refs::UserRef;
use revdir_core::refs::UserSummaryData;
use revdir_core::scope::{Actor, DevOrgScope, SignedCaller};
use revdir_core::store::{
    AccountStore, ArtifactStore, DevOrgStore, DevUserStore, NewDevOrg, RevOrgStore, RevUserStore, StoreResult,
    SysUserStore, TagStore, TokenRecord,
};
use revdir_core::tags::{
    check_value, TagAssignment, TagDraft, TagFilterEntry, TagLinkData, TagPatch, TagRecord, TagView,
};
use revdir_core::time::Timestamp;
use revdir_core::users::{
    parse_state, state_name, RevUserDraft, RevUserFilter, RevUserPatch, SysUserPatch, UserRecord, UserView,
};
use serde_json::Value;

use revdir_core::custom::{self, ApplyContext, CustomFilter, CustomInput, CustomState, CustomView, FilterMatch};
use revdir_core::custom::{
    plan_set, Family, FragmentCatalog, FragmentContent, FragmentFilter, FragmentKind, FragmentRecord, FragmentRef,
    FragmentSet, FragmentView, LeafType, SetPlan,
};
use revdir_core::store::SchemaStore;
use std::sync::Arc;

type Conn = <Db as sqlx::Database>::Connection;
type Tx = sqlx::Transaction<'static, Db>;

/// How many times a transaction that lost a lock race is tried in all.
const ATTEMPTS: u32 = 8;

// ---------------------------------------------------------------------------------------
// SQL building

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
enum Arg {
    I64(i64),
    Text(String),
    Bool(bool),
}

/// SQL text with its bound values; `arg` appends a value and returns its placeholder.
#[derive(Debug, Clone, Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
    /// A filter narrows the rows through an index (an email, an external ref): then the page
    /// is sorted after filtering rather than read in index order, which SQLite would
    /// otherwise prefer and which costs a scan of every row of the org.
    indexed_filter: bool,
}

impl Sql {
    fn new(text: &str) -> Self {
        Self { text: text.to_owned(), args: Vec::new(), indexed_filter: false }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    fn text_arg(&mut self, s: &str) -> String {
        self.arg(Arg::Text(s.to_owned()))
    }

    fn int_arg(&mut self, n: i64) -> String {
        self.arg(Arg::I64(n))
    }

    /// Placeholders for a list of texts, comma-separated.
    fn text_list(&mut self, items: &[String]) -> String {
        items.iter().map(|s| self.text_arg(s)).collect::<Vec<_>>().join(", ")
    }

    fn int_list(&mut self, items: &[i64]) -> String {
        items.iter().map(|n| self.int_arg(*n)).collect::<Vec<_>>().join(", ")
    }

    fn query_as<'q, R>(&'q self) -> sqlx::query::QueryAs<'q, Db, R, <Db as sqlx::Database>::Arguments<'q>>
    where
        R: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
    {
        let mut q = sqlx::query_as::<Db, R>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::I64(n) => q.bind(*n),
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Bool(b) => q.bind(*b),
            };
        }
        q
    }
}

/// Maps a driver error: lock races become `Unavailable` (retried), unique violations
/// `Conflict`, everything else `Internal`.
fn db_err(e: sqlx::Error) -> StoreError {
    if is_retryable(&e) {
        return StoreError::Unavailable(format!("database busy: {e}"));
    }
    if let sqlx::Error::Database(d) = &e {
        if d.kind() == sqlx::error::ErrorKind::UniqueViolation {
            return StoreError::Conflict("a unique value of this request is already in use".into());
        }
    }
    StoreError::Internal(anyhow::Error::new(e))
}

/// Runs a transaction body again while it fails with a lock race, then gives up with 503.
macro_rules! retrying {
    ($body:expr) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            match $body.await {
                Err(StoreError::Unavailable(_)) if attempt < ATTEMPTS => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt))).await;
                }
                other => break other,
            }
        }
    }};
}

fn code(kind: ObjectKind) -> &'static str {
    kind.don_type()
}

fn user_ref(kind: Option<String>, id: Option<i64>) -> Option<UserRef> {
    match (kind.as_deref().and_then(ObjectKind::from_don_type), id) {
        (Some(kind), Some(id)) => Some(UserRef { kind, id }),
        _ => None,
    }
}

fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// Numeric ids as a JSON array of strings, the form JSON columns of ids use.
fn id_json(v: &[i64]) -> String {
    to_json(&v.iter().map(i64::to_string).collect::<Vec<_>>())
}

fn to_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn random_alnum(len: usize) -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng as _;
    rand::thread_rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// The later of `now` and just after `previous`: `modified_date` always moves forward.
fn after(previous: Timestamp, now: Timestamp) -> Timestamp {
    now.max(Timestamp::from_millis(previous.millis() + 1))
}

async fn next_id(conn: &mut Conn, org: &str, kind: &str) -> StoreResult<i64> {
    sqlx::query_scalar::<Db, i64>(
        "INSERT INTO id_counters (dev_org_id, kind, value) VALUES ($1, $2, 1) \
         ON CONFLICT (dev_org_id, kind) DO UPDATE SET value = id_counters.value + 1 RETURNING value",
    )
    .bind(org)
    .bind(kind)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)
}

// ---------------------------------------------------------------------------------------
// Pagination

/// A sortable column: its request name, its SQL expression and whether it is an integer.
struct SortCol {
    name: &'static str,
    expr: &'static str,
    int: bool,
}

/// The ordered key columns of a page request, with the id as the final tie-breaker.
fn key_columns<'a>(page: &PageRequest, cols: &'a [SortCol], id: &'a SortCol) -> Vec<(&'a SortCol, bool)> {
    let mut out: Vec<(&SortCol, bool)> =
        page.sort.iter().filter_map(|k| cols.iter().find(|c| c.name == k.field).map(|c| (c, k.desc))).collect();
    out.push((id, false));
    out
}

fn bind_key(sql: &mut Sql, col: &SortCol, v: &Value) -> StoreResult<String> {
    let bad = || StoreError::Invalid(ValidationError::bad_request("cursor: not a cursor this server issued"));
    Ok(if col.int { sql.int_arg(v.as_i64().ok_or_else(bad)?) } else { sql.text_arg(v.as_str().ok_or_else(bad)?) })
}

/// Appends `AND (rows strictly beyond `keys` in walking direction)`.
fn keyset(sql: &mut Sql, keys_cols: &[(&SortCol, bool)], keys: &[Value], forward: bool) -> StoreResult<()> {
    let mut ors = Vec::new();
    for i in 0..keys_cols.len() {
        let mut ands = Vec::new();
        for (j, (col, _)) in keys_cols.iter().enumerate().take(i) {
            let p = bind_key(sql, col, &keys[j])?;
            ands.push(format!("{} = {p}", col.expr));
        }
        let (col, desc) = keys_cols[i];
        let op = if desc == forward { "<" } else { ">" };
        let p = bind_key(sql, col, &keys[i])?;
        ands.push(format!("{} {op} {p}", col.expr));
        ors.push(format!("({})", ands.join(" AND ")));
    }
    sql.push(&format!(" AND ({})", ors.join(" OR ")));
    Ok(())
}

fn order_by(keys_cols: &[(&SortCol, bool)], forward: bool, indexed_filter: bool) -> String {
    // A unary `+` keeps SQLite from choosing an index only for its order; both engines
    // accept it on integers, the only columns an index could order here.
    let plus = if indexed_filter { "+" } else { "" };
    let parts: Vec<String> = keys_cols
        .iter()
        .map(|(c, desc)| {
            let expr = if c.int { format!("{plus}{}", c.expr) } else { c.expr.to_owned() };
            format!("{expr} {}", if *desc != forward { "ASC" } else { "DESC" })
        })
        .collect();
    format!(" ORDER BY {}", parts.join(", "))
}

/// Fetches one page of ids in sort order. `base` selects `CAST(id AS TEXT)` with every filter
/// applied; returns the ids and whether more rows lie beyond in the walking direction.
async fn page_ids(
    conn: &mut Conn,
    base: &Sql,
    keys_cols: &[(&SortCol, bool)],
    page: &PageRequest,
) -> StoreResult<(Vec<String>, bool)> {
    let forward = !page.before;
    let mut sql = base.clone();
    if let Some(c) = &page.cursor {
        keyset(&mut sql, keys_cols, &c.keys, forward)?;
    }
    sql.push(&order_by(keys_cols, forward, base.indexed_filter));
    let limit = sql.int_arg(i64::from(page.limit) + 1);
    sql.push(&format!(" LIMIT {limit}"));
    let mut ids: Vec<(String,)> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let more = ids.len() > page.limit as usize;
    ids.truncate(page.limit as usize);
    if !forward {
        ids.reverse();
    }
    Ok((ids.into_iter().map(|(id,)| id).collect(), more))
}

async fn exists_beyond(
    conn: &mut Conn,
    base: &Sql,
    keys_cols: &[(&SortCol, bool)],
    keys: &[Value],
    forward: bool,
) -> StoreResult<bool> {
    let mut sql = base.clone();
    keyset(&mut sql, keys_cols, keys, forward)?;
    sql.push(" LIMIT 1");
    let row: Option<(String,)> = sql.query_as().fetch_optional(&mut *conn).await.map_err(db_err)?;
    Ok(row.is_some())
}

/// Runs a whole list request: page of ids, the family's loader, and both cursors.
async fn list_page<V>(
    conn: &mut Conn,
    base: &Sql,
    cols: &[SortCol],
    id_col: &SortCol,
    page: &PageRequest,
    load: impl AsyncLoad<V>,
    keys_of: impl Fn(&V, &[(&SortCol, bool)]) -> Vec<Value>,
) -> StoreResult<Page<V>> {
    let keys_cols = key_columns(page, cols, id_col);
    let (ids, more) = page_ids(conn, base, &keys_cols, page).await?;
    let items = load.load(conn, ids).await?;
    let forward = !page.before;
    let first = items.first().map(|v| keys_of(v, &keys_cols));
    let last = items.last().map(|v| keys_of(v, &keys_cols));
    let (mut next, mut prev) = (None, None);
    if forward {
        if more {
            next = last.map(|k| page.cursor_at(k, false));
        }
        if page.cursor.is_some() {
            prev = cursor_back(conn, base, &keys_cols, page, first, false).await?;
        }
    } else {
        if more {
            prev = first.map(|k| page.cursor_at(k, true));
        }
        if page.cursor.is_some() {
            next = cursor_back(conn, base, &keys_cols, page, last, true).await?;
        }
    }
    Ok(Page { items, next_cursor: next, prev_cursor: prev })
}

/// The cursor leading back the way a page came (`forward` is that way's direction), when
/// rows lie there. It is anchored at the page's edge row; an empty page (every row past
/// the request's cursor was deleted) gets an end cursor instead, so walking back still
/// includes the row that cursor pointed at.
async fn cursor_back(
    conn: &mut Conn,
    base: &Sql,
    keys_cols: &[(&SortCol, bool)],
    page: &PageRequest,
    edge: Option<Vec<Value>>,
    forward: bool,
) -> StoreResult<Option<String>> {
    match edge {
        Some(anchor) => {
            Ok(exists_beyond(conn, base, keys_cols, &anchor, forward).await?.then(|| page.cursor_at(anchor, !forward)))
        }
        None => {
            let mut sql = base.clone();
            sql.push(" LIMIT 1");
            let row: Option<(String,)> = sql.query_as().fetch_optional(&mut *conn).await.map_err(db_err)?;
            Ok(row.map(|_| page.cursor_at(Vec::new(), !forward)))
        }
    }
}

/// Loads the views of a family for a list of ids, in that order.
trait AsyncLoad<V> {
    fn load(self, conn: &mut Conn, ids: Vec<String>) -> impl std::future::Future<Output = StoreResult<Vec<V>>> + Send;
}

struct LoadUsers<'a> {
    org: &'a str,
    kind: ObjectKind,
}

impl AsyncLoad<UserView> for LoadUsers<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<UserView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_users(conn, self.org, self.kind, &nums).await
    }
}

struct LoadAccounts<'a> {
    org: &'a str,
}

impl AsyncLoad<AccountView> for LoadAccounts<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<AccountView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_accounts(conn, self.org, &nums).await
    }
}

struct LoadRevOrgs<'a> {
    org: &'a str,
}

impl AsyncLoad<RevOrgView> for LoadRevOrgs<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<RevOrgView>> {
        load_rev_orgs(conn, self.org, &ids).await
    }
}

struct LoadTags<'a> {
    org: &'a str,
}

impl AsyncLoad<TagView> for LoadTags<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<TagView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_tags(conn, self.org, &nums).await
    }
}

/// Orders loaded views to match the id list from the page query.
fn in_order<V>(ids: &[String], mut views: HashMap<String, V>) -> Vec<V> {
    ids.iter().filter_map(|id| views.remove(id)).collect()
}

// ---------------------------------------------------------------------------------------
// Filters shared by several lists

fn filter_in_text(sql: &mut Sql, expr: &str, values: Option<&Vec<String>>) {
    if let Some(values) = values {
        if values.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            let ps = sql.text_list(values);
            sql.push(&format!(" AND {expr} IN ({ps})"));
        }
    }
}

fn filter_in_int(sql: &mut Sql, expr: &str, values: Option<&Vec<i64>>) {
    if let Some(values) = values {
        if values.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            let ps = sql.int_list(values);
            sql.push(&format!(" AND {expr} IN ({ps})"));
        }
    }
}

fn filter_json_any(sql: &mut Sql, column: &str, values: Option<&Vec<String>>) {
    if let Some(values) = values {
        if values.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            let ps = sql.text_list(values);
            sql.push(&format!(" AND {}", json_array_has_any(column, &ps)));
        }
    }
}

fn filter_range(sql: &mut Sql, expr: &str, range: Option<&TimeRange>) {
    if let Some(r) = range {
        if let Some(a) = r.after {
            let p = sql.int_arg(a.millis());
            sql.push(&format!(" AND {expr} >= {p}"));
        }
        if let Some(b) = r.before {
            let p = sql.int_arg(b.millis());
            sql.push(&format!(" AND {expr} <= {p}"));
        }
    }
}

fn filter_created_by(sql: &mut Sql, alias: &str, refs: Option<&Vec<UserRef>>) {
    if let Some(refs) = refs {
        if refs.is_empty() {
            sql.push(" AND 1 = 0");
            return;
        }
        let mut ors = Vec::new();
        for r in refs {
            let k = sql.text_arg(code(r.kind));
            let i = sql.int_arg(r.id);
            ors.push(format!("({alias}.created_by_kind = {k} AND {alias}.created_by_id = {i})"));
        }
        sql.push(&format!(" AND ({})", ors.join(" OR ")));
    }
}

fn filter_tags(sql: &mut Sql, alias: &str, object_kind: &str, tags: Option<&Vec<TagFilterEntry>>) {
    let Some(tags) = tags else { return };
    let mut ors = Vec::new();
    for (id, value) in tags {
        let Some(id) = id else { continue };
        let i = sql.int_arg(*id);
        match value {
            Some(v) => {
                let p = sql.text_arg(v);
                ors.push(format!("(l.tag_id = {i} AND l.value = {p})"));
            }
            None => ors.push(format!("l.tag_id = {i}")),
        }
    }
    if ors.is_empty() {
        sql.push(" AND 1 = 0");
        return;
    }
    let k = sql.text_arg(object_kind);
    sql.push(&format!(
        " AND EXISTS (SELECT 1 FROM tag_links l WHERE l.dev_org_id = {alias}.dev_org_id AND l.object_kind = {k} \
         AND l.object_id = CAST({alias}.id AS TEXT) AND ({}))",
        ors.join(" OR ")
    ));
}

fn filter_refs(sql: &mut Sql, org: &str, alias: &str, namespace: &str, values: Option<&Vec<String>>) {
    if let Some(values) = values {
        if values.is_empty() {
            sql.push(" AND 1 = 0");
            return;
        }
        // An uncorrelated subquery: the refs' primary key finds the holders, whose own
        // primary key then finds the rows.
        let o = sql.text_arg(org);
        let ns = sql.text_arg(namespace);
        let ps = sql.text_list(values);
        sql.push(&format!(
            " AND {alias}.id IN (SELECT CAST(x.object_id AS BIGINT) FROM external_refs x WHERE x.dev_org_id = {o} \
             AND x.namespace = {ns} AND x.value IN ({ps}))"
        ));
        sql.indexed_filter = true;
    }
}

// ---------------------------------------------------------------------------------------
// Shared pieces: summaries, tags, external refs

#[derive(sqlx::FromRow)]
struct SummaryRow {
    kind: String,
    id: i64,
    display_name: Option<String>,
    email: Option<String>,
    full_name: Option<String>,
    state: String,
    external_ref: Option<String>,
    rev_org_id: Option<String>,
    rev_org_name: Option<String>,
}

async fn user_summaries(
    conn: &mut Conn,
    org: &str,
    refs: impl IntoIterator<Item = UserRef>,
) -> StoreResult<HashMap<UserRef, UserSummaryData>> {
    let refs: HashSet<UserRef> = refs.into_iter().collect();
    if refs.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let mut ors = Vec::new();
    for r in &refs {
        let k = sql.text_arg(code(r.kind));
        let i = sql.int_arg(r.id);
        ors.push(format!("(u.kind = {k} AND u.id = {i})"));
    }
    sql.push(&format!(
        "SELECT u.kind, u.id, u.display_name, u.email, u.full_name, u.state, u.external_ref, u.rev_org_id, \
         r.display_name AS rev_org_name FROM users u LEFT JOIN rev_orgs r ON r.dev_org_id = u.dev_org_id \
         AND r.id = u.rev_org_id WHERE u.dev_org_id = {o} AND ({})",
        ors.join(" OR ")
    ));
    let rows: Vec<SummaryRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind = ObjectKind::from_don_type(&r.kind)?;
            let user = UserRef { kind, id: r.id };
            let rev_org =
                r.rev_org_id.map(|id| OrgSummaryData { kind: ObjectKind::RevOrg, id, display_name: r.rev_org_name });
            Some((
                user,
                UserSummaryData {
                    user,
                    display_name: r.display_name,
                    email: r.email,
                    full_name: r.full_name,
                    state: parse_state(&r.state),
                    external_ref: r.external_ref,
                    rev_org,
                },
            ))
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct TagLinkRow {
    object_id: String,
    tag_id: i64,
    value: Option<String>,
    name: String,
    color: Option<String>,
}

async fn tag_links(
    conn: &mut Conn,
    org: &str,
    object_kind: &str,
    ids: &[String],
) -> StoreResult<HashMap<String, Vec<TagLinkData>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let k = sql.text_arg(object_kind);
    let ps = sql.text_list(ids);
    sql.push(&format!(
        "SELECT l.object_id, l.tag_id, l.value, t.name, t.color FROM tag_links l JOIN tags t \
         ON t.dev_org_id = l.dev_org_id AND t.id = l.tag_id WHERE l.dev_org_id = {o} AND l.object_kind = {k} \
         AND l.object_id IN ({ps}) ORDER BY l.object_id, l.position"
    ));
    let rows: Vec<TagLinkRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut out: HashMap<String, Vec<TagLinkData>> = HashMap::new();
    for r in rows {
        out.entry(r.object_id).or_default().push(TagLinkData {
            tag_id: r.tag_id,
            name: r.name,
            color: r.color,
            value: r.value,
        });
    }
    Ok(out)
}

/// Replaces an object's tags after checking every tag exists in the org and every value is
/// allowed (§8.3).
async fn write_tag_links(
    conn: &mut Conn,
    org: &str,
    object_kind: &str,
    object_id: &str,
    tags: &[TagAssignment],
) -> StoreResult<()> {
    let mut resolved = Vec::with_capacity(tags.len());
    for (i, t) in tags.iter().enumerate() {
        let field = format!("tags[{i}].id");
        let missing = || {
            StoreError::Invalid(ValidationError::not_permitted(
                &field,
                format!("tag {} does not exist", t_display(&t.id)),
            ))
        };
        let id = t.id.number_in(org).ok_or_else(missing)?;
        let tag = fetch_tag(conn, org, id, false).await?.ok_or_else(missing)?;
        check_value(i, t.value.as_deref(), &tag)?;
        if resolved.iter().any(|(r, _): &(i64, Option<String>)| *r == id) {
            return Err(StoreError::Invalid(ValidationError::not_permitted(&field, "the same tag is given twice")));
        }
        resolved.push((id, t.value.clone()));
    }
    sqlx::query::<Db>("DELETE FROM tag_links WHERE dev_org_id = $1 AND object_kind = $2 AND object_id = $3")
        .bind(org)
        .bind(object_kind)
        .bind(object_id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    for (pos, (tag_id, value)) in resolved.into_iter().enumerate() {
        sqlx::query::<Db>(
            "INSERT INTO tag_links (dev_org_id, object_kind, object_id, position, tag_id, value) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org)
        .bind(object_kind)
        .bind(object_id)
        .bind(pos as i64)
        .bind(tag_id)
        .bind(value)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

fn t_display(id: &ParsedId) -> String {
    display_id(ObjectKind::Tag, &id.local).unwrap_or_else(|| id.local.clone())
}

async fn delete_tag_links(conn: &mut Conn, org: &str, object_kind: &str, object_id: &str) -> StoreResult<()> {
    sqlx::query::<Db>("DELETE FROM tag_links WHERE dev_org_id = $1 AND object_kind = $2 AND object_id = $3")
        .bind(org)
        .bind(object_kind)
        .bind(object_id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Makes `values` the external refs of one object, refusing values another object holds.
async fn claim_refs(
    conn: &mut Conn,
    org: &str,
    namespace: ObjectKind,
    object_id: &str,
    values: &[String],
    field: &str,
) -> StoreResult<()> {
    let ns = code(namespace);
    if !values.is_empty() {
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let n = sql.text_arg(ns);
        let me = sql.text_arg(object_id);
        let ps = sql.text_list(values);
        sql.push(&format!(
            "SELECT value, object_id FROM external_refs WHERE dev_org_id = {o} AND namespace = {n} \
             AND object_id <> {me} AND value IN ({ps}) LIMIT 1"
        ));
        let taken: Option<(String, String)> = sql.query_as().fetch_optional(&mut *conn).await.map_err(db_err)?;
        if let Some((value, holder)) = taken {
            let holder = display_id(namespace, &holder).unwrap_or(holder);
            return Err(StoreError::Conflict(format!("{field} {value} is already used by {holder}")));
        }
    }
    sqlx::query::<Db>("DELETE FROM external_refs WHERE dev_org_id = $1 AND namespace = $2 AND object_id = $3")
        .bind(org)
        .bind(ns)
        .bind(object_id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let mut seen = HashSet::new();
    for v in values {
        if !seen.insert(v) {
            continue;
        }
        sqlx::query::<Db>(
            "INSERT INTO external_refs (dev_org_id, namespace, value, object_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(org)
        .bind(ns)
        .bind(v)
        .bind(object_id)
        .execute(&mut *conn)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("{field} {v} is already in use")),
            other => other,
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Users

const USER_COLS: &str = "u.kind, u.id, u.display_name, u.full_name, u.email, u.phone_numbers, u.state, \
    u.description, u.external_ref, u.external_refs, u.is_verified, u.rev_org_id, u.created_by_kind, \
    u.created_by_id, u.created_date, u.modified_by_kind, u.modified_by_id, u.modified_date, u.display_picture_id, \
    u.artifact_ids, u.custom_fields, u.custom_schema_fragments, u.subtype";

#[derive(sqlx::FromRow)]
struct UserRow {
    kind: String,
    id: i64,
    display_name: Option<String>,
    full_name: Option<String>,
    email: Option<String>,
    phone_numbers: String,
    state: String,
    description: Option<String>,
    external_ref: Option<String>,
    external_refs: String,
    is_verified: bool,
    rev_org_id: Option<String>,
    created_by_kind: Option<String>,
    created_by_id: Option<i64>,
    created_date: i64,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
    modified_date: i64,
    display_picture_id: Option<i64>,
    artifact_ids: String,
    custom_fields: String,
    custom_schema_fragments: String,
    subtype: Option<String>,
}

impl UserRow {
    fn into_record(self) -> Option<UserRecord> {
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
            created_by: user_ref(self.created_by_kind, self.created_by_id),
            created_date: Timestamp::from_millis(self.created_date),
            modified_by: user_ref(self.modified_by_kind, self.modified_by_id),
            modified_date: Timestamp::from_millis(self.modified_date),
            custom: CustomState::from_columns(&self.custom_fields, &self.custom_schema_fragments, self.subtype),
        })
    }
}

async fn fetch_user(
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
fn user_extra_columns(user: &str, kind: ObjectKind, actor: Option<(&str, &str)>) -> String {
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
        "{created_by} AS cb_json, {modified_by} AS mb_json, (SELECT o.display_name FROM rev_orgs o \
         WHERE o.dev_org_id = {user}.dev_org_id AND o.id = {user}.rev_org_id) AS rev_org_name, {tags} AS tags_json"
    )
}

/// A scalar subquery giving the summary of the user `(org, kind, id)` (SQL expressions) as
/// the JSON text `summary_from_json` reads, or NULL when there is no such user.
fn summary_json_subquery(org: &str, kind: &str, id: &str) -> String {
    format!(
        "(SELECT {} FROM users x LEFT JOIN rev_orgs o ON o.dev_org_id = x.dev_org_id AND o.id = x.rev_org_id \
         WHERE x.dev_org_id = {org} AND x.kind = {kind} AND x.id = {id})",
        json_array_text("x.display_name, x.email, x.full_name, x.state, x.external_ref, x.rev_org_id, o.display_name")
    )
}

/// A user row with everything its view needs from other tables but artifacts and custom
/// schemas, which most users lack: one statement renders a user where five did.
#[derive(sqlx::FromRow)]
struct WideUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    cb_json: Option<String>,
    mb_json: Option<String>,
    rev_org_name: Option<String>,
    tags_json: String,
}

/// The parts of a user's view read from other tables along with its row.
struct UserExtras {
    created_by: Option<UserSummaryData>,
    modified_by: Option<UserSummaryData>,
    rev_org_name: Option<String>,
    tags: Vec<TagLinkData>,
}

/// The fields of a summary in the order `user_extra_columns` puts them in its JSON array.
type SummaryFields =
    (Option<String>, Option<String>, Option<String>, String, Option<String>, Option<String>, Option<String>);

/// A summary from the JSON text `user_extra_columns` reads; `None` when there was no user.
fn summary_from_json(user: Option<UserRef>, json: Option<&str>) -> StoreResult<Option<UserSummaryData>> {
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
fn summary_of(r: &UserRecord, rev_org_name: Option<String>) -> UserSummaryData {
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
    fn split(self) -> StoreResult<Option<(UserRecord, UserExtras)>> {
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
async fn load_users_wide(
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

/// Completes users' views with what only some users have: artifacts and custom fields.
async fn finish_user_views(
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
async fn written_user_view(
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
    let id = record.user.id;
    finish_user_views(conn, org, vec![(record, extras)]).await?.pop().ok_or_else(|| not_found_user(id))
}

async fn user_view(conn: &mut Conn, org: &str, kind: ObjectKind, id: i64) -> StoreResult<Option<UserView>> {
    let users = load_users_wide(conn, org, kind, &[id], false).await?;
    Ok(finish_user_views(conn, org, users).await?.pop())
}

async fn load_users(conn: &mut Conn, org: &str, kind: ObjectKind, ids: &[i64]) -> StoreResult<Vec<UserView>> {
    let users = load_users_wide(conn, org, kind, ids, false).await?;
    let views = finish_user_views(conn, org, users).await?;
    let by_id = views.into_iter().map(|v| (v.record.user.id.to_string(), v)).collect();
    Ok(in_order(&ids.iter().map(i64::to_string).collect::<Vec<_>>(), by_id))
}

async fn insert_user(conn: &mut Conn, org: &str, r: &UserRecord) -> StoreResult<()> {
    sqlx::query::<Db>(
        "INSERT INTO users (dev_org_id, kind, id, display_name, full_name, email, email_lower, phone_numbers, state, \
         description, external_ref, external_refs, is_verified, rev_org_id, created_by_kind, created_by_id, \
         created_date, modified_by_kind, modified_by_id, modified_date, display_picture_id, artifact_ids) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    )
    .bind(org)
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
    .bind(r.created_by.map(|u| code(u.kind)))
    .bind(r.created_by.map(|u| u.id))
    .bind(r.created_date.millis())
    .bind(r.modified_by.map(|u| code(u.kind)))
    .bind(r.modified_by.map(|u| u.id))
    .bind(r.modified_date.millis())
    .bind(r.display_picture)
    .bind(id_json(&r.artifacts))
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn save_user(conn: &mut Conn, org: &str, r: &UserRecord) -> StoreResult<()> {
    sqlx::query::<Db>(
        "UPDATE users SET display_name = $4, full_name = $5, email = $6, email_lower = $7, phone_numbers = $8, \
         state = $9, description = $10, external_ref = $11, external_refs = $12, is_verified = $13, rev_org_id = $14, \
         modified_by_kind = $15, modified_by_id = $16, modified_date = $17, display_picture_id = $18, \
         artifact_ids = $19 WHERE dev_org_id = $1 AND kind = $2 AND id = $3",
    )
    .bind(org)
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
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Every external id a contact holds: its `external_ref` and its `external_refs`.
fn rev_user_refs(r: &UserRecord) -> Vec<String> {
    let mut all: Vec<String> = r.external_ref.iter().cloned().collect();
    all.extend(r.external_refs.iter().cloned());
    all
}

const USER_SORT: &[SortCol] = &[
    SortCol { name: "created_date", expr: "u.created_date", int: true },
    SortCol { name: "modified_date", expr: "u.modified_date", int: true },
    SortCol { name: "display_name", expr: "COALESCE(u.display_name, '')", int: false },
    SortCol { name: "display_id", expr: "u.id", int: true },
    SortCol { name: "email", expr: "COALESCE(u.email_lower, '')", int: false },
    SortCol { name: "external_ref", expr: "COALESCE(u.external_ref, '')", int: false },
];
const USER_ID: SortCol = SortCol { name: "id", expr: "u.id", int: true };

fn user_keys(v: &UserView, cols: &[(&SortCol, bool)]) -> Vec<Value> {
    let r = &v.record;
    cols.iter()
        .map(|(c, _)| match c.name {
            "created_date" => Value::from(r.created_date.millis()),
            "modified_date" => Value::from(r.modified_date.millis()),
            "display_name" => Value::from(r.display_name.clone().unwrap_or_default()),
            "email" => Value::from(r.email.as_deref().map(str::to_lowercase).unwrap_or_default()),
            "external_ref" => Value::from(r.external_ref.clone().unwrap_or_default()),
            _ => Value::from(r.user.id),
        })
        .collect()
}

async fn rev_org_exists(conn: &mut Conn, org: &str, id: &str) -> StoreResult<bool> {
    let row: Option<(String,)> =
        sqlx::query_as::<Db, (String,)>("SELECT id FROM rev_orgs WHERE dev_org_id = $1 AND id = $2")
            .bind(org)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
    Ok(row.is_some())
}

async fn default_rev_org_of(conn: &mut Conn, org: &str, account: i64) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as::<Db, (String,)>(
        "SELECT id FROM rev_orgs WHERE dev_org_id = $1 AND account_id = $2 ORDER BY is_default DESC, created_date LIMIT 1",
    )
    .bind(org)
    .bind(account)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(|(id,)| id))
}

fn not_found(kind: ObjectKind, id: &ParsedId) -> StoreError {
    let shown = display_id(kind, &id.local).unwrap_or_else(|| id.local.clone());
    StoreError::not_found(kind.noun(), &shown)
}

fn reference_missing(field: &str, kind: ObjectKind, id: &ParsedId) -> StoreError {
    let shown = display_id(kind, &id.local).unwrap_or_else(|| id.local.clone());
    StoreError::Invalid(ValidationError::not_permitted(field, format!("{} {shown} does not exist", kind.noun())))
}

async fn create_org_rows(conn: &mut Conn, display_name: Option<String>, now: Timestamp) -> StoreResult<NewDevOrg> {
    let id = random_alnum(9);
    let org = DevOrgRecord {
        display_name: display_name.unwrap_or_else(|| "revdir".to_owned()),
        slug: format!("org-{}", id.to_lowercase()),
        id,
        created_date: now,
    };
    sqlx::query::<Db>("INSERT INTO dev_orgs (id, display_name, slug, created_date) VALUES ($1, $2, $3, $4)")
        .bind(&org.id)
        .bind(&org.display_name)
        .bind(&org.slug)
        .bind(now.millis())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let admin = UserRef { kind: ObjectKind::DevUser, id: next_id(conn, &org.id, code(ObjectKind::DevUser)).await? };
    let base = |user: UserRef, name: &str, full: &str| UserRecord {
        user,
        display_name: Some(name.to_owned()),
        full_name: Some(full.to_owned()),
        email: None,
        phone_numbers: Vec::new(),
        state: revdir_core::api::common::UserState::Active,
        description: None,
        external_ref: None,
        external_refs: Vec::new(),
        is_verified: true,
        rev_org: None,
        display_picture: None,
        artifacts: Vec::new(),
        created_by: None,
        created_date: now,
        modified_by: None,
        modified_date: now,
        custom: CustomState::default(),
    };
    insert_user(conn, &org.id, &base(admin, "admin", "revdir admin")).await?;
    let bot = UserRef { kind: ObjectKind::SysUser, id: next_id(conn, &org.id, code(ObjectKind::SysUser)).await? };
    insert_user(conn, &org.id, &base(bot, "devrev-bot", "DevRev Bot")).await?;
    Ok(NewDevOrg { org, admin })
}

#[derive(sqlx::FromRow)]
struct DevOrgRow {
    id: String,
    display_name: String,
    slug: String,
    created_date: i64,
}

impl From<DevOrgRow> for DevOrgRecord {
    fn from(r: DevOrgRow) -> Self {
        Self {
            id: r.id,
            display_name: r.display_name,
            slug: r.slug,
            created_date: Timestamp::from_millis(r.created_date),
        }
    }
}

#[async_trait]
impl DevOrgStore for Backend {
    async fn bootstrap(&self, now: Timestamp) -> StoreResult<Option<NewDevOrg>> {
        retrying!(async {
            let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
            let created = create_org_rows(&mut tx, None, now).await?;
            let inserted = sqlx::query::<Db>(
                "INSERT INTO server_settings (name, value) VALUES ('default_dev_org', $1) ON CONFLICT (name) DO NOTHING",
            )
            .bind(&created.org.id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if inserted == 0 {
                tx.rollback().await.map_err(db_err)?;
                return Ok(None);
            }
            tx.commit().await.map_err(db_err)?;
            Ok(Some(created))
        })
    }

    async fn create_dev_org(&self, display_name: Option<String>, now: Timestamp) -> StoreResult<NewDevOrg> {
        retrying!(async {
            let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
            let created = create_org_rows(&mut tx, display_name.clone(), now).await?;
            tx.commit().await.map_err(db_err)?;
            Ok(created)
        })
    }

    async fn default_dev_org(&self) -> StoreResult<Option<NewDevOrg>> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let row: Option<DevOrgRow> = sqlx::query_as::<Db, DevOrgRow>(
            "SELECT d.id, d.display_name, d.slug, d.created_date FROM dev_orgs d JOIN server_settings s \
             ON s.name = 'default_dev_org' AND s.value = d.id",
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        Ok(row.map(|r| NewDevOrg { org: r.into(), admin: UserRef { kind: ObjectKind::DevUser, id: 1 } }))
    }

    async fn get_dev_org(&self, scope: &DevOrgScope) -> StoreResult<DevOrgRecord> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let row: Option<DevOrgRow> =
            sqlx::query_as::<Db, DevOrgRow>("SELECT id, display_name, slug, created_date FROM dev_orgs WHERE id = $1")
                .bind(&scope.dev_org)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        row.map(Into::into).ok_or_else(|| StoreError::not_found("dev org", &scope.dev_org))
    }

    async fn signing_key(&self, fresh: Vec<u8>) -> StoreResult<Vec<u8>> {
        let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
        let stored: String = retrying!(async {
            let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
            sqlx::query::<Db>(
                "INSERT INTO server_settings (name, value) VALUES ('jwt_signing_key', $1) ON CONFLICT (name) DO NOTHING",
            )
            .bind(&hex)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            let (value,): (String,) =
                sqlx::query_as::<Db, (String,)>("SELECT value FROM server_settings WHERE name = 'jwt_signing_key'")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            Ok(value)
        })?;
        (0..stored.len())
            .step_by(2)
            .map(|i| stored.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| StoreError::Internal(anyhow::anyhow!("stored signing key is not hex")))
    }

    async fn insert_token(&self, t: &TokenRecord) -> StoreResult<()> {
        retrying!(async {
            let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
            sqlx::query::<Db>(
                "INSERT INTO auth_tokens (jti, dev_org_id, subject_kind, subject_id, token_type, issued_at, expires_at, revoked) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&t.jti)
            .bind(&t.dev_org)
            .bind(code(t.subject.kind))
            .bind(t.subject.id)
            .bind(&t.token_type)
            .bind(t.issued_at.millis())
            .bind(t.expires_at.map(Timestamp::millis))
            .bind(t.revoked)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            Ok(())
        })
    }

    async fn token(&self, dev_org: &str, jti: &str) -> StoreResult<Option<(TokenRecord, Option<UserSummaryData>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            jti: String,
            dev_org_id: String,
            subject_kind: String,
            subject_id: i64,
            token_type: String,
            issued_at: i64,
            expires_at: Option<i64>,
            revoked: bool,
            subject_json: Option<String>,
        }
        let sql = token_check_sql();
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let row: Option<Row> =
            sqlx::query_as::<Db, Row>(sql).bind(jti).bind(dev_org).fetch_optional(&mut *conn).await.map_err(db_err)?;
        conn.release();
        let Some(r) = row else { return Ok(None) };
        let Some(kind) = ObjectKind::from_don_type(&r.subject_kind) else { return Ok(None) };
        let subject = UserRef { kind, id: r.subject_id };
        let summary = summary_from_json(Some(subject), r.subject_json.as_deref())?;
        Ok(Some((
            TokenRecord {
                jti: r.jti,
                dev_org: r.dev_org_id,
                subject,
                token_type: r.token_type,
                issued_at: Timestamp::from_millis(r.issued_at),
                expires_at: r.expires_at.map(Timestamp::from_millis),
                revoked: r.revoked,
            },
            summary,
        )))
    }

    // Token metadata (§8.5): implemented with the dev-user section at the end of this file.

    async fn issue_token(
        &self,
        scope: &DevOrgScope,
        issue: tok::TokenIssue,
        now: Timestamp,
    ) -> StoreResult<tok::IssuedSubject> {
        retrying!(self.issue_token_once(scope, &issue, now))
    }

    async fn get_token(&self, scope: &DevOrgScope, jti: &ParsedId) -> StoreResult<tok::TokenView> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        fetch_token(&mut tx, &scope.dev_org, jti, false).await
    }

    async fn list_tokens(&self, scope: &DevOrgScope, filter: &tok::TokenFilter) -> StoreResult<Vec<tok::TokenView>> {
        self.list_tokens_in(scope, filter).await
    }

    async fn update_token_hint(
        &self,
        scope: &DevOrgScope,
        jti: &ParsedId,
        hint: Option<String>,
        now: Timestamp,
    ) -> StoreResult<tok::TokenView> {
        retrying!(self.update_token_hint_once(scope, jti, hint.as_deref(), now))
    }

    async fn revoke_token(&self, scope: &DevOrgScope, jti: &ParsedId, now: Timestamp) -> StoreResult<()> {
        retrying!(self.revoke_token_once(scope, jti, now))
    }

    async fn revoke_tokens_of(
        &self,
        scope: &DevOrgScope,
        subject: UserRef,
        kind: Option<tok::TokenKind>,
        now: Timestamp,
    ) -> StoreResult<u64> {
        retrying!(self.revoke_tokens_of_once(scope, subject, kind, now))
    }

    async fn user_summary(&self, scope: &DevOrgScope, user: UserRef) -> StoreResult<UserSummaryData> {
        self.user_summary_of(scope, user).await
    }
}

#[async_trait]
impl DevUserStore for Backend {
    async fn get_dev_user(&self, scope: &DevOrgScope, id: i64) -> StoreResult<UserView> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        user_view(&mut tx, &scope.dev_org, ObjectKind::DevUser, id)
            .await?
            .ok_or_else(|| StoreError::not_found("dev user", &format!("DEVU-{id}")))
    }

    // The rest of the dev-user family lives in its section at the end of this file.

    async fn create_dev_user(
        &self,
        scope: &DevOrgScope,
        draft: devu::DevUserDraft,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        retrying!(self.create_dev_user_once(scope, &draft, now))
    }

    async fn dev_user(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<devu::DevUserView> {
        let n = id.number_in(&scope.dev_org).ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        dev_user_view(&mut tx, &scope.dev_org, n).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))
    }

    async fn list_dev_users(
        &self,
        scope: &DevOrgScope,
        filter: devu::DevUserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<devu::DevUserView>> {
        self.list_dev_users_in(scope, &filter, &page).await
    }

    async fn update_dev_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: devu::DevUserPatch,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        retrying!(self.update_dev_user_once(scope, id, &patch, now))
    }

    async fn change_dev_user_state(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        change: devu::StateChange,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        retrying!(self.change_dev_user_state_once(scope, id, change, now))
    }

    async fn link_identity(
        &self,
        scope: &DevOrgScope,
        link: devu::IdentityLink,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        retrying!(self.link_identity_once(scope, &link, now))
    }

    async fn unlink_identity(
        &self,
        scope: &DevOrgScope,
        unlink: devu::IdentityUnlink,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        retrying!(self.unlink_identity_once(scope, &unlink, now))
    }

    async fn merge_dev_users(&self, scope: &DevOrgScope, merge: devu::DevUserMerge, now: Timestamp) -> StoreResult<()> {
        retrying!(self.merge_dev_users_once(scope, &merge, now))
    }
}

impl Backend {
    async fn create_rev_user_once(
        &self,
        scope: &DevOrgScope,
        d: &RevUserDraft,
        now: Timestamp,
    ) -> StoreResult<UserView> {
        let org = scope.dev_org.as_str();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let rev_org = match (&d.rev_org, &d.account) {
            (Some(r), _) => {
                let local = r.local_in(org).ok_or_else(|| reference_missing("rev_org", ObjectKind::RevOrg, r))?;
                if !rev_org_exists(&mut tx, org, local).await? {
                    return Err(reference_missing("rev_org", ObjectKind::RevOrg, r));
                }
                Some(local.to_owned())
            }
            (None, Some(a)) => {
                let n = a.number_in(org).ok_or_else(|| reference_missing("account", ObjectKind::Account, a))?;
                Some(
                    default_rev_org_of(&mut tx, org, n)
                        .await?
                        .ok_or_else(|| reference_missing("account", ObjectKind::Account, a))?,
                )
            }
            (None, None) => None,
        };
        let custom = apply_custom(&mut tx, org, LeafType::RevUser, &CustomState::default(), d.custom.as_ref()).await?;
        let id = next_id(&mut tx, org, code(ObjectKind::RevUser)).await?;
        let holder = ParentRef { kind: ObjectKind::RevUser, id: id.to_string() };
        let picture = d.display_picture.as_ref().map(|p| resolve_artifact(org, "display_picture", p)).transpose()?;
        let attached =
            d.artifacts.iter().map(|a| resolve_artifact(org, "artifacts", a)).collect::<StoreResult<Vec<_>>>()?;
        hold_artifacts(&mut tx, org, &holder, &[], picture, &attached).await?;
        // §7: the display id stands in for a missing external_ref.
        let external_ref = d.external_ref.clone().or_else(|| display_id(ObjectKind::RevUser, id));
        let external_refs = d.external_refs.clone().unwrap_or_else(|| external_ref.iter().cloned().collect());
        let record = UserRecord {
            user: UserRef { kind: ObjectKind::RevUser, id },
            display_name: d.display_name.clone(),
            full_name: None,
            email: d.email.as_ref().map(|e| e.as_str().to_owned()),
            phone_numbers: d.phone_numbers.iter().map(|p| p.as_str().to_owned()).collect(),
            state: revdir_core::api::common::UserState::Active,
            description: d.description.clone(),
            external_ref,
            external_refs,
            is_verified: true,
            rev_org,
            display_picture: picture,
            artifacts: attached,
            created_by: Some(scope.actor),
            created_date: now,
            modified_by: Some(scope.actor),
            modified_date: now,
            custom,
        };
        let sid = id.to_string();
        claim_refs(&mut tx, org, ObjectKind::RevUser, &sid, &rev_user_refs(&record), "external_ref").await?;
        insert_user(&mut tx, org, &record).await?;
        if d.custom.is_some() {
            save_custom(&mut tx, org, &CustomOwner::User(ObjectKind::RevUser, id), &record.custom).await?;
        }
        if !d.tags.is_empty() {
            write_tag_links(&mut tx, org, code(ObjectKind::RevUser), &sid, &d.tags).await?;
        }
        let view = user_view(&mut tx, org, ObjectKind::RevUser, id).await?.ok_or_else(|| not_found_user(id))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn update_rev_user_once(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        p: &RevUserPatch,
        now: Timestamp,
    ) -> StoreResult<UserView> {
        let org = scope.dev_org.as_str();
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::RevUser, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let (mut r, extras) = load_users_wide(&mut tx, org, ObjectKind::RevUser, &[n], true)
            .await?
            .pop()
            .ok_or_else(|| not_found(ObjectKind::RevUser, id))?;
        let refs_before = rev_user_refs(&r);
        apply_rev_user_fields(&mut r, p);
        if let Some(v) = &p.external_ref {
            // Without an explicit external_refs, the list follows its primary value (§5.1):
            // the old external_ref is replaced in place.
            if p.external_refs.is_none() {
                let old = r.external_ref.take();
                let slot = r.external_refs.iter().position(|e| Some(e.as_str()) == old.as_deref());
                match slot {
                    Some(i) => r.external_refs[i] = v.clone(),
                    None if r.external_refs.is_empty() => r.external_refs.push(v.clone()),
                    None => {}
                }
                r.external_refs.dedup();
            }
            r.external_ref = Some(v.clone());
        }
        if let Some(v) = &p.external_refs {
            r.external_refs = v.clone();
        }
        if p.display_picture.is_some() || p.artifacts.is_some() {
            let picture = match &p.display_picture {
                None => r.display_picture,
                Some(None) => None,
                Some(Some(id)) => Some(resolve_artifact(org, "display_picture", id)?),
            };
            let attached = match &p.artifacts {
                None => r.artifacts.clone(),
                Some(ids) => {
                    ids.iter().map(|a| resolve_artifact(org, "artifacts", a)).collect::<StoreResult<Vec<_>>>()?
                }
            };
            let holder = ParentRef { kind: ObjectKind::RevUser, id: n.to_string() };
            let before: Vec<i64> = r.display_picture.iter().chain(r.artifacts.iter()).copied().collect();
            hold_artifacts(&mut tx, org, &holder, &before, picture, &attached).await?;
            r.display_picture = picture;
            r.artifacts = attached;
        }
        if p.custom.is_some() {
            r.custom = apply_custom(&mut tx, org, LeafType::RevUser, &r.custom, p.custom.as_ref()).await?;
        }
        r.modified_by = Some(scope.actor);
        r.modified_date = after(r.modified_date, now);
        let sid = n.to_string();
        let refs_after = rev_user_refs(&r);
        if refs_after != refs_before {
            let field = if p.external_ref.is_some() { "external_ref" } else { "external_refs" };
            claim_refs(&mut tx, org, ObjectKind::RevUser, &sid, &refs_after, field).await?;
        }
        save_user(&mut tx, org, &r).await?;
        if p.custom.is_some() {
            save_custom(&mut tx, org, &CustomOwner::User(ObjectKind::RevUser, n), &r.custom).await?;
        }
        if let Some(tags) = &p.tags {
            write_tag_links(&mut tx, org, code(ObjectKind::RevUser), &sid, tags).await?;
        }
        let view = written_user_view(&mut tx, org, r, extras, scope.actor_summary.as_ref(), p.tags.is_some()).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn delete_rev_user_once(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::RevUser, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let gone = sqlx::query::<Db>("DELETE FROM users WHERE dev_org_id = $1 AND kind = $2 AND id = $3")
            .bind(org)
            .bind(code(ObjectKind::RevUser))
            .bind(n)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if gone == 0 {
            return Err(not_found(ObjectKind::RevUser, id));
        }
        let sid = n.to_string();
        claim_refs(&mut tx, org, ObjectKind::RevUser, &sid, &[], "external_ref").await?;
        delete_tag_links(&mut tx, org, code(ObjectKind::RevUser), &sid).await?;
        release_artifacts(&mut tx, org, &ParentRef { kind: ObjectKind::RevUser, id: sid.clone() }).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn update_sys_user_once(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        p: &SysUserPatch,
        now: Timestamp,
    ) -> StoreResult<UserView> {
        let org = scope.dev_org.as_str();
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::SysUser, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let (mut r, extras) = load_users_wide(&mut tx, org, ObjectKind::SysUser, &[n], true)
            .await?
            .pop()
            .ok_or_else(|| not_found(ObjectKind::SysUser, id))?;
        apply_sys_user_fields(&mut r, p);
        if let Some(picture) = &p.display_picture {
            let picture = picture.as_ref().map(|id| resolve_artifact(org, "display_picture", id)).transpose()?;
            let holder = ParentRef { kind: ObjectKind::SysUser, id: n.to_string() };
            let before: Vec<i64> = r.display_picture.into_iter().collect();
            hold_artifacts(&mut tx, org, &holder, &before, picture, &[]).await?;
            r.display_picture = picture;
        }
        r.modified_by = Some(scope.actor);
        r.modified_date = after(r.modified_date, now);
        save_user(&mut tx, org, &r).await?;
        let view = written_user_view(&mut tx, org, r, extras, scope.actor_summary.as_ref(), false).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }
}

/// Applies the parts of a rev-user patch that live in the user's own row alone.
fn apply_rev_user_fields(r: &mut UserRecord, p: &RevUserPatch) {
    if let Some(v) = &p.display_name {
        r.display_name = Some(v.clone());
    }
    if let Some(v) = &p.description {
        r.description = v.clone();
    }
    if let Some(v) = &p.email {
        r.email = v.as_ref().map(|e| e.as_str().to_owned());
    }
    if let Some(v) = &p.phone_numbers {
        r.phone_numbers = v.iter().map(|p| p.as_str().to_owned()).collect();
    }
}

/// True when a rev-user patch changes nothing but the user's own row: no external ids
/// (unique across rows), tags, artifacts or custom fields.
fn rev_user_patch_is_row_only(p: &RevUserPatch) -> bool {
    p.external_ref.is_none()
        && p.external_refs.is_none()
        && p.tags.is_none()
        && p.display_picture.is_none()
        && p.artifacts.is_none()
        && p.custom.is_none()
}

/// Applies the parts of a sys-user patch that live in the user's own row alone.
fn apply_sys_user_fields(r: &mut UserRecord, p: &SysUserPatch) {
    if let Some(v) = &p.display_name {
        r.display_name = Some(v.clone());
    }
    if let Some(v) = &p.full_name {
        r.full_name = v.clone();
    }
}

/// The changes of a patch that touches only the user's own row; `None` leaves a column as it
/// is, `Some(None)` clears it.
#[derive(Default)]
struct RowPatch<'a> {
    display_name: Option<&'a str>,
    full_name: Option<Option<&'a str>>,
    email: Option<Option<&'a str>>,
    phone_numbers: Option<String>,
    description: Option<Option<&'a str>>,
}

impl<'a> RowPatch<'a> {
    /// The row part of a rev-user patch, when that is all the patch changes.
    fn of_rev_user(p: &'a RevUserPatch) -> Option<Self> {
        rev_user_patch_is_row_only(p).then(|| Self {
            display_name: p.display_name.as_deref(),
            email: p.email.as_ref().map(|e| e.as_ref().map(|e| e.as_str())),
            phone_numbers: p
                .phone_numbers
                .as_ref()
                .map(|v| to_json(&v.iter().map(|n| n.as_str().to_owned()).collect::<Vec<_>>())),
            description: p.description.as_ref().map(Option::as_deref),
            ..Self::default()
        })
    }

    /// The row part of a sys-user patch, when that is all the patch changes.
    fn of_sys_user(p: &'a SysUserPatch) -> Option<Self> {
        p.display_picture.is_none().then(|| Self {
            display_name: p.display_name.as_deref(),
            full_name: p.full_name.as_ref().map(Option::as_deref),
            ..Self::default()
        })
    }
}

/// The token check every request makes: one statement, so no transaction round trips
/// around it, which also brings the subject's summary for the writes the request may make.
/// Binds `$1` the token id (jti) and `$2` the dev org.
fn token_check_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT t.jti, t.dev_org_id, t.subject_kind, t.subject_id, t.token_type, t.issued_at, t.expires_at, \
             t.revoked, {} AS subject_json FROM auth_tokens t WHERE t.jti = $1 AND t.dev_org_id = $2",
            summary_json_subquery("t.dev_org_id", "t.subject_kind", "t.subject_id")
        )
    })
}

/// The one statement of a `rev-users.update` whose patch touches only the contact's row,
/// exactly as this backend runs it, so that a benchmark (`bench/ceiling`'s `floor`) can
/// measure what the database alone costs for one request.
#[derive(Debug, Clone, Copy)]
pub struct HotPathSql {
    /// The update of a rev user that checks the caller's token record in the same statement:
    /// `$1` dev org, `$2` kind code (`revu`), `$3` user number, then for display_name,
    /// full_name, email, phone_numbers and description a flag and a value (`$4`/`$5`,
    /// `$6`/`$7`, `$8`/`$9` with `$10` the lower-cased email, `$11`/`$12` a JSON array,
    /// `$13`/`$14`), `$15`/`$16` the caller's kind code and number, `$17` now in epoch
    /// milliseconds, `$18` the token's jti.
    pub rev_user_update: &'static str,
}

/// The statement of the update hot path; see [`HotPathSql`].
#[must_use]
pub fn hot_path_sql() -> HotPathSql {
    HotPathSql { rev_user_update: row_update_sql(true, false, true) }
}

/// The text of the one-statement update (`update_user_row`), built once for each case: rev
/// users or sys users, whether the caller's summary is known (so the RETURNING list leaves
/// it out), and whether the statement checks the caller's token record itself (`gated`,
/// binding `$18` the token's jti): then it changes the row only when the record would pass
/// `authenticate`'s checks, which this condition mirrors.
fn row_update_sql(rev_user: bool, actor_known: bool, gated: bool) -> &'static str {
    static TEXTS: [std::sync::OnceLock<String>; 8] = [const { std::sync::OnceLock::new() }; 8];
    let slot = usize::from(gated) * 4 + usize::from(rev_user) * 2 + usize::from(actor_known);
    TEXTS[slot].get_or_init(|| {
        let kind = if rev_user { ObjectKind::RevUser } else { ObjectKind::SysUser };
        let gate = if gated {
            // The token's record: in the caller's dev org, not revoked, unexpired at the
            // request's time ($17, epoch milliseconds), its subject the caller ($15, $16),
            // and that user active.
            " AND EXISTS (SELECT 1 FROM auth_tokens t JOIN users s ON s.dev_org_id = t.dev_org_id \
             AND s.kind = t.subject_kind AND s.id = t.subject_id WHERE t.jti = $18 AND t.dev_org_id = $1 \
             AND t.subject_kind = $15 AND t.subject_id = $16 AND NOT t.revoked \
             AND (t.expires_at IS NULL OR t.expires_at > $17) AND s.state = 'active')"
        } else {
            ""
        };
        // RETURNING names the table, not an alias: SQLite accepts no other.
        format!(
            "UPDATE users SET display_name = CASE WHEN $4 THEN $5 ELSE display_name END, \
             full_name = CASE WHEN $6 THEN $7 ELSE full_name END, email = CASE WHEN $8 THEN $9 ELSE email END, \
             email_lower = CASE WHEN $8 THEN $10 ELSE email_lower END, \
             phone_numbers = CASE WHEN $11 THEN $12 ELSE phone_numbers END, \
             description = CASE WHEN $13 THEN $14 ELSE description END, modified_by_kind = $15, \
             modified_by_id = $16, modified_date = CASE WHEN modified_date >= $17 THEN modified_date + 1 ELSE $17 END \
             WHERE dev_org_id = $1 AND kind = $2 AND id = $3{gate} RETURNING {}, {}",
            USER_COLS.replace("u.", "users."),
            user_extra_columns("users", kind, actor_known.then_some(("$15", "$16")))
        )
    })
}

/// Who a one-statement update acts for (`update_user_row`).
struct RowWriter<'a> {
    org: &'a str,
    actor: Actor,
    /// The caller's summary when already read with its token.
    actor_summary: Option<&'a UserSummaryData>,
    /// The token's jti when the statement checks the token's record itself.
    unchecked_jti: Option<&'a str>,
}

impl<'a> RowWriter<'a> {
    fn authenticated(scope: &'a DevOrgScope) -> Self {
        Self {
            org: &scope.dev_org,
            actor: scope.actor,
            actor_summary: scope.actor_summary.as_ref(),
            unchecked_jti: None,
        }
    }

    fn signed(caller: &'a SignedCaller) -> Self {
        Self { org: &caller.dev_org, actor: caller.actor, actor_summary: None, unchecked_jti: Some(&caller.jti) }
    }
}

impl Backend {
    /// Updates a user whose patch touches only its own row with one statement: an UPDATE
    /// that sets the patched columns, stamps the modifier, and returns the row with its
    /// summaries, workspace name and tags. One statement is atomic by itself and changes the
    /// row as it is when the statement runs, so no transaction, lock or earlier read is
    /// needed: an update costs the token check and this statement, or this statement alone
    /// when it checks the token's record itself. On SQLite it holds the single writer for that
    /// one statement. `Ok(None)` when no row matched (or the token's record refused).
    async fn update_user_row(
        &self,
        who: &RowWriter<'_>,
        kind: ObjectKind,
        n: i64,
        patch: &RowPatch<'_>,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>> {
        let org = who.org;
        let sql = row_update_sql(kind == ObjectKind::RevUser, who.actor_summary.is_some(), who.unchecked_jti.is_some());
        let email = patch.email.map(|e| e.map(str::to_owned));
        let mut query = sqlx::query_as::<Db, WideUserRow>(sql)
            .bind(org)
            .bind(code(kind))
            .bind(n)
            .bind(patch.display_name.is_some())
            .bind(patch.display_name)
            .bind(patch.full_name.is_some())
            .bind(patch.full_name.flatten())
            .bind(email.is_some())
            .bind(email.clone().flatten())
            .bind(email.flatten().map(|e| e.to_lowercase()))
            .bind(patch.phone_numbers.is_some())
            .bind(patch.phone_numbers.as_deref())
            .bind(patch.description.is_some())
            .bind(patch.description.flatten())
            .bind(code(who.actor.kind))
            .bind(who.actor.id)
            .bind(now.millis());
        if let Some(jti) = who.unchecked_jti {
            query = query.bind(jti);
        }
        let mut w = self.begin_single_write().await.map_err(db_err)?;
        let row: Option<WideUserRow> = query.fetch_optional(&mut *w).await.map_err(db_err)?;
        self.end_single_write(w).await.map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let (record, extras) = row.split()?.ok_or_else(|| not_found_user(n))?;
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let view = written_user_view(&mut conn, org, record, extras, who.actor_summary, false).await?;
        conn.release();
        Ok(Some(view))
    }
}

fn not_found_user(n: i64) -> StoreError {
    StoreError::Internal(anyhow::anyhow!("user {n} vanished inside its own transaction"))
}

#[async_trait]
impl RevUserStore for Backend {
    async fn create_rev_user(&self, scope: &DevOrgScope, draft: RevUserDraft, now: Timestamp) -> StoreResult<UserView> {
        retrying!(self.create_rev_user_once(scope, &draft, now))
    }

    async fn get_rev_user(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<UserView> {
        let n = id.number_in(&scope.dev_org).ok_or_else(|| not_found(ObjectKind::RevUser, id))?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        user_view(&mut tx, &scope.dev_org, ObjectKind::RevUser, n)
            .await?
            .ok_or_else(|| not_found(ObjectKind::RevUser, id))
    }

    async fn update_rev_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: RevUserPatch,
        now: Timestamp,
    ) -> StoreResult<UserView> {
        if let Some(row) = RowPatch::of_rev_user(&patch) {
            let n = id.number_in(&scope.dev_org).ok_or_else(|| not_found(ObjectKind::RevUser, id))?;
            return self
                .update_user_row(&RowWriter::authenticated(scope), ObjectKind::RevUser, n, &row, now)
                .await?
                .ok_or_else(|| not_found(ObjectKind::RevUser, id));
        }
        retrying!(self.update_rev_user_once(scope, id, &patch, now))
    }

    async fn update_rev_user_row_as(
        &self,
        caller: &SignedCaller,
        id: &ParsedId,
        patch: &RevUserPatch,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>> {
        let (Some(row), Some(n)) = (RowPatch::of_rev_user(patch), id.number_in(&caller.dev_org)) else {
            return Ok(None);
        };
        self.update_user_row(&RowWriter::signed(caller), ObjectKind::RevUser, n, &row, now).await
    }

    async fn delete_rev_user(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<()> {
        retrying!(self.delete_rev_user_once(scope, id))
    }

    async fn list_rev_users(
        &self,
        scope: &DevOrgScope,
        f: RevUserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<UserView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(ObjectKind::RevUser));
        sql.push(&format!("SELECT CAST(u.id AS TEXT) FROM users u WHERE u.dev_org_id = {o} AND u.kind = {k}"));
        let emails = f.email.as_ref().map(|v| v.iter().map(|e| e.to_lowercase()).collect::<Vec<_>>());
        filter_in_text(&mut sql, "u.email_lower", emails.as_ref());
        sql.indexed_filter |= emails.is_some() || f.external_ref.is_some();
        filter_in_text(&mut sql, "u.external_ref", f.external_ref.as_ref());
        filter_refs(&mut sql, org, "u", code(ObjectKind::RevUser), f.external_refs.as_ref());
        filter_json_any(&mut sql, "u.phone_numbers", f.phone_numbers.as_ref());
        match (&f.rev_org, &f.account) {
            (Some(orgs), Some(accounts)) => {
                let mut ors = Vec::new();
                if !orgs.is_empty() {
                    ors.push(format!("u.rev_org_id IN ({})", sql.text_list(orgs)));
                }
                if !accounts.is_empty() {
                    ors.push(format!(
                        "u.rev_org_id IN (SELECT r.id FROM rev_orgs r WHERE r.dev_org_id = u.dev_org_id AND r.account_id IN ({}))",
                        sql.int_list(accounts)
                    ));
                }
                if ors.is_empty() {
                    sql.push(" AND 1 = 0");
                } else {
                    sql.push(&format!(" AND ({})", ors.join(" OR ")));
                }
            }
            (orgs, _) => filter_in_text(&mut sql, "u.rev_org_id", orgs.as_ref()),
        }
        filter_created_by(&mut sql, "u", f.created_by.as_ref());
        filter_range(&mut sql, "u.created_date", f.created_date.as_ref());
        filter_range(&mut sql, "u.modified_date", f.modified_date.as_ref());
        if let Some(v) = f.is_verified {
            let p = sql.arg(Arg::Bool(v));
            sql.push(&format!(" AND u.is_verified = {p}"));
        }
        filter_tags(&mut sql, "u", code(ObjectKind::RevUser), f.tags.as_ref());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        filter_custom(&mut tx, &mut sql, org, LeafType::RevUser, "u.custom_fields", f.custom_fields.as_deref()).await?;
        list_page(&mut tx, &sql, USER_SORT, &USER_ID, &page, LoadUsers { org, kind: ObjectKind::RevUser }, user_keys)
            .await
    }

    async fn seed_rev_users(&self, scope: &DevOrgScope, count: u64, now: Timestamp) -> StoreResult<u64> {
        let mut done = 0u64;
        while done < count {
            let n = (count - done).min(SEED_BATCH);
            retrying!(self.seed_batch_once(scope, n, now))?;
            done += n;
        }
        self.after_bulk_load().await.map_err(db_err)?;
        Ok(done)
    }
}

// ---------------------------------------------------------------------------------------
// Bulk seeding (benchmarks and demos)

/// Contacts created per transaction by `seed_rev_users`.
const SEED_BATCH: u64 = 10_000;
/// Rows per multi-row `INSERT` statement while seeding (6 bound values a row stays well
/// under both engines' limits on bound values).
const SEED_ROWS_PER_STATEMENT: u64 = 500;

/// `INSERT INTO users` for `rows` seeded contacts: `$1`..`$7` are shared, then six values a
/// row: id, display name, email (also its lowercase column), phone numbers, external ref
/// and external refs.
fn seed_users_sql(rows: u64) -> String {
    let mut text = String::from(
        "INSERT INTO users (dev_org_id, kind, id, display_name, email, email_lower, phone_numbers, state, \
         external_ref, external_refs, is_verified, created_by_kind, created_by_id, created_date, \
         modified_by_kind, modified_by_id, modified_date) VALUES ",
    );
    for r in 0..rows {
        let b = 8 + r * 6;
        if r > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!(
            "($1, $2, ${b}, ${}, ${e}, ${e}, ${}, $3, ${x}, ${}, $4, $5, $6, $7, $5, $6, $7)",
            b + 1,
            b + 3,
            b + 5,
            e = b + 2,
            x = b + 4,
        ));
    }
    text
}

/// `INSERT INTO external_refs` for `rows` values: `$1`, `$2` shared, then value and object id.
fn seed_refs_sql(rows: u64) -> String {
    let mut text = String::from("INSERT INTO external_refs (dev_org_id, namespace, value, object_id) VALUES ");
    for r in 0..rows {
        let b = 3 + r * 2;
        if r > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("($1, $2, ${b}, ${})", b + 1));
    }
    text
}

/// A seeded contact's phone number: a valid North American number derived from `id`.
fn seed_phone(id: i64) -> String {
    format!("+1415555{:04}", id.rem_euclid(10_000))
}

impl Backend {
    /// Seeds `count` contacts in one transaction, taking their ids with one counter bump.
    async fn seed_batch_once(&self, scope: &DevOrgScope, count: u64, now: Timestamp) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        let kind = code(ObjectKind::RevUser);
        let count_i = i64::try_from(count).map_err(|e| StoreError::Internal(anyhow::Error::new(e)))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let last = sqlx::query_scalar::<Db, i64>(
            "INSERT INTO id_counters (dev_org_id, kind, value) VALUES ($1, $2, $3) \
             ON CONFLICT (dev_org_id, kind) DO UPDATE SET value = id_counters.value + $3 RETURNING value",
        )
        .bind(org)
        .bind(kind)
        .bind(count_i)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let first = last - count_i + 1;
        let full_users = seed_users_sql(SEED_ROWS_PER_STATEMENT);
        let full_refs = seed_refs_sql(SEED_ROWS_PER_STATEMENT);
        let mut start = first;
        while start <= last {
            let rows = (last - start + 1).min(SEED_ROWS_PER_STATEMENT as i64);
            let partial;
            let (users_sql, refs_sql) = if rows == SEED_ROWS_PER_STATEMENT as i64 {
                (full_users.as_str(), full_refs.as_str())
            } else {
                partial = (seed_users_sql(rows as u64), seed_refs_sql(rows as u64));
                (partial.0.as_str(), partial.1.as_str())
            };
            let mut q = sqlx::query::<Db>(users_sql)
                .bind(org)
                .bind(kind)
                .bind(state_name(revdir_core::api::common::UserState::Active))
                .bind(true)
                .bind(code(scope.actor.kind))
                .bind(scope.actor.id)
                .bind(now.millis());
            for id in start..start + rows {
                let external_ref = format!("REVU-{id}");
                q = q
                    .bind(id)
                    .bind(format!("User {id}"))
                    .bind(format!("user{id}@example.com"))
                    .bind(to_json(&[seed_phone(id)]))
                    .bind(external_ref.clone())
                    .bind(to_json(&[external_ref]));
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
            let mut q = sqlx::query::<Db>(refs_sql).bind(org).bind(kind);
            for id in start..start + rows {
                q = q.bind(format!("REVU-{id}")).bind(id.to_string());
            }
            q.execute(&mut *tx).await.map_err(|e| match db_err(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "external_ref: one of REVU-{start}..REVU-{} is already used by another contact",
                    start + rows - 1
                )),
                other => other,
            })?;
            start += rows;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl SysUserStore for Backend {
    async fn list_sys_users(&self, scope: &DevOrgScope, page: PageRequest) -> StoreResult<Page<UserView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(ObjectKind::SysUser));
        sql.push(&format!("SELECT CAST(u.id AS TEXT) FROM users u WHERE u.dev_org_id = {o} AND u.kind = {k}"));
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        list_page(&mut tx, &sql, USER_SORT, &USER_ID, &page, LoadUsers { org, kind: ObjectKind::SysUser }, user_keys)
            .await
    }

    async fn update_sys_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: SysUserPatch,
        now: Timestamp,
    ) -> StoreResult<UserView> {
        if let Some(row) = RowPatch::of_sys_user(&patch) {
            let n = id.number_in(&scope.dev_org).ok_or_else(|| not_found(ObjectKind::SysUser, id))?;
            return self
                .update_user_row(&RowWriter::authenticated(scope), ObjectKind::SysUser, n, &row, now)
                .await?
                .ok_or_else(|| not_found(ObjectKind::SysUser, id));
        }
        retrying!(self.update_sys_user_once(scope, id, &patch, now))
    }

    async fn update_sys_user_row_as(
        &self,
        caller: &SignedCaller,
        id: &ParsedId,
        patch: &SysUserPatch,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>> {
        let (Some(row), Some(n)) = (RowPatch::of_sys_user(patch), id.number_in(&caller.dev_org)) else {
            return Ok(None);
        };
        self.update_user_row(&RowWriter::signed(caller), ObjectKind::SysUser, n, &row, now).await
    }
}

// ---------------------------------------------------------------------------------------
// Tags

#[derive(sqlx::FromRow)]
struct TagRow {
    id: i64,
    name: String,
    description: Option<String>,
    allowed_values: String,
    color: Option<String>,
    created_by_kind: Option<String>,
    created_by_id: Option<i64>,
    created_date: i64,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
    modified_date: i64,
}

const TAG_COLS: &str = "id, name, description, allowed_values, color, created_by_kind, created_by_id, created_date, \
    modified_by_kind, modified_by_id, modified_date";

impl TagRow {
    fn split(self) -> (TagRecord, Option<UserRef>, Option<UserRef>) {
        (
            TagRecord {
                id: self.id,
                name: self.name,
                description: self.description,
                allowed_values: json_list(&self.allowed_values),
                color: self.color,
                created_date: Timestamp::from_millis(self.created_date),
                modified_date: Timestamp::from_millis(self.modified_date),
            },
            user_ref(self.created_by_kind, self.created_by_id),
            user_ref(self.modified_by_kind, self.modified_by_id),
        )
    }
}

async fn fetch_tag(conn: &mut Conn, org: &str, id: i64, lock: bool) -> StoreResult<Option<TagRecord>> {
    Ok(fetch_tag_row(conn, org, id, lock).await?.map(|r| r.split().0))
}

async fn fetch_tag_row(conn: &mut Conn, org: &str, id: i64, lock: bool) -> StoreResult<Option<TagRow>> {
    let lock = if lock { FOR_UPDATE } else { "" };
    sqlx::query_as::<Db, TagRow>(&format!("SELECT {TAG_COLS} FROM tags WHERE dev_org_id = $1 AND id = $2{lock}"))
        .bind(org)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)
}

async fn load_tags(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<Vec<TagView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!("SELECT {TAG_COLS} FROM tags WHERE dev_org_id = {o} AND id IN ({ps})"));
    let rows: Vec<TagRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let split: Vec<_> = rows.into_iter().map(TagRow::split).collect();
    let summaries =
        user_summaries(conn, org, split.iter().flat_map(|(_, c, m)| [*c, *m]).flatten().collect::<Vec<_>>()).await?;
    let by_id = split
        .into_iter()
        .map(|(tag, c, m)| {
            (
                tag.id.to_string(),
                TagView {
                    created_by: c.and_then(|u| summaries.get(&u).cloned()),
                    modified_by: m.and_then(|u| summaries.get(&u).cloned()),
                    tag,
                },
            )
        })
        .collect();
    Ok(in_order(&ids.iter().map(i64::to_string).collect::<Vec<_>>(), by_id))
}

async fn tag_view(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Option<TagView>> {
    Ok(load_tags(conn, org, &[id]).await?.into_iter().next())
}

async fn tag_name_taken(conn: &mut Conn, org: &str, name: &str, except: Option<i64>) -> StoreResult<bool> {
    let row: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>("SELECT id FROM tags WHERE dev_org_id = $1 AND name = $2")
        .bind(org)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(row.is_some_and(|(id,)| Some(id) != except))
}

fn name_taken(name: &str) -> StoreError {
    // tags.create and tags.update declare no 409 (docs/API-CONVENTIONS.md).
    StoreError::Invalid(ValidationError::not_permitted("name", format!("a tag named '{name}' already exists")))
}

const TAG_SORT: &[SortCol] = &[
    SortCol { name: "name", expr: "t.name", int: false },
    SortCol { name: "created_date", expr: "t.created_date", int: true },
    SortCol { name: "modified_date", expr: "t.modified_date", int: true },
    SortCol { name: "display_id", expr: "t.id", int: true },
];
const TAG_ID: SortCol = SortCol { name: "id", expr: "t.id", int: true };

fn tag_keys(v: &TagView, cols: &[(&SortCol, bool)]) -> Vec<Value> {
    cols.iter()
        .map(|(c, _)| match c.name {
            "name" => Value::from(v.tag.name.clone()),
            "created_date" => Value::from(v.tag.created_date.millis()),
            "modified_date" => Value::from(v.tag.modified_date.millis()),
            _ => Value::from(v.tag.id),
        })
        .collect()
}

impl Backend {
    async fn create_tag_once(&self, scope: &DevOrgScope, d: &TagDraft, now: Timestamp) -> StoreResult<TagView> {
        let org = scope.dev_org.as_str();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        if tag_name_taken(&mut tx, org, &d.name, None).await? {
            return Err(name_taken(&d.name));
        }
        let id = next_id(&mut tx, org, code(ObjectKind::Tag)).await?;
        sqlx::query::<Db>(
            "INSERT INTO tags (dev_org_id, id, name, description, allowed_values, color, created_by_kind, created_by_id, \
             created_date, modified_by_kind, modified_by_id, modified_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $8, $9)",
        )
        .bind(org)
        .bind(id)
        .bind(&d.name)
        .bind(&d.description)
        .bind(to_json(&d.allowed_values))
        .bind(&d.color)
        .bind(code(scope.actor.kind))
        .bind(scope.actor.id)
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => name_taken(&d.name),
            other => other,
        })?;
        let view = tag_view(&mut tx, org, id).await?.ok_or_else(|| not_found_user(id))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn update_tag_once(&self, scope: &DevOrgScope, p: &TagPatch, now: Timestamp) -> StoreResult<TagView> {
        let org = scope.dev_org.as_str();
        let n = p.id.number_in(org).ok_or_else(|| not_found(ObjectKind::Tag, &p.id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let (mut t, _, _) =
            fetch_tag_row(&mut tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::Tag, &p.id))?.split();
        if let Some(name) = &p.name {
            if tag_name_taken(&mut tx, org, name, Some(n)).await? {
                return Err(name_taken(name));
            }
            t.name = name.clone();
        }
        if let Some(d) = &p.description {
            t.description = Some(d.clone());
        }
        if let Some(a) = &p.allowed_values {
            t.allowed_values = a.clone();
        }
        if let Some(c) = &p.color {
            t.color = Some(c.clone());
        }
        sqlx::query::<Db>(
            "UPDATE tags SET name = $3, description = $4, allowed_values = $5, color = $6, modified_by_kind = $7, \
             modified_by_id = $8, modified_date = $9 WHERE dev_org_id = $1 AND id = $2",
        )
        .bind(org)
        .bind(n)
        .bind(&t.name)
        .bind(&t.description)
        .bind(to_json(&t.allowed_values))
        .bind(&t.color)
        .bind(code(scope.actor.kind))
        .bind(scope.actor.id)
        .bind(after(t.modified_date, now).millis())
        .execute(&mut *tx)
        .await
        // A racing rename can pass the check above and still lose on the unique index.
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => name_taken(&t.name),
            other => other,
        })?;
        let view = tag_view(&mut tx, org, n).await?.ok_or_else(|| not_found_user(n))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn delete_tag_once(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::Tag, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let gone = sqlx::query::<Db>("DELETE FROM tags WHERE dev_org_id = $1 AND id = $2")
            .bind(org)
            .bind(n)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if gone == 0 {
            return Err(not_found(ObjectKind::Tag, id));
        }
        sqlx::query::<Db>("DELETE FROM tag_links WHERE dev_org_id = $1 AND tag_id = $2")
            .bind(org)
            .bind(n)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl TagStore for Backend {
    async fn create_tag(&self, scope: &DevOrgScope, draft: TagDraft, now: Timestamp) -> StoreResult<TagView> {
        retrying!(self.create_tag_once(scope, &draft, now))
    }

    async fn get_tag(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<TagView> {
        let n = id.number_in(&scope.dev_org).ok_or_else(|| not_found(ObjectKind::Tag, id))?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        tag_view(&mut tx, &scope.dev_org, n).await?.ok_or_else(|| not_found(ObjectKind::Tag, id))
    }

    async fn update_tag(&self, scope: &DevOrgScope, patch: TagPatch, now: Timestamp) -> StoreResult<TagView> {
        retrying!(self.update_tag_once(scope, &patch, now))
    }

    async fn delete_tag(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<()> {
        retrying!(self.delete_tag_once(scope, id))
    }

    async fn list_tags(
        &self,
        scope: &DevOrgScope,
        names: Option<Vec<String>>,
        page: PageRequest,
    ) -> StoreResult<Page<TagView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        sql.push(&format!("SELECT CAST(t.id AS TEXT) FROM tags t WHERE t.dev_org_id = {o}"));
        filter_in_text(&mut sql, "t.name", names.as_ref());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        list_page(&mut tx, &sql, TAG_SORT, &TAG_ID, &page, LoadTags { org }, tag_keys).await
    }
}

// ---------------------------------------------------------------------------------------
// Accounts

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    display_name: String,
    description: Option<String>,
    domains: String,
    external_refs: String,
    owned_by: String,
    tier: Option<String>,
    websites: String,
    created_by_kind: Option<String>,
    created_by_id: Option<i64>,
    created_date: i64,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
    modified_date: i64,
    custom_fields: String,
    custom_schema_fragments: String,
    subtype: Option<String>,
}

const ACCOUNT_COLS: &str = "a.id, a.display_name, a.description, a.domains, a.external_refs, a.owned_by, a.tier, \
    a.websites, a.created_by_kind, a.created_by_id, a.created_date, a.modified_by_kind, a.modified_by_id, a.modified_date, \
    a.custom_fields, a.custom_schema_fragments, a.subtype";

impl AccountRow {
    fn split(self) -> (AccountRecord, Vec<i64>) {
        let owners = json_list(&self.owned_by).iter().filter_map(|s| s.parse().ok()).collect();
        (
            AccountRecord {
                id: self.id,
                display_name: self.display_name,
                description: self.description,
                domains: json_list(&self.domains),
                external_refs: json_list(&self.external_refs),
                tier: self.tier,
                websites: json_list(&self.websites),
                created_by: user_ref(self.created_by_kind, self.created_by_id),
                created_date: Timestamp::from_millis(self.created_date),
                modified_by: user_ref(self.modified_by_kind, self.modified_by_id),
                modified_date: Timestamp::from_millis(self.modified_date),
                custom: CustomState::from_columns(&self.custom_fields, &self.custom_schema_fragments, self.subtype),
            },
            owners,
        )
    }
}

async fn fetch_account(
    conn: &mut Conn,
    org: &str,
    id: i64,
    lock: bool,
) -> StoreResult<Option<(AccountRecord, Vec<i64>)>> {
    let lock = if lock { FOR_UPDATE } else { "" };
    let row: Option<AccountRow> = sqlx::query_as::<Db, AccountRow>(&format!(
        "SELECT {ACCOUNT_COLS} FROM accounts a WHERE a.dev_org_id = $1 AND a.id = $2{lock}"
    ))
    .bind(org)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(AccountRow::split))
}

async fn load_accounts(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<Vec<AccountView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!("SELECT {ACCOUNT_COLS} FROM accounts a WHERE a.dev_org_id = {o} AND a.id IN ({ps})"));
    let rows: Vec<AccountRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let split: Vec<_> = rows.into_iter().map(AccountRow::split).collect();
    let mut refs: Vec<UserRef> = Vec::new();
    for (r, owners) in &split {
        refs.extend(r.created_by);
        refs.extend(r.modified_by);
        refs.extend(owners.iter().map(|&id| UserRef { kind: ObjectKind::DevUser, id }));
    }
    let summaries = user_summaries(conn, org, refs).await?;
    let str_ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut links = tag_links(conn, org, code(ObjectKind::Account), &str_ids).await?;
    let mut custom = present_custom(conn, org, LeafType::Account, split.iter().map(|(r, _)| (r.id, &r.custom))).await?;
    let by_id = split
        .into_iter()
        .map(|(record, owners)| {
            (
                record.id.to_string(),
                AccountView {
                    custom: custom.remove(&record.id).unwrap_or_default(),
                    created_by: record.created_by.and_then(|u| summaries.get(&u).cloned()),
                    modified_by: record.modified_by.and_then(|u| summaries.get(&u).cloned()),
                    owned_by: owners
                        .iter()
                        .filter_map(|&id| summaries.get(&UserRef { kind: ObjectKind::DevUser, id }).cloned())
                        .collect(),
                    tags: links.remove(&record.id.to_string()).unwrap_or_default(),
                    record,
                },
            )
        })
        .collect();
    Ok(in_order(&str_ids, by_id))
}

async fn account_view(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Option<AccountView>> {
    Ok(load_accounts(conn, org, &[id]).await?.into_iter().next())
}

/// Resolves requested owners to dev users of the org.
async fn resolve_owners(conn: &mut Conn, org: &str, owners: &[ParsedId]) -> StoreResult<Vec<i64>> {
    let mut out = Vec::new();
    for o in owners {
        let n = o.number_in(org).ok_or_else(|| reference_missing("owned_by", ObjectKind::DevUser, o))?;
        if fetch_user(conn, org, ObjectKind::DevUser, n, false).await?.is_none() {
            return Err(reference_missing("owned_by", ObjectKind::DevUser, o));
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

async fn save_account(conn: &mut Conn, org: &str, r: &AccountRecord, owners: &[i64], insert: bool) -> StoreResult<()> {
    let owners: Vec<String> = owners.iter().map(i64::to_string).collect();
    // The INSERT writes creator and modifier ($10-$15); the UPDATE only the modifier ($10-$12).
    let sql = if insert {
        "INSERT INTO accounts (dev_org_id, id, display_name, description, domains, external_refs, owned_by, tier, websites, \
         created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    } else {
        "UPDATE accounts SET display_name = $3, description = $4, domains = $5, external_refs = $6, owned_by = $7, \
         tier = $8, websites = $9, modified_by_kind = $10, modified_by_id = $11, modified_date = $12 \
         WHERE dev_org_id = $1 AND id = $2"
    };
    let (by, date) = if insert { (r.created_by, r.created_date) } else { (r.modified_by, r.modified_date) };
    let mut q = sqlx::query::<Db>(sql)
        .bind(org)
        .bind(r.id)
        .bind(&r.display_name)
        .bind(&r.description)
        .bind(to_json(&r.domains))
        .bind(to_json(&r.external_refs))
        .bind(to_json(&owners))
        .bind(&r.tier)
        .bind(to_json(&r.websites))
        .bind(by.map(|u| code(u.kind)))
        .bind(by.map(|u| u.id))
        .bind(date.millis());
    if insert {
        q = q
            .bind(r.modified_by.map(|u| code(u.kind)))
            .bind(r.modified_by.map(|u| u.id))
            .bind(r.modified_date.millis());
    }
    q.execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

const ORG_SORT_ACCOUNT: &[SortCol] = &[
    SortCol { name: "created_date", expr: "a.created_date", int: true },
    SortCol { name: "modified_date", expr: "a.modified_date", int: true },
    SortCol { name: "display_name", expr: "a.display_name", int: false },
    SortCol { name: "display_id", expr: "a.id", int: true },
];
const ACCOUNT_ID: SortCol = SortCol { name: "id", expr: "a.id", int: true };

fn account_keys(v: &AccountView, cols: &[(&SortCol, bool)]) -> Vec<Value> {
    let r = &v.record;
    cols.iter()
        .map(|(c, _)| match c.name {
            "created_date" => Value::from(r.created_date.millis()),
            "modified_date" => Value::from(r.modified_date.millis()),
            "display_name" => Value::from(r.display_name.clone()),
            _ => Value::from(r.id),
        })
        .collect()
}

impl Backend {
    async fn create_account_once(
        &self,
        scope: &DevOrgScope,
        d: &AccountDraft,
        now: Timestamp,
    ) -> StoreResult<(AccountView, RevOrgView)> {
        let org = scope.dev_org.as_str();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let owners = match &d.owned_by {
            Some(o) => resolve_owners(&mut tx, org, o).await?,
            None if scope.actor.kind == ObjectKind::DevUser => vec![scope.actor.id],
            None => Vec::new(),
        };
        let custom = apply_custom(&mut tx, org, LeafType::Account, &CustomState::default(), d.custom.as_ref()).await?;
        let id = next_id(&mut tx, org, code(ObjectKind::Account)).await?;
        let account_don = don(ObjectKind::Account, org, id);
        let record = AccountRecord {
            id,
            display_name: d.display_name.clone(),
            description: d.description.clone(),
            domains: d.domains.clone(),
            // §8.1: an account's external refs default to its own DON.
            external_refs: d.external_refs.clone().unwrap_or_else(|| vec![account_don.clone()]),
            tier: d.tier.clone(),
            websites: d.websites.clone(),
            created_by: Some(scope.actor),
            created_date: now,
            modified_by: Some(scope.actor),
            modified_date: now,
            custom,
        };
        let sid = id.to_string();
        claim_refs(&mut tx, org, ObjectKind::Account, &sid, &record.external_refs, "external_refs").await?;
        save_account(&mut tx, org, &record, &owners, true).await?;
        if d.custom.is_some() {
            save_custom(&mut tx, org, &CustomOwner::Account(id), &record.custom).await?;
        }
        if !d.tags.is_empty() {
            write_tag_links(&mut tx, org, code(ObjectKind::Account), &sid, &d.tags).await?;
        }
        let rev_org = RevOrgRecord {
            id: random_alnum(8),
            account: id,
            display_name: d.display_name.clone(),
            description: None,
            domain: None,
            external_ref: Some(account_don),
            tier: None,
            environment: None,
            created_by: Some(scope.actor),
            created_date: now,
            modified_by: Some(scope.actor),
            modified_date: now,
            custom: CustomState::default(),
        };
        insert_rev_org(&mut tx, org, &rev_org, true).await?;
        let account = account_view(&mut tx, org, id).await?.ok_or_else(|| not_found_user(id))?;
        let workspace = rev_org_view(&mut tx, org, &rev_org.id).await?.ok_or_else(|| not_found_user(id))?;
        tx.commit().await.map_err(db_err)?;
        Ok((account, workspace))
    }

    async fn update_account_once(
        &self,
        scope: &DevOrgScope,
        p: &AccountPatch,
        now: Timestamp,
    ) -> StoreResult<AccountView> {
        let org = scope.dev_org.as_str();
        let n = p.id.number_in(org).ok_or_else(|| not_found(ObjectKind::Account, &p.id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let (mut r, mut owners) =
            fetch_account(&mut tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::Account, &p.id))?;
        if let Some(v) = &p.display_name {
            r.display_name = v.clone();
        }
        if let Some(v) = &p.description {
            r.description = Some(v.clone());
        }
        if let Some(v) = &p.domains {
            r.domains = v.clone();
        }
        if let Some(v) = &p.tier {
            r.tier = v.clone();
        }
        if let Some(v) = &p.websites {
            r.websites = v.clone();
        }
        if let Some(o) = &p.owned_by {
            owners = resolve_owners(&mut tx, org, o).await?;
        }
        let sid = n.to_string();
        if let Some(v) = &p.external_refs {
            r.external_refs = v.clone();
            claim_refs(&mut tx, org, ObjectKind::Account, &sid, v, "external_refs").await?;
        }
        if p.custom.is_some() {
            r.custom = apply_custom(&mut tx, org, LeafType::Account, &r.custom, p.custom.as_ref()).await?;
        }
        r.modified_by = Some(scope.actor);
        r.modified_date = after(r.modified_date, now);
        save_account(&mut tx, org, &r, &owners, false).await?;
        if p.custom.is_some() {
            save_custom(&mut tx, org, &CustomOwner::Account(n), &r.custom).await?;
        }
        if let Some(tags) = &p.tags {
            write_tag_links(&mut tx, org, code(ObjectKind::Account), &sid, tags).await?;
        }
        let view = account_view(&mut tx, org, n).await?.ok_or_else(|| not_found_user(n))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn delete_account_once(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::Account, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let gone = sqlx::query::<Db>("DELETE FROM accounts WHERE dev_org_id = $1 AND id = $2")
            .bind(org)
            .bind(n)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if gone == 0 {
            return Err(not_found(ObjectKind::Account, id));
        }
        let sid = n.to_string();
        claim_refs(&mut tx, org, ObjectKind::Account, &sid, &[], "external_refs").await?;
        delete_tag_links(&mut tx, org, code(ObjectKind::Account), &sid).await?;
        let workspaces: Vec<(String,)> =
            sqlx::query_as::<Db, (String,)>("SELECT id FROM rev_orgs WHERE dev_org_id = $1 AND account_id = $2")
                .bind(org)
                .bind(n)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
        for (w,) in workspaces {
            remove_rev_org(&mut tx, org, &w).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl AccountStore for Backend {
    async fn create_account(
        &self,
        scope: &DevOrgScope,
        draft: AccountDraft,
        now: Timestamp,
    ) -> StoreResult<(AccountView, RevOrgView)> {
        retrying!(self.create_account_once(scope, &draft, now))
    }

    async fn get_account(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<AccountView> {
        let n = id.number_in(&scope.dev_org).ok_or_else(|| not_found(ObjectKind::Account, id))?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        account_view(&mut tx, &scope.dev_org, n).await?.ok_or_else(|| not_found(ObjectKind::Account, id))
    }

    async fn update_account(
        &self,
        scope: &DevOrgScope,
        patch: AccountPatch,
        now: Timestamp,
    ) -> StoreResult<AccountView> {
        retrying!(self.update_account_once(scope, &patch, now))
    }

    async fn delete_account(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<()> {
        retrying!(self.delete_account_once(scope, id))
    }

    async fn list_accounts(
        &self,
        scope: &DevOrgScope,
        f: AccountFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AccountView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        sql.push(&format!("SELECT CAST(a.id AS TEXT) FROM accounts a WHERE a.dev_org_id = {o}"));
        if f.match_nothing {
            sql.push(" AND 1 = 0");
        }
        filter_created_by(&mut sql, "a", f.created_by.as_ref());
        filter_range(&mut sql, "a.created_date", f.created_date.as_ref());
        filter_range(&mut sql, "a.modified_date", f.modified_date.as_ref());
        filter_in_text(&mut sql, "a.display_name", f.display_name.as_ref());
        filter_json_any(&mut sql, "a.domains", f.domains.as_ref());
        filter_refs(&mut sql, org, "a", code(ObjectKind::Account), f.external_refs.as_ref());
        let owners = f.owned_by.as_ref().map(|v| v.iter().map(i64::to_string).collect::<Vec<_>>());
        filter_json_any(&mut sql, "a.owned_by", owners.as_ref());
        filter_in_text(&mut sql, "a.tier", f.tier.as_ref());
        filter_json_any(&mut sql, "a.websites", f.websites.as_ref());
        filter_tags(&mut sql, "a", code(ObjectKind::Account), f.tags.as_ref());
        filter_in_text(&mut sql, "a.subtype", f.subtype.as_ref());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        filter_custom(&mut tx, &mut sql, org, LeafType::Account, "a.custom_fields", f.custom_fields.as_deref()).await?;
        list_page(&mut tx, &sql, ORG_SORT_ACCOUNT, &ACCOUNT_ID, &page, LoadAccounts { org }, account_keys).await
    }
}

// ---------------------------------------------------------------------------------------
// Rev orgs

#[derive(sqlx::FromRow)]
struct RevOrgRow {
    id: String,
    account_id: i64,
    display_name: String,
    description: Option<String>,
    domain: Option<String>,
    external_ref: Option<String>,
    tier: Option<String>,
    environment: Option<String>,
    created_by_kind: Option<String>,
    created_by_id: Option<i64>,
    created_date: i64,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
    modified_date: i64,
    account_name: Option<String>,
    custom_fields: String,
    custom_schema_fragments: String,
    subtype: Option<String>,
}

const REV_ORG_COLS: &str = "r.id, r.account_id, r.display_name, r.description, r.domain, r.external_ref, r.tier, \
    r.environment, r.created_by_kind, r.created_by_id, r.created_date, r.modified_by_kind, r.modified_by_id, \
    r.modified_date, a.display_name AS account_name, r.custom_fields, r.custom_schema_fragments, r.subtype";
const REV_ORG_FROM: &str = "rev_orgs r LEFT JOIN accounts a ON a.dev_org_id = r.dev_org_id AND a.id = r.account_id";

impl RevOrgRow {
    fn split(self) -> (RevOrgRecord, Option<String>) {
        (
            RevOrgRecord {
                id: self.id,
                account: self.account_id,
                display_name: self.display_name,
                description: self.description,
                domain: self.domain,
                external_ref: self.external_ref,
                tier: self.tier,
                environment: self.environment,
                created_by: user_ref(self.created_by_kind, self.created_by_id),
                created_date: Timestamp::from_millis(self.created_date),
                modified_by: user_ref(self.modified_by_kind, self.modified_by_id),
                modified_date: Timestamp::from_millis(self.modified_date),
                custom: CustomState::from_columns(&self.custom_fields, &self.custom_schema_fragments, self.subtype),
            },
            self.account_name,
        )
    }
}

async fn load_rev_orgs(conn: &mut Conn, org: &str, ids: &[String]) -> StoreResult<Vec<RevOrgView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.text_list(ids);
    sql.push(&format!("SELECT {REV_ORG_COLS} FROM {REV_ORG_FROM} WHERE r.dev_org_id = {o} AND r.id IN ({ps})"));
    let rows: Vec<RevOrgRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let split: Vec<_> = rows.into_iter().map(RevOrgRow::split).collect();
    let summaries = user_summaries(
        conn,
        org,
        split.iter().flat_map(|(r, _)| [r.created_by, r.modified_by]).flatten().collect::<Vec<_>>(),
    )
    .await?;
    let mut links = tag_links(conn, org, code(ObjectKind::RevOrg), ids).await?;
    let mut custom =
        present_custom(conn, org, LeafType::RevOrg, split.iter().map(|(r, _)| (r.id.clone(), &r.custom))).await?;
    let by_id = split
        .into_iter()
        .map(|(record, account_name)| {
            (
                record.id.clone(),
                RevOrgView {
                    custom: custom.remove(&record.id).unwrap_or_default(),
                    created_by: record.created_by.and_then(|u| summaries.get(&u).cloned()),
                    modified_by: record.modified_by.and_then(|u| summaries.get(&u).cloned()),
                    tags: links.remove(&record.id).unwrap_or_default(),
                    account_name,
                    record,
                },
            )
        })
        .collect();
    Ok(in_order(ids, by_id))
}

async fn rev_org_view(conn: &mut Conn, org: &str, id: &str) -> StoreResult<Option<RevOrgView>> {
    Ok(load_rev_orgs(conn, org, &[id.to_owned()]).await?.into_iter().next())
}

async fn insert_rev_org(conn: &mut Conn, org: &str, r: &RevOrgRecord, is_default: bool) -> StoreResult<()> {
    if let Some(e) = &r.external_ref {
        claim_refs(conn, org, ObjectKind::RevOrg, &r.id, std::slice::from_ref(e), "external_ref").await?;
    }
    sqlx::query::<Db>(
        "INSERT INTO rev_orgs (dev_org_id, id, account_id, is_default, display_name, description, domain, external_ref, \
         tier, environment, created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(org)
    .bind(&r.id)
    .bind(r.account)
    .bind(is_default)
    .bind(&r.display_name)
    .bind(&r.description)
    .bind(&r.domain)
    .bind(&r.external_ref)
    .bind(&r.tier)
    .bind(&r.environment)
    .bind(r.created_by.map(|u| code(u.kind)))
    .bind(r.created_by.map(|u| u.id))
    .bind(r.created_date.millis())
    .bind(r.modified_by.map(|u| code(u.kind)))
    .bind(r.modified_by.map(|u| u.id))
    .bind(r.modified_date.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Deletes a workspace's row, refs and tags, and detaches its contacts.
async fn remove_rev_org(conn: &mut Conn, org: &str, id: &str) -> StoreResult<u64> {
    let gone = sqlx::query::<Db>("DELETE FROM rev_orgs WHERE dev_org_id = $1 AND id = $2")
        .bind(org)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?
        .rows_affected();
    if gone > 0 {
        claim_refs(conn, org, ObjectKind::RevOrg, id, &[], "external_ref").await?;
        delete_tag_links(conn, org, code(ObjectKind::RevOrg), id).await?;
        sqlx::query::<Db>("UPDATE users SET rev_org_id = NULL WHERE dev_org_id = $1 AND rev_org_id = $2")
            .bind(org)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(gone)
}

async fn account_exists(conn: &mut Conn, org: &str, a: &ParsedId) -> StoreResult<i64> {
    let n = a.number_in(org).ok_or_else(|| reference_missing("account", ObjectKind::Account, a))?;
    let row: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>("SELECT id FROM accounts WHERE dev_org_id = $1 AND id = $2")
        .bind(org)
        .bind(n)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.map(|(id,)| id).ok_or_else(|| reference_missing("account", ObjectKind::Account, a))
}

const REV_ORG_SORT: &[SortCol] = &[
    SortCol { name: "created_date", expr: "r.created_date", int: true },
    SortCol { name: "modified_date", expr: "r.modified_date", int: true },
    SortCol { name: "display_name", expr: "r.display_name", int: false },
    SortCol { name: "display_id", expr: "r.id", int: false },
];
const REV_ORG_ID: SortCol = SortCol { name: "id", expr: "r.id", int: false };

fn rev_org_keys(v: &RevOrgView, cols: &[(&SortCol, bool)]) -> Vec<Value> {
    let r = &v.record;
    cols.iter()
        .map(|(c, _)| match c.name {
            "created_date" => Value::from(r.created_date.millis()),
            "modified_date" => Value::from(r.modified_date.millis()),
            "display_name" => Value::from(r.display_name.clone()),
            _ => Value::from(r.id.clone()),
        })
        .collect()
}

impl Backend {
    async fn create_rev_org_once(
        &self,
        scope: &DevOrgScope,
        d: &RevOrgDraft,
        now: Timestamp,
    ) -> StoreResult<RevOrgView> {
        let org = scope.dev_org.as_str();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let account = account_exists(&mut tx, org, &d.account).await?;
        let custom = apply_custom(&mut tx, org, LeafType::RevOrg, &CustomState::default(), d.custom.as_ref()).await?;
        let record = RevOrgRecord {
            id: random_alnum(8),
            account,
            display_name: d.display_name.clone(),
            description: d.description.clone(),
            domain: d.domain.clone(),
            external_ref: d.external_ref.clone(),
            tier: d.tier.clone(),
            environment: d.environment.clone(),
            created_by: Some(scope.actor),
            created_date: now,
            modified_by: Some(scope.actor),
            modified_date: now,
            custom,
        };
        insert_rev_org(&mut tx, org, &record, false).await?;
        if d.custom.is_some() {
            save_custom(&mut tx, org, &CustomOwner::RevOrg(record.id.clone()), &record.custom).await?;
        }
        if !d.tags.is_empty() {
            write_tag_links(&mut tx, org, code(ObjectKind::RevOrg), &record.id, &d.tags).await?;
        }
        let view = rev_org_view(&mut tx, org, &record.id).await?.ok_or_else(|| not_found_user(0))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn update_rev_org_once(
        &self,
        scope: &DevOrgScope,
        p: &RevOrgPatch,
        now: Timestamp,
    ) -> StoreResult<RevOrgView> {
        let org = scope.dev_org.as_str();
        let id = p.id.local_in(org).ok_or_else(|| not_found(ObjectKind::RevOrg, &p.id))?.to_owned();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let row: Option<RevOrgRow> = sqlx::query_as::<Db, RevOrgRow>(&format!(
            "SELECT {REV_ORG_COLS} FROM {REV_ORG_FROM} WHERE r.dev_org_id = $1 AND r.id = $2{}",
            if FOR_UPDATE.is_empty() { "" } else { " FOR UPDATE OF r" }
        ))
        .bind(org)
        .bind(&id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let (mut r, _) = row.ok_or_else(|| not_found(ObjectKind::RevOrg, &p.id))?.split();
        if let Some(a) = &p.account {
            r.account = account_exists(&mut tx, org, a).await?;
        }
        if let Some(v) = &p.display_name {
            r.display_name = v.clone();
        }
        if let Some(v) = &p.description {
            r.description = Some(v.clone());
        }
        if let Some(v) = &p.domain {
            r.domain = Some(v.clone());
        }
        if let Some(v) = &p.tier {
            r.tier = Some(v.clone());
        }
        if let Some(v) = &p.environment {
            r.environment = Some(v.clone());
        }
        if let Some(v) = &p.external_ref {
            claim_refs(&mut tx, org, ObjectKind::RevOrg, &id, std::slice::from_ref(v), "external_ref").await?;
            r.external_ref = Some(v.clone());
        }
        if p.custom.is_some() {
            r.custom = apply_custom(&mut tx, org, LeafType::RevOrg, &r.custom, p.custom.as_ref()).await?;
            save_custom(&mut tx, org, &CustomOwner::RevOrg(id.clone()), &r.custom).await?;
        }
        sqlx::query::<Db>(
            "UPDATE rev_orgs SET account_id = $3, display_name = $4, description = $5, domain = $6, external_ref = $7, \
             tier = $8, environment = $9, modified_by_kind = $10, modified_by_id = $11, modified_date = $12 \
             WHERE dev_org_id = $1 AND id = $2",
        )
        .bind(org)
        .bind(&id)
        .bind(r.account)
        .bind(&r.display_name)
        .bind(&r.description)
        .bind(&r.domain)
        .bind(&r.external_ref)
        .bind(&r.tier)
        .bind(&r.environment)
        .bind(code(scope.actor.kind))
        .bind(scope.actor.id)
        .bind(after(r.modified_date, now).millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if let Some(tags) = &p.tags {
            write_tag_links(&mut tx, org, code(ObjectKind::RevOrg), &id, tags).await?;
        }
        let view = rev_org_view(&mut tx, org, &id).await?.ok_or_else(|| not_found_user(0))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn delete_rev_org_once(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        let local = id.local_in(org).ok_or_else(|| not_found(ObjectKind::RevOrg, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        if remove_rev_org(&mut tx, org, local).await? == 0 {
            return Err(not_found(ObjectKind::RevOrg, id));
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl RevOrgStore for Backend {
    async fn create_rev_org(&self, scope: &DevOrgScope, draft: RevOrgDraft, now: Timestamp) -> StoreResult<RevOrgView> {
        retrying!(self.create_rev_org_once(scope, &draft, now))
    }

    async fn get_rev_org(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<RevOrgView> {
        let local = id.local_in(&scope.dev_org).ok_or_else(|| not_found(ObjectKind::RevOrg, id))?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        rev_org_view(&mut tx, &scope.dev_org, local).await?.ok_or_else(|| not_found(ObjectKind::RevOrg, id))
    }

    async fn get_default_rev_org(&self, scope: &DevOrgScope, account: &ParsedId) -> StoreResult<RevOrgView> {
        let org = scope.dev_org.as_str();
        let n = account.number_in(org).ok_or_else(|| not_found(ObjectKind::Account, account))?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let id = default_rev_org_of(&mut tx, org, n).await?.ok_or_else(|| not_found(ObjectKind::Account, account))?;
        rev_org_view(&mut tx, org, &id).await?.ok_or_else(|| not_found(ObjectKind::Account, account))
    }

    async fn update_rev_org(&self, scope: &DevOrgScope, patch: RevOrgPatch, now: Timestamp) -> StoreResult<RevOrgView> {
        retrying!(self.update_rev_org_once(scope, &patch, now))
    }

    async fn delete_rev_org(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<()> {
        retrying!(self.delete_rev_org_once(scope, id))
    }

    async fn list_rev_orgs(
        &self,
        scope: &DevOrgScope,
        f: RevOrgFilter,
        page: PageRequest,
    ) -> StoreResult<Page<RevOrgView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        sql.push(&format!("SELECT r.id FROM rev_orgs r WHERE r.dev_org_id = {o}"));
        filter_in_int(&mut sql, "r.account_id", f.account.as_ref());
        filter_created_by(&mut sql, "r", f.created_by.as_ref());
        filter_range(&mut sql, "r.created_date", f.created_date.as_ref());
        filter_range(&mut sql, "r.modified_date", f.modified_date.as_ref());
        filter_in_text(&mut sql, "r.display_name", f.display_name.as_ref());
        filter_in_text(&mut sql, "r.external_ref", f.external_ref.as_ref());
        filter_tags(&mut sql, "r", code(ObjectKind::RevOrg), f.tags.as_ref());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        filter_custom(&mut tx, &mut sql, org, LeafType::RevOrg, "r.custom_fields", f.custom_fields.as_deref()).await?;
        list_page(&mut tx, &sql, REV_ORG_SORT, &REV_ORG_ID, &page, LoadRevOrgs { org }, rev_org_keys).await
    }
}

// ---------------------------------------------------------------------------------------
// Artifacts (§8.4)

fn resolve_artifact(org: &str, field: &str, id: &ParsedId) -> StoreResult<i64> {
    id.number_in(org).ok_or_else(|| reference_missing(field, ObjectKind::Artifact, id))
}

/// Makes `holder` hold exactly `picture` and `attached`: each must exist and be free or already
/// the holder's (else 400 `artifact_already_attached_to_a_parent`); artifacts in `before` that
/// are no longer used are released. Rows are locked, so two racing attaches cannot both win.
async fn hold_artifacts(
    conn: &mut Conn,
    org: &str,
    holder: &ParentRef,
    before: &[i64],
    picture: Option<i64>,
    attached: &[i64],
) -> StoreResult<()> {
    let wanted: Vec<(&str, i64)> =
        picture.map(|p| ("display_picture", p)).into_iter().chain(attached.iter().map(|a| ("artifacts", *a))).collect();
    for (field, id) in &wanted {
        let row: Option<(Option<String>, Option<String>)> = sqlx::query_as::<Db, (Option<String>, Option<String>)>(
            &format!("SELECT parent_kind, parent_id FROM artifacts WHERE dev_org_id = $1 AND id = $2{FOR_UPDATE}"),
        )
        .bind(org)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        let Some((kind, parent)) = row else {
            let shown = display_id(ObjectKind::Artifact, id).unwrap_or_default();
            return Err(StoreError::Invalid(ValidationError::not_permitted(
                field,
                format!("artifact {shown} does not exist"),
            )));
        };
        match (kind.as_deref().and_then(ObjectKind::from_don_type), parent) {
            (Some(k), Some(p)) if k == holder.kind && p == holder.id => {}
            (Some(k), Some(p)) => {
                let existing = ParentRef { kind: k, id: p };
                return Err(StoreError::Invalid(ValidationError::artifact_attached(
                    field,
                    existing.don(org),
                    existing == *holder,
                )));
            }
            _ => {
                sqlx::query::<Db>(
                    "UPDATE artifacts SET parent_kind = $3, parent_id = $4 WHERE dev_org_id = $1 AND id = $2",
                )
                .bind(org)
                .bind(id)
                .bind(code(holder.kind))
                .bind(&holder.id)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            }
        }
    }
    for old in before {
        if !wanted.iter().any(|(_, w)| w == old) {
            sqlx::query::<Db>(
                "UPDATE artifacts SET parent_kind = NULL, parent_id = NULL WHERE dev_org_id = $1 AND id = $2 \
                 AND parent_kind = $3 AND parent_id = $4",
            )
            .bind(org)
            .bind(old)
            .bind(code(holder.kind))
            .bind(&holder.id)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
    }
    Ok(())
}

/// Releases every artifact `holder` holds (it is being deleted).
async fn release_artifacts(conn: &mut Conn, org: &str, holder: &ParentRef) -> StoreResult<()> {
    sqlx::query::<Db>(
        "UPDATE artifacts SET parent_kind = NULL, parent_id = NULL WHERE dev_org_id = $1 AND parent_kind = $2 \
         AND parent_id = $3",
    )
    .bind(org)
    .bind(code(holder.kind))
    .bind(&holder.id)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ArtifactSummaryRow {
    id: i64,
    file_name: String,
    file_type: Option<String>,
    size: Option<i64>,
    content_type: Option<String>,
}

async fn artifact_summaries(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<HashMap<i64, ArtifactSummaryData>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!(
        "SELECT a.id, a.file_name, a.file_type, v.size, v.content_type FROM artifacts a LEFT JOIN artifact_versions v \
         ON v.dev_org_id = a.dev_org_id AND v.artifact_id = a.id AND v.version = a.current_version \
         WHERE a.dev_org_id = {o} AND a.id IN ({ps})"
    ));
    let rows: Vec<ArtifactSummaryRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                ArtifactSummaryData {
                    id: r.id,
                    file_name: r.file_name,
                    file_type: r.content_type.or(r.file_type),
                    size: r.size,
                },
            )
        })
        .collect())
}

const ARTIFACT_COLS: &str = "a.id, a.file_name, a.file_type, a.configuration_set, a.parent_kind, a.parent_id, \
    a.latest_version, a.current_version, a.created_by_kind, a.created_by_id, a.created_date, a.modified_by_kind, \
    a.modified_by_id, a.modified_date";

#[derive(sqlx::FromRow)]
struct ArtifactRow {
    id: i64,
    file_name: String,
    file_type: Option<String>,
    configuration_set: Option<String>,
    parent_kind: Option<String>,
    parent_id: Option<String>,
    latest_version: i64,
    current_version: Option<i64>,
    created_by_kind: Option<String>,
    created_by_id: Option<i64>,
    created_date: i64,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
    modified_date: i64,
}

impl ArtifactRow {
    /// The record, and the version to show when none is asked for.
    fn split(self) -> (ArtifactRecord, i64) {
        let parent = match (self.parent_kind.as_deref().and_then(ObjectKind::from_don_type), self.parent_id) {
            (Some(kind), Some(id)) => Some(ParentRef { kind, id }),
            _ => None,
        };
        (
            ArtifactRecord {
                id: self.id,
                file_name: self.file_name,
                file_type: self.file_type,
                configuration_set: self.configuration_set,
                parent,
                created_by: user_ref(self.created_by_kind, self.created_by_id),
                created_date: Timestamp::from_millis(self.created_date),
                modified_by: user_ref(self.modified_by_kind, self.modified_by_id),
                modified_date: Timestamp::from_millis(self.modified_date),
            },
            self.current_version.unwrap_or(self.latest_version),
        )
    }
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    size: Option<i64>,
    content_type: Option<String>,
    uploaded: bool,
    blob_key: Option<String>,
    created_date: i64,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
}

impl VersionRow {
    fn record(&self) -> VersionRecord {
        VersionRecord {
            version: self.version,
            size: self.size,
            content_type: self.content_type.clone(),
            uploaded: self.uploaded,
            created_date: Timestamp::from_millis(self.created_date),
            modified_by: user_ref(self.modified_by_kind.clone(), self.modified_by_id),
        }
    }
}

async fn fetch_version(conn: &mut Conn, org: &str, artifact: i64, version: i64) -> StoreResult<Option<VersionRow>> {
    sqlx::query_as::<Db, VersionRow>(
        "SELECT version, size, content_type, uploaded, blob_key, created_date, modified_by_kind, modified_by_id \
         FROM artifact_versions WHERE dev_org_id = $1 AND artifact_id = $2 AND version = $3",
    )
    .bind(org)
    .bind(artifact)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)
}

/// Loads artifacts with the version to show (`version`, else each one's default).
async fn load_artifacts(
    conn: &mut Conn,
    org: &str,
    where_sql: Sql,
    version: Option<i64>,
) -> StoreResult<Vec<ArtifactView>> {
    let rows: Vec<ArtifactRow> = where_sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut pending = Vec::new();
    for row in rows {
        let (record, default_version) = row.split();
        let wanted = version.unwrap_or(default_version);
        let Some(v) = fetch_version(conn, org, record.id, wanted).await? else {
            if version.is_some() {
                return Err(StoreError::not_found("artifact version", &wanted.to_string()));
            }
            continue;
        };
        pending.push((record, v.record()));
    }
    let refs: Vec<UserRef> =
        pending.iter().flat_map(|(r, v)| [r.created_by, r.modified_by, v.modified_by]).flatten().collect();
    let summaries = user_summaries(conn, org, refs).await?;
    for (record, version) in pending {
        out.push(ArtifactView {
            created_by: record.created_by.and_then(|u| summaries.get(&u).cloned()),
            modified_by: record.modified_by.and_then(|u| summaries.get(&u).cloned()),
            version_by: version.modified_by.and_then(|u| summaries.get(&u).cloned()),
            record,
            version,
        });
    }
    Ok(out)
}

async fn artifact_view(conn: &mut Conn, org: &str, id: i64, version: Option<i64>) -> StoreResult<Option<ArtifactView>> {
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let i = sql.int_arg(id);
    sql.push(&format!("SELECT {ARTIFACT_COLS} FROM artifacts a WHERE a.dev_org_id = {o} AND a.id = {i}"));
    Ok(load_artifacts(conn, org, sql, version).await?.into_iter().next())
}

async fn insert_version(
    conn: &mut Conn,
    org: &str,
    artifact: i64,
    version: i64,
    actor: UserRef,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query::<Db>(
        "INSERT INTO artifact_versions (dev_org_id, artifact_id, version, uploaded, created_date, modified_by_kind, \
         modified_by_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(org)
    .bind(artifact)
    .bind(version)
    .bind(false)
    .bind(now.millis())
    .bind(code(actor.kind))
    .bind(actor.id)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

impl Backend {
    async fn prepare_artifact_once(
        &self,
        scope: &DevOrgScope,
        d: &ArtifactDraft,
        now: Timestamp,
    ) -> StoreResult<ArtifactView> {
        let org = scope.dev_org.as_str();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let id = next_id(&mut tx, org, code(ObjectKind::Artifact)).await?;
        sqlx::query::<Db>(
            "INSERT INTO artifacts (dev_org_id, id, file_name, file_type, configuration_set, latest_version, \
             created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $8, $9)",
        )
        .bind(org)
        .bind(id)
        .bind(&d.file_name)
        .bind(&d.file_type)
        .bind(&d.configuration_set)
        .bind(1_i64)
        .bind(code(scope.actor.kind))
        .bind(scope.actor.id)
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        insert_version(&mut tx, org, id, 1, scope.actor, now).await?;
        let view = artifact_view(&mut tx, org, id, Some(1)).await?.ok_or_else(|| not_found_user(id))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn prepare_version_once(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        now: Timestamp,
    ) -> StoreResult<ArtifactView> {
        let org = scope.dev_org.as_str();
        // versions.prepare declares no 404: an unknown artifact is a 400 naming `id`.
        let n = id.number_in(org).ok_or_else(|| reference_missing("id", ObjectKind::Artifact, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let latest: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>(&format!(
            "SELECT latest_version FROM artifacts WHERE dev_org_id = $1 AND id = $2{FOR_UPDATE}"
        ))
        .bind(org)
        .bind(n)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let (latest,) = latest.ok_or_else(|| reference_missing("id", ObjectKind::Artifact, id))?;
        let version = latest + 1;
        insert_version(&mut tx, org, n, version, scope.actor, now).await?;
        sqlx::query::<Db>(
            "UPDATE artifacts SET latest_version = $3, modified_by_kind = $4, modified_by_id = $5, modified_date = $6 \
             WHERE dev_org_id = $1 AND id = $2",
        )
        .bind(org)
        .bind(n)
        .bind(version)
        .bind(code(scope.actor.kind))
        .bind(scope.actor.id)
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let view = artifact_view(&mut tx, org, n, Some(version)).await?.ok_or_else(|| not_found_user(n))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn delete_version_once(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        version: Option<i64>,
    ) -> StoreResult<Vec<String>> {
        let org = scope.dev_org.as_str();
        // versions.delete declares no 404: an unknown artifact or version is a 400.
        let unknown = || {
            StoreError::Invalid(ValidationError::not_permitted(
                if version.is_some() { "version" } else { "id" },
                "no such artifact version",
            ))
        };
        let n = id.number_in(org).ok_or_else(unknown)?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let row: Option<ArtifactRow> = sqlx::query_as::<Db, ArtifactRow>(&format!(
            "SELECT {ARTIFACT_COLS} FROM artifacts a WHERE a.dev_org_id = $1 AND a.id = $2{FOR_UPDATE}"
        ))
        .bind(org)
        .bind(n)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let row = row.ok_or_else(unknown)?;
        let target = version.unwrap_or(row.latest_version);
        let victim = fetch_version(&mut tx, org, n, target).await?.ok_or_else(unknown)?;
        let mut external: Vec<String> = victim.blob_key.clone().into_iter().collect();
        let remaining: Vec<(i64, bool)> = sqlx::query_as::<Db, (i64, bool)>(
            "SELECT version, uploaded FROM artifact_versions WHERE dev_org_id = $1 AND artifact_id = $2 AND version <> $3 \
             ORDER BY version",
        )
        .bind(org)
        .bind(n)
        .bind(target)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        for sql in [
            "DELETE FROM artifact_blobs WHERE dev_org_id = $1 AND artifact_id = $2 AND version = $3",
            "DELETE FROM artifact_versions WHERE dev_org_id = $1 AND artifact_id = $2 AND version = $3",
        ] {
            sqlx::query::<Db>(sql).bind(org).bind(n).bind(target).execute(&mut *tx).await.map_err(db_err)?;
        }
        if remaining.is_empty() {
            // The last version went, and the artifact with it: its holder lets go of it.
            let keys: Vec<(Option<String>,)> = sqlx::query_as::<Db, (Option<String>,)>(
                "SELECT blob_key FROM artifact_versions WHERE dev_org_id = $1 AND artifact_id = $2",
            )
            .bind(org)
            .bind(n)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            external.extend(keys.into_iter().filter_map(|(k,)| k));
            sqlx::query::<Db>("DELETE FROM artifacts WHERE dev_org_id = $1 AND id = $2")
                .bind(org)
                .bind(n)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            detach_everywhere(&mut tx, org, n).await?;
        } else {
            let latest = remaining.iter().map(|(v, _)| *v).max().unwrap_or(1);
            let current = remaining.iter().filter(|(_, up)| *up).map(|(v, _)| *v).max();
            sqlx::query::<Db>(
                "UPDATE artifacts SET latest_version = $3, current_version = $4 WHERE dev_org_id = $1 AND id = $2",
            )
            .bind(org)
            .bind(n)
            .bind(latest)
            .bind(current)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(external)
    }

    async fn upload_once(
        &self,
        org: &str,
        artifact: i64,
        version: i64,
        up: &Upload,
        now: Timestamp,
    ) -> StoreResult<Option<String>> {
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let current: Option<(Option<i64>,)> = sqlx::query_as::<Db, (Option<i64>,)>(&format!(
            "SELECT current_version FROM artifacts WHERE dev_org_id = $1 AND id = $2{FOR_UPDATE}"
        ))
        .bind(org)
        .bind(artifact)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let gone =
            || StoreError::not_found("artifact", &display_id(ObjectKind::Artifact, artifact).unwrap_or_default());
        let (current,) = current.ok_or_else(gone)?;
        let previous = fetch_version(&mut tx, org, artifact, version).await?.ok_or_else(gone)?;
        sqlx::query::<Db>("DELETE FROM artifact_blobs WHERE dev_org_id = $1 AND artifact_id = $2 AND version = $3")
            .bind(org)
            .bind(artifact)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let key = match &up.location {
            BlobLocation::Inline(bytes) => {
                sqlx::query::<Db>(
                    "INSERT INTO artifact_blobs (dev_org_id, artifact_id, version, bytes) VALUES ($1, $2, $3, $4)",
                )
                .bind(org)
                .bind(artifact)
                .bind(version)
                .bind(bytes.as_slice())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                None
            }
            BlobLocation::External(key) => Some(key.clone()),
        };
        sqlx::query::<Db>(
            "UPDATE artifact_versions SET size = $4, content_type = $5, uploaded = $6, blob_key = $7 \
             WHERE dev_org_id = $1 AND artifact_id = $2 AND version = $3",
        )
        .bind(org)
        .bind(artifact)
        .bind(version)
        .bind(up.size)
        .bind(&up.content_type)
        .bind(true)
        .bind(&key)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let newest = current.map_or(version, |c| c.max(version));
        sqlx::query::<Db>(
            "UPDATE artifacts SET current_version = $3, modified_date = $4 WHERE dev_org_id = $1 AND id = $2",
        )
        .bind(org)
        .bind(artifact)
        .bind(newest)
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(previous.blob_key.filter(|old| Some(old) != key.as_ref()))
    }
}

/// Removes a deleted artifact from every user's picture and attachment list.
async fn detach_everywhere(conn: &mut Conn, org: &str, artifact: i64) -> StoreResult<()> {
    sqlx::query::<Db>("UPDATE users SET display_picture_id = NULL WHERE dev_org_id = $1 AND display_picture_id = $2")
        .bind(org)
        .bind(artifact)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let needle = format!("%\"{artifact}\"%");
    let holders: Vec<(String, i64, String)> = sqlx::query_as::<Db, (String, i64, String)>(
        "SELECT kind, id, artifact_ids FROM users WHERE dev_org_id = $1 AND artifact_ids LIKE $2",
    )
    .bind(org)
    .bind(&needle)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    for (kind, id, ids) in holders {
        let kept: Vec<String> = json_list(&ids).into_iter().filter(|a| *a != artifact.to_string()).collect();
        sqlx::query::<Db>("UPDATE users SET artifact_ids = $4 WHERE dev_org_id = $1 AND kind = $2 AND id = $3")
            .bind(org)
            .bind(kind)
            .bind(id)
            .bind(to_json(&kept))
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

#[async_trait]
impl ArtifactStore for Backend {
    async fn prepare_artifact(
        &self,
        scope: &DevOrgScope,
        draft: ArtifactDraft,
        now: Timestamp,
    ) -> StoreResult<ArtifactView> {
        retrying!(self.prepare_artifact_once(scope, &draft, now))
    }

    async fn prepare_artifact_version(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        now: Timestamp,
    ) -> StoreResult<ArtifactView> {
        retrying!(self.prepare_version_once(scope, id, now))
    }

    async fn get_artifact(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        version: Option<i64>,
    ) -> StoreResult<ArtifactView> {
        let n = id.number_in(&scope.dev_org).ok_or_else(|| not_found(ObjectKind::Artifact, id))?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        artifact_view(&mut tx, &scope.dev_org, n, version).await?.ok_or_else(|| not_found(ObjectKind::Artifact, id))
    }

    async fn list_artifacts(&self, scope: &DevOrgScope, parent: &ParentRef) -> StoreResult<Vec<ArtifactView>> {
        let mut sql = Sql::new("");
        let o = sql.text_arg(&scope.dev_org);
        let k = sql.text_arg(code(parent.kind));
        let i = sql.text_arg(&parent.id);
        sql.push(&format!(
            "SELECT {ARTIFACT_COLS} FROM artifacts a WHERE a.dev_org_id = {o} AND a.parent_kind = {k} \
             AND a.parent_id = {i} ORDER BY a.id"
        ));
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        load_artifacts(&mut tx, &scope.dev_org, sql, None).await
    }

    async fn delete_artifact_version(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        version: Option<i64>,
    ) -> StoreResult<Vec<String>> {
        retrying!(self.delete_version_once(scope, id, version))
    }

    async fn upload_artifact(
        &self,
        dev_org: &str,
        artifact: i64,
        version: i64,
        upload: Upload,
        now: Timestamp,
    ) -> StoreResult<Option<String>> {
        retrying!(self.upload_once(dev_org, artifact, version, &upload, now))
    }

    async fn artifact_content(
        &self,
        dev_org: &str,
        artifact: i64,
        version: i64,
    ) -> StoreResult<(String, VersionRecord, BlobLocation)> {
        let gone =
            || StoreError::not_found("artifact", &display_id(ObjectKind::Artifact, artifact).unwrap_or_default());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let name: Option<(String,)> =
            sqlx::query_as::<Db, (String,)>("SELECT file_name FROM artifacts WHERE dev_org_id = $1 AND id = $2")
                .bind(dev_org)
                .bind(artifact)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        let (name,) = name.ok_or_else(gone)?;
        let v = fetch_version(&mut tx, dev_org, artifact, version).await?.filter(|v| v.uploaded).ok_or_else(gone)?;
        let location = match &v.blob_key {
            Some(key) => BlobLocation::External(key.clone()),
            None => {
                let bytes: Option<(Vec<u8>,)> = sqlx::query_as::<Db, (Vec<u8>,)>(
                    "SELECT bytes FROM artifact_blobs WHERE dev_org_id = $1 AND artifact_id = $2 AND version = $3",
                )
                .bind(dev_org)
                .bind(artifact)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
                BlobLocation::Inline(bytes.ok_or_else(gone)?.0)
            }
        };
        Ok((name, v.record(), location))
    }
}

// ---------------------------------------------------------------------------------------
// Custom schemas and custom fields (§6)

const FRAGMENT_COLS: &str = "f.id, f.kind, f.leaf_type, f.name, f.old_id, f.new_id, f.is_deprecated, \
    f.subtype_display_name, f.body, f.created_by_kind, f.created_by_id, f.created_date, f.modified_by_kind, \
    f.modified_by_id, f.modified_date";

/// The counter fragment ids come from: one per dev org across the three kinds.
const FRAGMENT_COUNTER: &str = "schema_fragment";

#[derive(sqlx::FromRow)]
struct FragmentRow {
    id: i64,
    kind: String,
    leaf_type: String,
    name: String,
    old_id: Option<i64>,
    new_id: Option<i64>,
    is_deprecated: bool,
    subtype_display_name: Option<String>,
    body: String,
    created_by_kind: Option<String>,
    created_by_id: Option<i64>,
    created_date: i64,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
    modified_date: i64,
}

impl FragmentRow {
    fn into_record(self) -> StoreResult<FragmentRecord> {
        let bad = |what: &str| StoreError::Internal(anyhow::anyhow!("schema fragment {} has {what}", self.id));
        let leaf = LeafType::from_name(&self.leaf_type).ok_or_else(|| bad("an unknown leaf type"))?;
        let kind = FragmentKind::from_name(&self.kind).ok_or_else(|| bad("an unknown kind"))?;
        let content = FragmentContent::from_json(&self.body).map_err(|_| bad("an unreadable body"))?;
        Ok(FragmentRecord {
            id: self.id,
            family: Family { leaf, kind, name: self.name },
            content,
            is_deprecated: self.is_deprecated,
            subtype_display_name: self.subtype_display_name,
            old_id: self.old_id,
            new_id: self.new_id,
            created_by: user_ref(self.created_by_kind, self.created_by_id),
            created_date: Timestamp::from_millis(self.created_date),
            modified_by: user_ref(self.modified_by_kind, self.modified_by_id),
            modified_date: Timestamp::from_millis(self.modified_date),
        })
    }
}

#[derive(sqlx::FromRow)]
struct FragmentRefRow {
    ref_id: i64,
    #[sqlx(flatten)]
    current: FragmentRow,
}

/// Reads the current version of every fragment of `leaves`, and for each fragment id in
/// `refs` its lineage and that lineage's current version.
async fn load_catalog(conn: &mut Conn, org: &str, leaves: &[LeafType], refs: &[i64]) -> StoreResult<FragmentCatalog> {
    let mut catalog = FragmentCatalog::default();
    if !leaves.is_empty() {
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let names: Vec<String> = leaves.iter().map(|l| l.as_str().to_owned()).collect();
        let ps = sql.text_list(&names);
        sql.push(&format!(
            "SELECT {FRAGMENT_COLS} FROM schema_fragments f WHERE f.dev_org_id = {o} AND f.new_id IS NULL \
             AND f.leaf_type IN ({ps})"
        ));
        let rows: Vec<FragmentRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
        for row in rows {
            let f = row.into_record()?;
            catalog.latest.insert(f.family.clone(), Arc::new(f));
        }
    }
    let refs: Vec<i64> = refs.iter().copied().collect::<HashSet<_>>().into_iter().collect();
    if !refs.is_empty() {
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let ps = sql.int_list(&refs);
        sql.push(&format!(
            "SELECT r.id AS ref_id, {FRAGMENT_COLS} FROM schema_fragments r JOIN schema_fragments f \
             ON f.dev_org_id = r.dev_org_id AND f.family = r.family AND f.new_id IS NULL \
             WHERE r.dev_org_id = {o} AND r.id IN ({ps})"
        ));
        let rows: Vec<FragmentRefRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
        for row in rows {
            let f = row.current.into_record()?;
            catalog.refs.insert(row.ref_id, (f.family.clone(), f.id));
            catalog.latest.entry(f.family.clone()).or_insert_with(|| Arc::new(f));
        }
    }
    Ok(catalog)
}

/// Presents objects' custom states against the current fragment versions (§6.4).
async fn present_custom<'a, K: std::hash::Hash + Eq>(
    conn: &mut Conn,
    org: &str,
    leaf: LeafType,
    items: impl Iterator<Item = (K, &'a CustomState)>,
) -> StoreResult<HashMap<K, CustomView>> {
    let items: Vec<(K, &CustomState)> = items.collect();
    let refs: Vec<i64> = items.iter().flat_map(|(_, s)| s.fragments.iter().map(|r| r.id)).collect();
    let catalog =
        if refs.is_empty() { FragmentCatalog::default() } else { load_catalog(conn, org, &[], &refs).await? };
    Ok(items.into_iter().map(|(k, s)| (k, custom::present(leaf, s, &catalog))).collect())
}

/// Applies a write's custom parts to `current`, validating against fragments read in the
/// write's own transaction; `None` leaves the state as it is.
async fn apply_custom(
    conn: &mut Conn,
    org: &str,
    leaf: LeafType,
    current: &CustomState,
    input: Option<&CustomInput>,
) -> StoreResult<CustomState> {
    let Some(input) = input else { return Ok(current.clone()) };
    let mut refs: Vec<i64> = current.fragments.iter().map(|r| r.id).collect();
    refs.extend(input.fragments.iter().flatten().filter_map(|p| p.in_org(org)).map(|r| r.id));
    let catalog = load_catalog(conn, org, &[leaf], &refs).await?;
    Ok(custom::apply(ApplyContext { org, leaf, catalog: &catalog }, current, input)?)
}

/// The row an object's custom columns live in.
enum CustomOwner {
    /// A user of a kind, by number.
    User(ObjectKind, i64),
    /// An account.
    Account(i64),
    /// A rev org.
    RevOrg(String),
}

impl CustomOwner {
    /// The table and the condition (after `$1` = dev org) naming the row, with its binds.
    fn locate(&self) -> (&'static str, &'static str, Vec<Arg>) {
        match self {
            Self::User(kind, id) => {
                ("users", "kind = $2 AND id = $3", vec![Arg::Text(code(*kind).to_owned()), Arg::I64(*id)])
            }
            Self::Account(id) => ("accounts", "id = $2", vec![Arg::I64(*id)]),
            Self::RevOrg(id) => ("rev_orgs", "id = $2", vec![Arg::Text(id.clone())]),
        }
    }
}

/// Writes an object's custom columns.
async fn save_custom(conn: &mut Conn, org: &str, owner: &CustomOwner, state: &CustomState) -> StoreResult<()> {
    let (table, cond, binds) = owner.locate();
    let mut sql = Sql::new("");
    sql.text_arg(org);
    for b in binds {
        sql.arg(b);
    }
    let f = sql.text_arg(&state.fields_json());
    let r = sql.text_arg(&state.fragments_json());
    let t = match &state.subtype {
        Some(t) => sql.text_arg(t),
        None => "NULL".to_owned(),
    };
    sql.push(&format!(
        "UPDATE {table} SET custom_fields = {f}, custom_schema_fragments = {r}, subtype = {t} \
         WHERE dev_org_id = $1 AND {cond}"
    ));
    sql.query_as::<(i64,)>().fetch_optional(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

/// Reads an object's custom columns.
async fn fetch_custom(conn: &mut Conn, org: &str, owner: &CustomOwner) -> StoreResult<Option<CustomState>> {
    let (table, cond, binds) = owner.locate();
    let mut sql = Sql::new("");
    sql.text_arg(org);
    for b in binds {
        sql.arg(b);
    }
    sql.push(&format!(
        "SELECT custom_fields, custom_schema_fragments, subtype FROM {table} WHERE dev_org_id = $1 AND {cond}"
    ));
    let row: Option<(String, String, Option<String>)> =
        sql.query_as().fetch_optional(&mut *conn).await.map_err(db_err)?;
    Ok(row.map(|(f, r, t)| CustomState::from_columns(&f, &r, t)))
}

/// Appends the `custom_fields` filters of a list, checked against the fragments of `leaf`
/// read in the list's transaction.
async fn filter_custom(
    conn: &mut Conn,
    sql: &mut Sql,
    org: &str,
    leaf: LeafType,
    column: &str,
    filters: Option<&[CustomFilter]>,
) -> StoreResult<()> {
    let Some(filters) = filters.filter(|f| !f.is_empty()) else { return Ok(()) };
    let catalog = load_catalog(conn, org, &[leaf], &[]).await?;
    for f in custom::resolve_filters(org, leaf, filters, &catalog)? {
        let mut ors = Vec::new();
        match &f.matcher {
            FilterMatch::Json(texts) if !texts.is_empty() => {
                let ps = sql.text_list(texts);
                ors.push(format!("{} IN ({ps})", json_field(column, &f.key)));
            }
            FilterMatch::Number(numbers) if !numbers.is_empty() => {
                // Numbers from JSON are finite; their debug form is a valid SQL literal.
                let literals: Vec<String> = numbers.iter().map(|n| format!("{n:?}")).collect();
                ors.push(format!("{} IN ({})", json_field_number(column, &f.key), literals.join(", ")));
            }
            FilterMatch::ArrayAny(texts) if !texts.is_empty() => {
                let ps = sql.text_list(texts);
                ors.push(json_field_has_any(column, &f.key, &ps));
            }
            _ => {}
        }
        if f.or_missing {
            ors.push(format!("{} IS NULL", json_field(column, &f.key)));
        }
        if ors.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(&format!(" AND ({})", ors.join(" OR ")));
        }
    }
    Ok(())
}

async fn load_fragments(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<Vec<FragmentView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!("SELECT {FRAGMENT_COLS} FROM schema_fragments f WHERE f.dev_org_id = {o} AND f.id IN ({ps})"));
    let rows: Vec<FragmentRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let records = rows.into_iter().map(FragmentRow::into_record).collect::<StoreResult<Vec<_>>>()?;
    let summaries = user_summaries(
        conn,
        org,
        records.iter().flat_map(|r| [r.created_by, r.modified_by]).flatten().collect::<Vec<_>>(),
    )
    .await?;
    let by_id = records
        .into_iter()
        .map(|record| {
            (
                record.id.to_string(),
                FragmentView {
                    created_by: record.created_by.and_then(|u| summaries.get(&u).cloned()),
                    modified_by: record.modified_by.and_then(|u| summaries.get(&u).cloned()),
                    record,
                },
            )
        })
        .collect();
    Ok(in_order(&ids.iter().map(i64::to_string).collect::<Vec<_>>(), by_id))
}

struct LoadFragments<'a> {
    org: &'a str,
}

impl AsyncLoad<FragmentView> for LoadFragments<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<FragmentView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_fragments(conn, self.org, &nums).await
    }
}

const FRAGMENT_SORT: &[SortCol] = &[
    SortCol { name: "created_date", expr: "f.created_date", int: true },
    SortCol { name: "modified_date", expr: "f.modified_date", int: true },
    SortCol { name: "leaf_type", expr: "f.leaf_type", int: false },
];
const FRAGMENT_ID: SortCol = SortCol { name: "id", expr: "f.id", int: true };

fn fragment_keys(v: &FragmentView, cols: &[(&SortCol, bool)]) -> Vec<Value> {
    let r = &v.record;
    cols.iter()
        .map(|(c, _)| match c.name {
            "created_date" => Value::from(r.created_date.millis()),
            "modified_date" => Value::from(r.modified_date.millis()),
            "leaf_type" => Value::from(r.family.leaf.as_str()),
            _ => Value::from(r.id),
        })
        .collect()
}

fn fragment_not_found(r: FragmentRef) -> StoreError {
    StoreError::NotFound(format!("schema fragment {} not found", r.local()))
}

impl Backend {
    async fn set_fragment_once(
        &self,
        scope: &DevOrgScope,
        cmd: &FragmentSet,
        now: Timestamp,
    ) -> StoreResult<FragmentRef> {
        let org = scope.dev_org.as_str();
        let family = cmd.family.key();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let row: Option<FragmentRow> = sqlx::query_as::<Db, FragmentRow>(&format!(
            "SELECT {FRAGMENT_COLS} FROM schema_fragments f WHERE f.dev_org_id = $1 AND f.family = $2 \
             AND f.new_id IS NULL{FOR_UPDATE}"
        ))
        .bind(org)
        .bind(&family)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let current = row.map(FragmentRow::into_record).transpose()?;
        let plan = plan_set(current.as_ref(), cmd)?;
        let is_deprecated = cmd.is_deprecated.or(current.as_ref().map(|c| c.is_deprecated)).unwrap_or(false);
        let display_name =
            cmd.subtype_display_name.clone().or_else(|| current.as_ref().and_then(|c| c.subtype_display_name.clone()));
        let content = match (plan, &current) {
            (SetPlan::InPlace, Some(c)) => {
                // §6.4: these two change in place, without a new version.
                if c.is_deprecated != is_deprecated || c.subtype_display_name != display_name {
                    sqlx::query::<Db>(
                        "UPDATE schema_fragments SET is_deprecated = $3, subtype_display_name = $4, \
                         modified_by_kind = $5, modified_by_id = $6, modified_date = $7 WHERE dev_org_id = $1 AND id = $2",
                    )
                    .bind(org)
                    .bind(c.id)
                    .bind(is_deprecated)
                    .bind(&display_name)
                    .bind(code(scope.actor.kind))
                    .bind(scope.actor.id)
                    .bind(after(c.modified_date, now).millis())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
                let r = c.fragment_ref();
                tx.commit().await.map_err(db_err)?;
                return Ok(r);
            }
            (SetPlan::InPlace, None) => {
                return Err(StoreError::Internal(anyhow::anyhow!("in-place change of nothing")))
            }
            (SetPlan::Create(content) | SetPlan::NewVersion(content), _) => content,
        };
        let id = next_id(&mut tx, org, FRAGMENT_COUNTER).await?;
        if let Some(c) = &current {
            sqlx::query::<Db>("UPDATE schema_fragments SET new_id = $3 WHERE dev_org_id = $1 AND id = $2")
                .bind(org)
                .bind(c.id)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        sqlx::query::<Db>(
            "INSERT INTO schema_fragments (dev_org_id, id, kind, leaf_type, name, family, old_id, new_id, is_deprecated, \
             subtype_display_name, body, created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, \
             modified_date) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11, $12, $13, $11, $12, $13)",
        )
        .bind(org)
        .bind(id)
        .bind(cmd.family.kind.as_str())
        .bind(cmd.family.leaf.as_str())
        .bind(&cmd.family.name)
        .bind(&family)
        .bind(current.as_ref().map(|c| c.id))
        .bind(is_deprecated)
        .bind(&display_name)
        .bind(content.to_json())
        .bind(code(scope.actor.kind))
        .bind(scope.actor.id)
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            // Another node created this fragment's current version first: try again on top of it.
            StoreError::Conflict(_) => StoreError::Unavailable("a concurrent schemas.custom.set won the race".into()),
            other => other,
        })?;
        tx.commit().await.map_err(db_err)?;
        Ok(FragmentRef { kind: cmd.family.kind, id })
    }
}

#[async_trait]
impl SchemaStore for Backend {
    async fn set_fragment(&self, scope: &DevOrgScope, cmd: FragmentSet, now: Timestamp) -> StoreResult<FragmentRef> {
        retrying!(self.set_fragment_once(scope, &cmd, now))
    }

    async fn get_fragment(&self, scope: &DevOrgScope, id: FragmentRef) -> StoreResult<FragmentView> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let view = load_fragments(&mut tx, &scope.dev_org, &[id.id]).await?.into_iter().next();
        view.filter(|v| v.record.family.kind == id.kind).ok_or_else(|| fragment_not_found(id))
    }

    async fn list_fragments(
        &self,
        scope: &DevOrgScope,
        f: FragmentFilter,
        page: PageRequest,
    ) -> StoreResult<Page<FragmentView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let d = sql.arg(Arg::Bool(f.deprecated));
        sql.push(&format!(
            "SELECT CAST(f.id AS TEXT) FROM schema_fragments f WHERE f.dev_org_id = {o} AND f.new_id IS NULL \
             AND f.is_deprecated = {d}"
        ));
        if f.match_nothing {
            sql.push(" AND 1 = 0");
        }
        filter_in_text(&mut sql, "f.leaf_type", f.leaf_types.as_ref());
        let kinds = f.kinds.as_ref().map(|k| k.iter().map(|k| k.as_str().to_owned()).collect::<Vec<_>>());
        filter_in_text(&mut sql, "f.kind", kinds.as_ref());
        for (kind, names) in [(FragmentKind::CustomType, &f.subtypes), (FragmentKind::App, &f.apps)] {
            if names.is_some() {
                let k = sql.text_arg(kind.as_str());
                sql.push(&format!(" AND f.kind = {k}"));
                filter_in_text(&mut sql, "f.name", names.as_ref());
            }
        }
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        list_page(&mut tx, &sql, FRAGMENT_SORT, &FRAGMENT_ID, &page, LoadFragments { org }, fragment_keys).await
    }

    async fn fragment_catalog(
        &self,
        scope: &DevOrgScope,
        leaves: &[LeafType],
        refs: &[i64],
    ) -> StoreResult<FragmentCatalog> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        load_catalog(&mut tx, &scope.dev_org, leaves, refs).await
    }

    async fn custom_state(
        &self,
        scope: &DevOrgScope,
        leaf: LeafType,
        id: &ParsedId,
    ) -> StoreResult<(CustomState, FragmentCatalog)> {
        let org = scope.dev_org.as_str();
        let (kind, owner) = match leaf {
            LeafType::RevUser => {
                (ObjectKind::RevUser, id.number_in(org).map(|n| CustomOwner::User(ObjectKind::RevUser, n)))
            }
            LeafType::DevUser => {
                (ObjectKind::DevUser, id.number_in(org).map(|n| CustomOwner::User(ObjectKind::DevUser, n)))
            }
            LeafType::Account => (ObjectKind::Account, id.number_in(org).map(CustomOwner::Account)),
            LeafType::RevOrg => (ObjectKind::RevOrg, id.local_in(org).map(|l| CustomOwner::RevOrg(l.to_owned()))),
        };
        let owner = owner.ok_or_else(|| not_found(kind, id))?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let state = fetch_custom(&mut tx, org, &owner).await?.ok_or_else(|| not_found(kind, id))?;
        let refs: Vec<i64> = state.fragments.iter().map(|r| r.id).collect();
        let catalog = load_catalog(&mut tx, org, &[leaf], &refs).await?;
        Ok((state, catalog))
    }
}

// ---------------------------------------------------------------------------------------
// Dev users (§8.2) and auth tokens (§8.5)
//
// These write their own columns with their own statements rather than through
// `insert_user`/`save_user`, so the dev-user-only columns and the token metadata stay out of
// the shared user record.

use revdir_core::auth_tokens as tok;
use revdir_core::dev_users as devu;

impl Sql {
    /// Runs a statement that returns no rows; answers how many rows it touched.
    async fn execute(&self, conn: &mut Conn) -> StoreResult<u64> {
        let mut q = sqlx::query::<Db>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::I64(n) => q.bind(*n),
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Bool(b) => q.bind(*b),
            };
        }
        Ok(q.execute(&mut *conn).await.map_err(db_err)?.rows_affected())
    }
}

/// Binds an optional text, or writes SQL `NULL`.
fn text_or_null(sql: &mut Sql, v: Option<&str>) -> String {
    v.map_or_else(|| "NULL".to_owned(), |s| sql.text_arg(s))
}

/// SQL that moves `modified_date` to `now`, or a millisecond past its value when that is
/// later (docs/API-CONVENTIONS.md, entry 16), and records the modifier.
fn touch(sql: &mut Sql, actor: UserRef, now: Timestamp) -> String {
    let k = sql.text_arg(code(actor.kind));
    let i = sql.int_arg(actor.id);
    let n = sql.int_arg(now.millis());
    format!(
        "modified_by_kind = {k}, modified_by_id = {i}, \
         modified_date = CASE WHEN modified_date >= {n} THEN modified_date + 1 ELSE {n} END"
    )
}

#[derive(sqlx::FromRow)]
struct DevExtraRow {
    id: i64,
    reports_to_id: Option<i64>,
    experience_start_date: Option<i64>,
    job_history: String,
    job_title: Option<String>,
    primary_identity_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct IdentityRow {
    dev_user_id: i64,
    issuer: String,
    external_id: String,
    display_name: Option<String>,
    is_verified: bool,
}

async fn dev_identities(
    conn: &mut Conn,
    org: &str,
    ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<devu::ExternalIdentityData>>> {
    let mut out: HashMap<i64, Vec<devu::ExternalIdentityData>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!(
        "SELECT dev_user_id, issuer, external_id, display_name, is_verified FROM dev_user_identities \
         WHERE dev_org_id = {o} AND dev_user_id IN ({ps}) ORDER BY dev_user_id, issuer"
    ));
    let rows: Vec<IdentityRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    for r in rows {
        out.entry(r.dev_user_id).or_default().push(devu::ExternalIdentityData {
            issuer: r.issuer,
            id: r.external_id,
            display_name: r.display_name,
            is_verified: r.is_verified,
        });
    }
    Ok(out)
}

/// Loads dev users with their dev-user-only fields, in the order of `ids`.
async fn load_dev_users(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<Vec<devu::DevUserView>> {
    let users = load_users(conn, org, ObjectKind::DevUser, ids).await?;
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<i64> = users.iter().map(|u| u.record.user.id).collect();
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(ObjectKind::DevUser));
    let ps = sql.int_list(&found);
    sql.push(&format!(
        "SELECT id, reports_to_id, experience_start_date, job_history, job_title, primary_identity_id FROM users \
         WHERE dev_org_id = {o} AND kind = {k} AND id IN ({ps})"
    ));
    let rows: Vec<DevExtraRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut identities = dev_identities(conn, org, &found).await?;
    let mut extras: HashMap<i64, devu::DevUserExtra> = rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                devu::DevUserExtra {
                    reports_to: r.reports_to_id,
                    experience_start_date: r.experience_start_date.map(Timestamp::from_millis),
                    job_history: devu::JobHistoryEntry::decode(&r.job_history),
                    job_title: r.job_title,
                    primary_identity: r.primary_identity_id,
                    external_identities: identities.remove(&r.id).unwrap_or_default(),
                },
            )
        })
        .collect();
    let refs = extras
        .values()
        .flat_map(|x| [x.reports_to, x.primary_identity])
        .flatten()
        .map(|id| UserRef { kind: ObjectKind::DevUser, id });
    let summaries = user_summaries(conn, org, refs.collect::<Vec<_>>()).await?;
    let summary =
        |id: Option<i64>| id.and_then(|id| summaries.get(&UserRef { kind: ObjectKind::DevUser, id }).cloned());
    Ok(users
        .into_iter()
        .map(|user| {
            let extra = extras.remove(&user.record.user.id).unwrap_or_default();
            devu::DevUserView {
                reports_to: summary(extra.reports_to),
                primary_identity: summary(extra.primary_identity),
                user,
                extra,
            }
        })
        .collect())
}

async fn dev_user_view(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Option<devu::DevUserView>> {
    Ok(load_dev_users(conn, org, &[id]).await?.into_iter().next())
}

struct LoadDevUsers<'a> {
    org: &'a str,
}

impl AsyncLoad<devu::DevUserView> for LoadDevUsers<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<devu::DevUserView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_dev_users(conn, self.org, &nums).await
    }
}

/// Id, state and merge target of a dev user, optionally locking its row.
async fn dev_facts(conn: &mut Conn, org: &str, id: i64, lock: bool) -> StoreResult<Option<devu::DevUserFacts>> {
    let lock = if lock { FOR_UPDATE } else { "" };
    let row: Option<(i64, String, Option<i64>)> = sqlx::query_as::<Db, (i64, String, Option<i64>)>(&format!(
        "SELECT id, state, primary_identity_id FROM users WHERE dev_org_id = $1 AND kind = $2 AND id = $3{lock}"
    ))
    .bind(org)
    .bind(code(ObjectKind::DevUser))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(|(id, state, merged_into)| devu::DevUserFacts { id, state: parse_state(&state), merged_into }))
}

/// The dev user holding an email (lower-cased).
async fn dev_user_with_email(conn: &mut Conn, org: &str, email_lower: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>(
        "SELECT id FROM users WHERE dev_org_id = $1 AND kind = $2 AND email_lower = $3 LIMIT 1",
    )
    .bind(org)
    .bind(code(ObjectKind::DevUser))
    .bind(email_lower)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(|(id,)| id))
}

fn email_taken(holder: Option<i64>) -> StoreError {
    let by = holder.map(|h| format!(" by DEVU-{h}")).unwrap_or_default();
    // dev-users.create declares no 409: a taken email is a value not permitted.
    StoreError::Invalid(ValidationError::not_permitted("email", format!("the email is already used{by}")))
}

/// Resolves a manager: a dev user of the org other than `me`.
async fn resolve_manager(conn: &mut Conn, org: &str, id: &ParsedId, me: Option<i64>) -> StoreResult<i64> {
    let n = id.number_in(org).ok_or_else(|| reference_missing("reports_to", ObjectKind::DevUser, id))?;
    if Some(n) == me {
        return Err(StoreError::Invalid(ValidationError::not_permitted(
            "reports_to",
            "a dev user cannot report to itself",
        )));
    }
    if dev_facts(conn, org, n, false).await?.is_none() {
        return Err(reference_missing("reports_to", ObjectKind::DevUser, id));
    }
    Ok(n)
}

/// Marks every unrevoked token of `subject` (of `kind`, when given) revoked.
async fn revoke_all(
    conn: &mut Conn,
    org: &str,
    subject: UserRef,
    kind: Option<tok::TokenKind>,
    actor: UserRef,
    now: Timestamp,
) -> StoreResult<u64> {
    let mut sql = Sql::new("UPDATE auth_tokens SET revoked = ");
    let t = sql.arg(Arg::Bool(true));
    // A record without a modified_date compares as NULL, so `touch` starts it at `now`.
    let by = touch(&mut sql, actor, now);
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(subject.kind));
    let i = sql.int_arg(subject.id);
    let f = sql.arg(Arg::Bool(false));
    sql.push(&format!(
        "{t}, {by} WHERE dev_org_id = {o} AND subject_kind = {k} AND subject_id = {i} AND revoked = {f}"
    ));
    if let Some(kind) = kind {
        let c = sql.text_arg(kind.code());
        sql.push(&format!(" AND token_type = {c}"));
    }
    sql.execute(conn).await
}

impl Backend {
    async fn create_dev_user_once(
        &self,
        scope: &DevOrgScope,
        d: &devu::DevUserDraft,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let org = scope.dev_org.as_str();
        let email_lower = d.email.as_str().to_lowercase();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        if let Some(holder) = dev_user_with_email(&mut tx, org, &email_lower).await? {
            return Err(email_taken(Some(holder)));
        }
        let manager = match &d.reports_to {
            Some(m) => Some(resolve_manager(&mut tx, org, m, None).await?),
            None => None,
        };
        let id = next_id(&mut tx, org, code(ObjectKind::DevUser)).await?;
        let actor = scope.actor;
        sqlx::query::<Db>(
            "INSERT INTO users (dev_org_id, kind, id, display_name, full_name, email, email_lower, state, is_verified, \
             created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date, reports_to_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $10, $11, $12, $13)",
        )
        .bind(org)
        .bind(code(ObjectKind::DevUser))
        .bind(id)
        .bind(&d.display_name)
        .bind(&d.full_name)
        .bind(d.email.as_str())
        .bind(&email_lower)
        .bind(state_name(revdir_core::api::common::UserState::Shadow))
        .bind(false)
        .bind(code(actor.kind))
        .bind(actor.id)
        .bind(now.millis())
        .bind(manager)
        .execute(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => email_taken(None),
            other => other,
        })?;
        let view = dev_user_view(&mut tx, org, id).await?.ok_or_else(|| not_found_user(id))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn update_dev_user_once(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        p: &devu::DevUserPatch,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let org = scope.dev_org.as_str();
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        dev_facts(&mut tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let manager = match &p.reports_to {
            Some(m) => Some(resolve_manager(&mut tx, org, m, Some(n)).await?),
            None => None,
        };
        let mut sql = Sql::new("UPDATE users SET ");
        let by = touch(&mut sql, scope.actor, now);
        sql.push(&by);
        if let Some(v) = &p.display_name {
            let a = sql.text_arg(v);
            sql.push(&format!(", display_name = {a}"));
        }
        if let Some(v) = &p.full_name {
            let a = text_or_null(&mut sql, v.as_deref());
            sql.push(&format!(", full_name = {a}"));
        }
        if let Some(v) = p.experience_start_date {
            let a = sql.int_arg(v.millis());
            sql.push(&format!(", experience_start_date = {a}"));
        }
        if let Some(v) = &p.job_history {
            let a = sql.text_arg(&devu::JobHistoryEntry::encode(v));
            sql.push(&format!(", job_history = {a}"));
        }
        if let Some(v) = &p.job_title {
            let a = sql.text_arg(v);
            sql.push(&format!(", job_title = {a}"));
        }
        if let Some(m) = manager {
            let a = sql.int_arg(m);
            sql.push(&format!(", reports_to_id = {a}"));
        }
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(ObjectKind::DevUser));
        let i = sql.int_arg(n);
        sql.push(&format!(" WHERE dev_org_id = {o} AND kind = {k} AND id = {i}"));
        sql.execute(&mut tx).await?;
        let view = dev_user_view(&mut tx, org, n).await?.ok_or_else(|| not_found_user(n))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn change_dev_user_state_once(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        change: devu::StateChange,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let org = scope.dev_org.as_str();
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let facts = dev_facts(&mut tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let state = devu::state_change(&scope.actor, facts, change)?;
        if state != facts.state {
            let mut sql = Sql::new("UPDATE users SET ");
            let by = touch(&mut sql, scope.actor, now);
            let s = sql.text_arg(state_name(state));
            let o = sql.text_arg(org);
            let k = sql.text_arg(code(ObjectKind::DevUser));
            let i = sql.int_arg(n);
            sql.push(&format!("{by}, state = {s} WHERE dev_org_id = {o} AND kind = {k} AND id = {i}"));
            sql.execute(&mut tx).await?;
        }
        if change == devu::StateChange::Deactivate {
            let me = UserRef { kind: ObjectKind::DevUser, id: n };
            revoke_all(&mut tx, org, me, None, scope.actor, now).await?;
        }
        let view = dev_user_view(&mut tx, org, n).await?.ok_or_else(|| not_found_user(n))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn link_identity_once(
        &self,
        scope: &DevOrgScope,
        link: &devu::IdentityLink,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let org = scope.dev_org.as_str();
        let id = &link.dev_user;
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let x = &link.identity;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        dev_facts(&mut tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let taken = |holder: Option<i64>| {
            let by = holder.map(|h| format!(" by DEVU-{h}")).unwrap_or_default();
            StoreError::Invalid(ValidationError::not_permitted(
                "id",
                format!("the {} identity {} is already linked{by}", x.issuer, x.id),
            ))
        };
        let holder: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>(
            "SELECT dev_user_id FROM dev_user_identities WHERE dev_org_id = $1 AND issuer = $2 AND external_id = $3 \
             AND dev_user_id <> $4",
        )
        .bind(org)
        .bind(&x.issuer)
        .bind(&x.id)
        .bind(n)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        if let Some((h,)) = holder {
            return Err(taken(Some(h)));
        }
        sqlx::query::<Db>("DELETE FROM dev_user_identities WHERE dev_org_id = $1 AND dev_user_id = $2 AND issuer = $3")
            .bind(org)
            .bind(n)
            .bind(&x.issuer)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query::<Db>(
            "INSERT INTO dev_user_identities (dev_org_id, dev_user_id, issuer, external_id, display_name, is_verified) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org)
        .bind(n)
        .bind(&x.issuer)
        .bind(&x.id)
        .bind(&x.display_name)
        .bind(x.is_verified)
        .execute(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => taken(None),
            other => other,
        })?;
        touch_user(&mut tx, org, ObjectKind::DevUser, n, scope.actor, now).await?;
        let view = dev_user_view(&mut tx, org, n).await?.ok_or_else(|| not_found_user(n))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn unlink_identity_once(
        &self,
        scope: &DevOrgScope,
        unlink: &devu::IdentityUnlink,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let org = scope.dev_org.as_str();
        let id = &unlink.dev_user;
        let n = id.number_in(org).ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        dev_facts(&mut tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
        let gone = sqlx::query::<Db>(
            "DELETE FROM dev_user_identities WHERE dev_org_id = $1 AND dev_user_id = $2 AND issuer = $3",
        )
        .bind(org)
        .bind(n)
        .bind(&unlink.issuer)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if gone > 0 {
            touch_user(&mut tx, org, ObjectKind::DevUser, n, scope.actor, now).await?;
        }
        let view = dev_user_view(&mut tx, org, n).await?.ok_or_else(|| not_found_user(n))?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn merge_dev_users_once(
        &self,
        scope: &DevOrgScope,
        m: &devu::DevUserMerge,
        now: Timestamp,
    ) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        let p = m.primary.number_in(org).ok_or_else(|| not_found(ObjectKind::DevUser, &m.primary))?;
        let s = m.secondary.number_in(org).ok_or_else(|| not_found(ObjectKind::DevUser, &m.secondary))?;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        // Rows are locked in id order, so two merges of the same pair cannot deadlock.
        let (first, second) = if p <= s { (p, s) } else { (s, p) };
        let a = dev_facts(&mut tx, org, first, true).await?;
        let b = dev_facts(&mut tx, org, second, true).await?;
        let (pf, sf) = if p <= s { (a, b) } else { (b, a) };
        let pf = pf.ok_or_else(|| not_found(ObjectKind::DevUser, &m.primary))?;
        let sf = sf.ok_or_else(|| not_found(ObjectKind::DevUser, &m.secondary))?;
        devu::check_merge(&scope.actor, pf, sf)?;
        // Accounts the secondary owned are owned by the primary instead.
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let owner = sql.text_arg(&s.to_string());
        sql.push(&format!(
            "SELECT id, owned_by FROM accounts a WHERE a.dev_org_id = {o} AND {}{FOR_UPDATE}",
            json_array_has_any("a.owned_by", &owner)
        ));
        let owned: Vec<(i64, String)> = sql.query_as().fetch_all(&mut *tx).await.map_err(db_err)?;
        for (account, owners) in owned {
            let owners: Vec<i64> = json_list(&owners).iter().filter_map(|o| o.parse().ok()).collect();
            let merged: Vec<String> = devu::merged_owners(&owners, s, p).iter().map(i64::to_string).collect();
            let mut sql = Sql::new("UPDATE accounts SET ");
            let by = touch(&mut sql, scope.actor, now);
            let list = sql.text_arg(&to_json(&merged));
            let o = sql.text_arg(org);
            let i = sql.int_arg(account);
            sql.push(&format!("{by}, owned_by = {list} WHERE dev_org_id = {o} AND id = {i}"));
            sql.execute(&mut tx).await?;
        }
        // Reports of the secondary report to the primary (the primary itself to nobody).
        let mut sql = Sql::new("UPDATE users SET ");
        let by = touch(&mut sql, scope.actor, now);
        let pa = sql.int_arg(p);
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(ObjectKind::DevUser));
        let sa = sql.int_arg(s);
        sql.push(&format!(
            "{by}, reports_to_id = CASE WHEN id = {pa} THEN NULL ELSE {pa} END \
             WHERE dev_org_id = {o} AND kind = {k} AND reports_to_id = {sa}"
        ));
        sql.execute(&mut tx).await?;
        // The secondary's identities move, except for issuers the primary already has.
        let mut ids = dev_identities(&mut tx, org, &[p, s]).await?;
        let moved = devu::identities_to_move(&ids.remove(&p).unwrap_or_default(), &ids.remove(&s).unwrap_or_default());
        sqlx::query::<Db>("DELETE FROM dev_user_identities WHERE dev_org_id = $1 AND dev_user_id = $2")
            .bind(org)
            .bind(s)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for x in &moved {
            sqlx::query::<Db>(
                "INSERT INTO dev_user_identities (dev_org_id, dev_user_id, issuer, external_id, display_name, is_verified) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(org)
            .bind(p)
            .bind(&x.issuer)
            .bind(&x.id)
            .bind(&x.display_name)
            .bind(x.is_verified)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        if !moved.is_empty() {
            touch_user(&mut tx, org, ObjectKind::DevUser, p, scope.actor, now).await?;
        }
        // §8.2: the secondary is deactivated, points at the primary and can no longer sign in.
        let mut sql = Sql::new("UPDATE users SET ");
        let by = touch(&mut sql, scope.actor, now);
        let st = sql.text_arg(state_name(revdir_core::api::common::UserState::Deactivated));
        let pa = sql.int_arg(p);
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(ObjectKind::DevUser));
        let sa = sql.int_arg(s);
        sql.push(&format!(
            "{by}, state = {st}, primary_identity_id = {pa} WHERE dev_org_id = {o} AND kind = {k} AND id = {sa}"
        ));
        sql.execute(&mut tx).await?;
        revoke_all(&mut tx, org, UserRef { kind: ObjectKind::DevUser, id: s }, None, scope.actor, now).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn list_dev_users_in(
        &self,
        scope: &DevOrgScope,
        f: &devu::DevUserFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<devu::DevUserView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(ObjectKind::DevUser));
        sql.push(&format!("SELECT CAST(u.id AS TEXT) FROM users u WHERE u.dev_org_id = {o} AND u.kind = {k}"));
        filter_in_text(&mut sql, "u.email_lower", f.email.as_ref());
        let states = f.state.as_ref().map(|v| v.iter().map(|s| state_name(*s).to_owned()).collect::<Vec<_>>());
        filter_in_text(&mut sql, "u.state", states.as_ref());
        if let Some(entries) = &f.external_identity {
            let mut ors = Vec::new();
            for (issuer, ext) in entries {
                let mut conds = vec!["i.dev_org_id = u.dev_org_id".to_owned(), "i.dev_user_id = u.id".to_owned()];
                if let Some(v) = issuer {
                    conds.push(format!("i.issuer = {}", sql.text_arg(v)));
                }
                if let Some(v) = ext {
                    conds.push(format!("i.external_id = {}", sql.text_arg(v)));
                }
                ors.push(format!("EXISTS (SELECT 1 FROM dev_user_identities i WHERE {})", conds.join(" AND ")));
            }
            if ors.is_empty() {
                sql.push(" AND 1 = 0");
            } else {
                sql.push(&format!(" AND ({})", ors.join(" OR ")));
            }
        }
        filter_range(&mut sql, "u.created_date", f.created_date.as_ref());
        filter_range(&mut sql, "u.modified_date", f.modified_date.as_ref());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        list_page(&mut tx, &sql, USER_SORT, &USER_ID, page, LoadDevUsers { org }, dev_user_keys).await
    }
}

fn dev_user_keys(v: &devu::DevUserView, cols: &[(&SortCol, bool)]) -> Vec<Value> {
    user_keys(&v.user, cols)
}

/// Records `actor` as the last modifier of a user, now.
async fn touch_user(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    id: i64,
    actor: UserRef,
    now: Timestamp,
) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE users SET ");
    let by = touch(&mut sql, actor, now);
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(kind));
    let i = sql.int_arg(id);
    sql.push(&format!("{by} WHERE dev_org_id = {o} AND kind = {k} AND id = {i}"));
    sql.execute(conn).await.map(drop)
}

// --- Tokens

const TOKEN_COLS: &str = "jti, subject_kind, subject_id, subject_don, token_type, client_id, scopes, token_hint, \
    issued_at, expires_at, revoked, created_by_kind, created_by_id, modified_by_kind, modified_by_id, modified_date";

#[derive(sqlx::FromRow)]
struct TokenRow {
    jti: String,
    subject_kind: String,
    subject_id: i64,
    subject_don: Option<String>,
    token_type: String,
    client_id: Option<String>,
    scopes: String,
    token_hint: Option<String>,
    issued_at: i64,
    expires_at: Option<i64>,
    revoked: bool,
    created_by_kind: Option<String>,
    created_by_id: Option<i64>,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
    modified_date: Option<i64>,
}

impl TokenRow {
    fn into_meta(self, org: &str) -> Option<tok::TokenMeta> {
        let subject = UserRef { kind: ObjectKind::from_don_type(&self.subject_kind)?, id: self.subject_id };
        Some(tok::TokenMeta {
            subject_don: self.subject_don.unwrap_or_else(|| don(subject.kind, org, subject.id)),
            subject,
            jti: self.jti,
            kind: tok::TokenKind::from_code(&self.token_type),
            client_id: self.client_id,
            scopes: json_list(&self.scopes),
            token_hint: self.token_hint,
            issued_at: Timestamp::from_millis(self.issued_at),
            expires_at: self.expires_at.map(Timestamp::from_millis),
            revoked: self.revoked,
            created_by: user_ref(self.created_by_kind, self.created_by_id),
            modified_by: user_ref(self.modified_by_kind, self.modified_by_id),
            modified_date: self.modified_date.map(Timestamp::from_millis),
        })
    }
}

async fn token_views(conn: &mut Conn, org: &str, rows: Vec<TokenRow>) -> StoreResult<Vec<tok::TokenView>> {
    let metas: Vec<tok::TokenMeta> = rows.into_iter().filter_map(|r| r.into_meta(org)).collect();
    let refs: Vec<UserRef> = metas.iter().flat_map(|m| [m.created_by, m.modified_by]).flatten().collect();
    let summaries = user_summaries(conn, org, refs).await?;
    Ok(metas
        .into_iter()
        .map(|meta| tok::TokenView {
            created_by: meta.created_by.and_then(|u| summaries.get(&u).cloned()),
            modified_by: meta.modified_by.and_then(|u| summaries.get(&u).cloned()),
            meta,
        })
        .collect())
}

fn token_not_found(id: &ParsedId) -> StoreError {
    StoreError::not_found("auth token", &id.local)
}

async fn fetch_token(conn: &mut Conn, org: &str, id: &ParsedId, lock: bool) -> StoreResult<tok::TokenView> {
    let jti = id.local_in(org).ok_or_else(|| token_not_found(id))?;
    let lock = if lock { FOR_UPDATE } else { "" };
    let row: Option<TokenRow> = sqlx::query_as::<Db, TokenRow>(&format!(
        "SELECT {TOKEN_COLS} FROM auth_tokens WHERE dev_org_id = $1 AND jti = $2{lock}"
    ))
    .bind(org)
    .bind(jti)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    let row = row.ok_or_else(|| token_not_found(id))?;
    token_views(conn, org, vec![row]).await?.into_iter().next().ok_or_else(|| token_not_found(id))
}

/// The object an external ref of `namespace` names in the org.
async fn ref_holder(conn: &mut Conn, org: &str, namespace: ObjectKind, value: &str) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as::<Db, (String,)>(
        "SELECT object_id FROM external_refs WHERE dev_org_id = $1 AND namespace = $2 AND value = $3",
    )
    .bind(org)
    .bind(code(namespace))
    .bind(value)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(|(id,)| id))
}

/// The state of a user, when it exists.
async fn user_state(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    id: i64,
) -> StoreResult<Option<(String, Option<String>)>> {
    sqlx::query_as::<Db, (String, Option<String>)>(
        "SELECT state, rev_org_id FROM users WHERE dev_org_id = $1 AND kind = $2 AND id = $3",
    )
    .bind(org)
    .bind(code(kind))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)
}

fn unknown_ref(field: &str, what: &str) -> StoreError {
    StoreError::Invalid(ValidationError::not_permitted(field, format!("{what} does not exist")))
}

/// A workspace a session token's provisioning creates.
struct SessionWorkspace<'a> {
    account: i64,
    /// Used when the traits name none.
    display_name: &'a str,
    external_ref: &'a str,
    traits: &'a tok::WorkspaceTraits,
    is_default: bool,
}

/// Inserts a workspace for a session's `workspace_ref` (or an account's default workspace,
/// whose external ref is the account's DON as with `accounts.create`).
async fn insert_session_workspace(
    conn: &mut Conn,
    org: &str,
    actor: UserRef,
    w: SessionWorkspace<'_>,
    now: Timestamp,
) -> StoreResult<String> {
    let SessionWorkspace { account, display_name, external_ref, traits, is_default } = w;
    let id = random_alnum(8);
    claim_refs(conn, org, ObjectKind::RevOrg, &id, &[external_ref.to_owned()], "rev_info.workspace_ref").await?;
    sqlx::query::<Db>(
        "INSERT INTO rev_orgs (dev_org_id, id, account_id, is_default, display_name, description, external_ref, tier, \
         created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9, $10, $11)",
    )
    .bind(org)
    .bind(&id)
    .bind(account)
    .bind(is_default)
    .bind(traits.display_name.as_deref().unwrap_or(display_name))
    .bind(&traits.description)
    .bind(external_ref)
    .bind(&traits.tier)
    .bind(code(actor.kind))
    .bind(actor.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

/// Finds or creates the rev user a session token is for (§8.5), with its account and
/// workspace; returns the user and its workspace.
async fn provision_session(
    conn: &mut Conn,
    org: &str,
    actor: UserRef,
    info: &tok::SessionInfo,
    now: Timestamp,
) -> StoreResult<(UserRef, Option<String>)> {
    if let Some(uid) = &info.user_id {
        let n = uid.number_in(org).ok_or_else(|| reference_missing("rev_info.user_id", ObjectKind::RevUser, uid))?;
        let (_, rev_org) = user_state(conn, org, ObjectKind::RevUser, n)
            .await?
            .ok_or_else(|| reference_missing("rev_info.user_id", ObjectKind::RevUser, uid))?;
        return Ok((UserRef { kind: ObjectKind::RevUser, id: n }, rev_org));
    }
    let user_ref = info.user_ref.as_deref().unwrap_or_default();
    if let Some(holder) = ref_holder(conn, org, ObjectKind::RevUser, user_ref).await? {
        let n: i64 = holder.parse().map_err(|_| not_found_user(0))?;
        let (_, rev_org) = user_state(conn, org, ObjectKind::RevUser, n).await?.ok_or_else(|| not_found_user(n))?;
        return Ok((UserRef { kind: ObjectKind::RevUser, id: n }, rev_org));
    }
    // A new contact: its account and workspace are found by external ref, or created.
    let mut created_account = false;
    let account = match &info.account_ref {
        None => None,
        Some(r) => match ref_holder(conn, org, ObjectKind::Account, r).await? {
            Some(id) => Some(id.parse::<i64>().map_err(|_| not_found_user(0))?),
            None => {
                let id = next_id(conn, org, code(ObjectKind::Account)).await?;
                claim_refs(
                    conn,
                    org,
                    ObjectKind::Account,
                    &id.to_string(),
                    std::slice::from_ref(r),
                    "rev_info.account_ref",
                )
                .await?;
                let name = info.account.display_name.as_deref().unwrap_or(r);
                let owners: Vec<String> =
                    if actor.kind == ObjectKind::DevUser { vec![actor.id.to_string()] } else { Vec::new() };
                sqlx::query::<Db>(
                    "INSERT INTO accounts (dev_org_id, id, display_name, domains, external_refs, owned_by, created_by_kind, \
                     created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $8, $9)",
                )
                .bind(org)
                .bind(id)
                .bind(name)
                .bind(to_json(&info.account.domains))
                .bind(to_json(std::slice::from_ref(r)))
                .bind(to_json(&owners))
                .bind(code(actor.kind))
                .bind(actor.id)
                .bind(now.millis())
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
                created_account = true;
                Some(id)
            }
        },
    };
    let workspace = match (&info.workspace_ref, account) {
        (Some(w), account) => match ref_holder(conn, org, ObjectKind::RevOrg, w).await? {
            Some(ws) => {
                if let Some(a) = account {
                    let owner: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>(
                        "SELECT account_id FROM rev_orgs WHERE dev_org_id = $1 AND id = $2",
                    )
                    .bind(org)
                    .bind(&ws)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_err)?;
                    if owner.is_some_and(|(o,)| o != a) {
                        return Err(StoreError::Invalid(ValidationError::not_permitted(
                            "rev_info.workspace_ref",
                            "the workspace belongs to another account",
                        )));
                    }
                }
                Some(ws)
            }
            None => match account {
                // A new account's default workspace takes the workspace ref.
                Some(a) => {
                    let ws = SessionWorkspace {
                        account: a,
                        display_name: w,
                        external_ref: w,
                        traits: &info.workspace,
                        is_default: created_account,
                    };
                    Some(insert_session_workspace(conn, org, actor, ws, now).await?)
                }
                None => {
                    return Err(unknown_ref(
                        "rev_info.workspace_ref",
                        "a workspace with this external ref (give account_ref to create it)",
                    ))
                }
            },
        },
        (None, Some(a)) => match default_rev_org_of(conn, org, a).await? {
            Some(ws) => Some(ws),
            None => {
                let a_don = don(ObjectKind::Account, org, a);
                let name =
                    info.account.display_name.clone().unwrap_or_else(|| info.account_ref.clone().unwrap_or_default());
                let traits = tok::WorkspaceTraits::default();
                let ws = SessionWorkspace {
                    account: a,
                    display_name: &name,
                    external_ref: &a_don,
                    traits: &traits,
                    is_default: true,
                };
                Some(insert_session_workspace(conn, org, actor, ws, now).await?)
            }
        },
        (None, None) => None,
    };
    let id = next_id(conn, org, code(ObjectKind::RevUser)).await?;
    claim_refs(conn, org, ObjectKind::RevUser, &id.to_string(), &[user_ref.to_owned()], "rev_info.user_ref").await?;
    let t = &info.user;
    let phones: Vec<String> = t.phone_numbers.iter().map(|p| p.as_str().to_owned()).collect();
    let email = t.email.as_ref().map(|e| e.as_str().to_owned());
    sqlx::query::<Db>(
        "INSERT INTO users (dev_org_id, kind, id, display_name, full_name, email, email_lower, phone_numbers, state, \
         description, external_ref, external_refs, is_verified, rev_org_id, created_by_kind, created_by_id, created_date, \
         modified_by_kind, modified_by_id, modified_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $15, $16, $17)",
    )
    .bind(org)
    .bind(code(ObjectKind::RevUser))
    .bind(id)
    .bind(&t.display_name)
    .bind(&t.full_name)
    .bind(&email)
    .bind(email.as_ref().map(|e| e.to_lowercase()))
    .bind(to_json(&phones))
    .bind(state_name(revdir_core::api::common::UserState::Active))
    .bind(&t.description)
    .bind(user_ref)
    .bind(to_json(&[user_ref.to_owned()]))
    .bind(true)
    .bind(&workspace)
    .bind(code(actor.kind))
    .bind(actor.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok((UserRef { kind: ObjectKind::RevUser, id }, workspace))
}

/// Finds the service account of an application (by client id), creating it when new.
async fn service_account(
    conn: &mut Conn,
    org: &str,
    actor: UserRef,
    client_id: &str,
    now: Timestamp,
) -> StoreResult<UserRef> {
    let k = code(ObjectKind::ServiceAccount);
    // The client id is registered like an external ref, so two nodes racing to create the
    // same application's account cannot both succeed (see `issue_token_once`).
    if let Some(holder) = ref_holder(conn, org, ObjectKind::ServiceAccount, client_id).await? {
        let id = holder.parse().map_err(|_| not_found_user(0))?;
        return Ok(UserRef { kind: ObjectKind::ServiceAccount, id });
    }
    let id = next_id(conn, org, k).await?;
    claim_refs(conn, org, ObjectKind::ServiceAccount, &id.to_string(), &[client_id.to_owned()], "client_id").await?;
    sqlx::query::<Db>(
        "INSERT INTO users (dev_org_id, kind, id, display_name, state, external_ref, is_verified, created_by_kind, \
         created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
         VALUES ($1, $2, $3, $4, $5, $4, $6, $7, $8, $9, $7, $8, $9)",
    )
    .bind(org)
    .bind(k)
    .bind(id)
    .bind(client_id)
    .bind(state_name(revdir_core::api::common::UserState::Active))
    .bind(true)
    .bind(code(actor.kind))
    .bind(actor.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(UserRef { kind: ObjectKind::ServiceAccount, id })
}

/// Provisioning looks every external ref up before it claims one, so a claim that still
/// clashes lost a race with a concurrent mint: retried (`retrying!`), it finds the winner's row.
fn raced(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(m) => StoreError::Unavailable(format!("concurrent provisioning: {m}")),
        other => other,
    }
}

impl Backend {
    async fn issue_token_once(
        &self,
        scope: &DevOrgScope,
        issue: &tok::TokenIssue,
        now: Timestamp,
    ) -> StoreResult<tok::IssuedSubject> {
        let org = scope.dev_org.as_str();
        let actor = scope.actor;
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let (user, rev_org, client_id) = match &issue.grant {
            tok::TokenGrant::Pat => (actor, None, None),
            tok::TokenGrant::Sys { act_as } => {
                let n = match act_as {
                    Some(p) => p.number_in(org).ok_or_else(|| reference_missing("act_as", ObjectKind::SysUser, p))?,
                    None if actor.kind == ObjectKind::SysUser => actor.id,
                    // The built-in `devrev-bot`.
                    None => 1,
                };
                let missing = || match act_as {
                    Some(p) => reference_missing("act_as", ObjectKind::SysUser, p),
                    None => unknown_ref("act_as", "the sys user devrev-bot"),
                };
                user_state(&mut tx, org, ObjectKind::SysUser, n).await?.ok_or_else(missing)?;
                (UserRef { kind: ObjectKind::SysUser, id: n }, None, None)
            }
            tok::TokenGrant::Aat { client_id, act_as } => match act_as {
                Some(p) => {
                    let n =
                        p.number_in(org).ok_or_else(|| reference_missing("act_as", ObjectKind::ServiceAccount, p))?;
                    let cid: Option<(Option<String>,)> = sqlx::query_as::<Db, (Option<String>,)>(
                        "SELECT external_ref FROM users WHERE dev_org_id = $1 AND kind = $2 AND id = $3",
                    )
                    .bind(org)
                    .bind(code(ObjectKind::ServiceAccount))
                    .bind(n)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let (cid,) = cid.ok_or_else(|| reference_missing("act_as", ObjectKind::ServiceAccount, p))?;
                    if client_id.as_ref().is_some_and(|c| Some(c) != cid.as_ref()) {
                        return Err(StoreError::Invalid(ValidationError::not_permitted(
                            "client_id",
                            "the service account belongs to another client_id",
                        )));
                    }
                    (UserRef { kind: ObjectKind::ServiceAccount, id: n }, None, cid)
                }
                None => {
                    let cid = client_id.clone().unwrap_or_else(|| format!("revdir-app-{}", random_alnum(16)));
                    let user = service_account(&mut tx, org, actor, &cid, now).await.map_err(raced)?;
                    (user, None, Some(cid))
                }
            },
            tok::TokenGrant::Session(info) => {
                let (user, rev_org) = provision_session(&mut tx, org, actor, info, now).await.map_err(raced)?;
                (user, rev_org, None)
            }
        };
        let subject_don = tok::subject_don(org, user, rev_org.as_deref());
        sqlx::query::<Db>(
            "INSERT INTO auth_tokens (jti, dev_org_id, subject_kind, subject_id, token_type, issued_at, expires_at, revoked, \
             subject_don, client_id, scopes, token_hint, created_by_kind, created_by_id, modified_by_kind, modified_by_id, \
             modified_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $14, $6)",
        )
        .bind(&issue.jti)
        .bind(org)
        .bind(code(user.kind))
        .bind(user.id)
        .bind(issue.grant.kind().code())
        .bind(issue.issued_at.millis())
        .bind(issue.expires_at.millis())
        .bind(false)
        .bind(&subject_don)
        .bind(&client_id)
        .bind(to_json(&issue.scopes))
        .bind(&issue.hint)
        .bind(code(actor.kind))
        .bind(actor.id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(tok::IssuedSubject { user, rev_org, client_id, subject_don })
    }

    async fn update_token_hint_once(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        hint: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<tok::TokenView> {
        let org = scope.dev_org.as_str();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let before = fetch_token(&mut tx, org, id, true).await?;
        let mut sql = Sql::new("UPDATE auth_tokens SET ");
        let by = touch(&mut sql, scope.actor, now);
        let h = text_or_null(&mut sql, hint);
        let o = sql.text_arg(org);
        let j = sql.text_arg(&before.meta.jti);
        sql.push(&format!("{by}, token_hint = {h} WHERE dev_org_id = {o} AND jti = {j}"));
        sql.execute(&mut tx).await?;
        let view = fetch_token(&mut tx, org, id, false).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(view)
    }

    async fn revoke_token_once(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let t = fetch_token(&mut tx, org, id, true).await?;
        if !t.meta.revoked {
            let mut sql = Sql::new("UPDATE auth_tokens SET ");
            let by = touch(&mut sql, scope.actor, now);
            let r = sql.arg(Arg::Bool(true));
            let o = sql.text_arg(org);
            let j = sql.text_arg(&t.meta.jti);
            sql.push(&format!("{by}, revoked = {r} WHERE dev_org_id = {o} AND jti = {j}"));
            sql.execute(&mut tx).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn revoke_tokens_of_once(
        &self,
        scope: &DevOrgScope,
        subject: UserRef,
        kind: Option<tok::TokenKind>,
        now: Timestamp,
    ) -> StoreResult<u64> {
        let mut tx: WriteTx = self.begin_write().await.map_err(db_err)?;
        let n = revoke_all(&mut tx, &scope.dev_org, subject, kind, scope.actor, now).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(n)
    }

    async fn list_tokens_in(&self, scope: &DevOrgScope, f: &tok::TokenFilter) -> StoreResult<Vec<tok::TokenView>> {
        let org = scope.dev_org.as_str();
        let (Some(subject), None | Some(Ok(_))) = (f.subject, f.kind) else { return Ok(Vec::new()) };
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(subject.kind));
        let i = sql.int_arg(subject.id);
        sql.push(&format!(
            "SELECT {TOKEN_COLS} FROM auth_tokens WHERE dev_org_id = {o} AND subject_kind = {k} AND subject_id = {i}"
        ));
        if let Some(c) = &f.client_id {
            let c = sql.text_arg(c);
            sql.push(&format!(" AND client_id = {c}"));
        }
        if let Some(Ok(kind)) = f.kind {
            let t = sql.text_arg(kind.code());
            sql.push(&format!(" AND token_type = {t}"));
        }
        sql.push(" ORDER BY issued_at, jti");
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let rows: Vec<TokenRow> = sql.query_as().fetch_all(&mut *tx).await.map_err(db_err)?;
        token_views(&mut tx, org, rows).await
    }

    async fn user_summary_of(&self, scope: &DevOrgScope, user: UserRef) -> StoreResult<UserSummaryData> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        user_summaries(&mut tx, &scope.dev_org, [user])
            .await?
            .remove(&user)
            .ok_or_else(|| StoreError::not_found(user.kind.noun(), &don(user.kind, &scope.dev_org, user.id)))
    }
}
