//! Links between objects that several families read and write: user summaries, tag links,
//! external refs, and the delete that releases them.

use super::tags::fetch_tag;
use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    pub(super) kind: String,
    pub(super) id: i64,
    pub(super) display_name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) full_name: Option<String>,
    pub(super) state: String,
    pub(super) external_ref: Option<String>,
    pub(super) rev_org_id: Option<String>,
    pub(super) rev_org_name: Option<String>,
}

pub(super) async fn user_summaries(
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
         r.display_name AS rev_org_name FROM users u LEFT JOIN rev_orgs r ON r.dev_org_id = u.dev_org_id AND r.id = \
         u.rev_org_id WHERE u.dev_org_id = {o} AND ({})",
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
pub(super) struct TagLinkRow {
    pub(super) object_id: String,
    pub(super) tag_id: i64,
    pub(super) value: Option<String>,
    pub(super) name: String,
    pub(super) color: Option<String>,
}

pub(super) async fn tag_links(
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
        "SELECT l.object_id, l.tag_id, l.value, t.name, t.color FROM tag_links l JOIN tags t ON t.dev_org_id = \
         l.dev_org_id AND t.id = l.tag_id WHERE l.dev_org_id = {o} AND l.object_kind = {k} AND l.object_id IN \
         ({ps}) ORDER BY l.object_id, l.position"
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
pub(super) async fn write_tag_links(
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
            "INSERT INTO tag_links (dev_org_id, object_kind, object_id, position, tag_id, value) VALUES ($1, $2, \
             $3, $4, $5, $6)",
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

pub(super) fn t_display(id: &ParsedId) -> String {
    display_id(ObjectKind::Tag, &id.local).unwrap_or_else(|| id.local.clone())
}

pub(super) async fn delete_tag_links(
    conn: &mut Conn,
    org: &str,
    object_kind: &str,
    object_id: &str,
) -> StoreResult<()> {
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
pub(super) async fn claim_refs(
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
            "SELECT value, object_id FROM external_refs WHERE dev_org_id = {o} AND namespace = {n} AND object_id <> \
             {me} AND value IN ({ps}) LIMIT 1"
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

/// Deletes one object with `delete` (binding `$1` the dev org and `$2` the object's id) and,
/// when it existed, what the shared tables hold for it: its external refs, its tag links and
/// its hold on artifacts. Answers whether it existed.
pub(super) async fn delete_holder(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    delete: &str,
    id: Arg,
) -> StoreResult<bool> {
    let mut sql = Sql::new(delete);
    sql.arg(Arg::Text(org.to_owned()));
    let object_id = match &id {
        Arg::I64(n) => n.to_string(),
        Arg::Text(s) => s.clone(),
        Arg::Bool(_) => return Err(StoreError::Internal(anyhow::anyhow!("an object id is no boolean"))),
    };
    sql.arg(id);
    if sql.execute(conn).await? == 0 {
        return Ok(false);
    }
    claim_refs(conn, org, kind, &object_id, &[], "external_ref").await?;
    delete_tag_links(conn, org, code(kind), &object_id).await?;
    release_artifacts(conn, org, &ParentRef { kind, id: object_id }).await?;
    Ok(true)
}
