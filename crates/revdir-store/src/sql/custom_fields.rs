//! Custom fields on the objects of every family (§6): the catalog of schema fragments a
//! write is checked against, and reading, writing and filtering an object's custom fields.

use super::schemas::{FragmentRefRow, FragmentRow, FRAGMENT_COLS};
use super::*;

/// Reads the current version of every fragment of `leaves`, and for each fragment id in
/// `refs` its lineage and that lineage's current version.
pub(super) async fn load_catalog(
    conn: &mut Conn,
    org: &str,
    leaves: &[LeafType],
    refs: &[i64],
) -> StoreResult<FragmentCatalog> {
    let mut catalog = FragmentCatalog::default();
    if !leaves.is_empty() {
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let names: Vec<String> = leaves.iter().map(|l| l.as_str().to_owned()).collect();
        let ps = sql.text_list(&names);
        sql.push(&format!(
            "SELECT {FRAGMENT_COLS} FROM schema_fragments f WHERE f.dev_org_id = {o} AND f.new_id IS NULL AND \
             f.leaf_type IN ({ps})"
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
            "SELECT r.id AS ref_id, {FRAGMENT_COLS} FROM schema_fragments r JOIN schema_fragments f ON f.dev_org_id \
             = r.dev_org_id AND f.family = r.family AND f.new_id IS NULL WHERE r.dev_org_id = {o} AND r.id IN ({ps})"
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
pub(super) async fn present_custom<'a, K: std::hash::Hash + Eq>(
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
pub(super) async fn apply_custom(
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
pub(super) enum CustomOwner {
    /// A user of a kind, by number.
    User(ObjectKind, i64),
    /// An account.
    Account(i64),
    /// A rev org.
    RevOrg(String),
}

impl CustomOwner {
    /// The table and the condition (after `$1` = dev org) naming the row, with its binds.
    pub(super) fn locate(&self) -> (&'static str, &'static str, Vec<Arg>) {
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
pub(super) async fn save_custom(
    conn: &mut Conn,
    org: &str,
    owner: &CustomOwner,
    state: &CustomState,
) -> StoreResult<()> {
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
        "UPDATE {table} SET custom_fields = {f}, custom_schema_fragments = {r}, subtype = {t} WHERE dev_org_id = $1 \
         AND {cond}"
    ));
    sql.query_as::<(i64,)>().fetch_optional(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

/// Reads an object's custom columns.
pub(super) async fn fetch_custom(conn: &mut Conn, org: &str, owner: &CustomOwner) -> StoreResult<Option<CustomState>> {
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
pub(super) async fn filter_custom(
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
