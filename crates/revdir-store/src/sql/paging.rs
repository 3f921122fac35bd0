//! Keyset pagination shared by every list: a page of ids in sort order, the family's loader,
//! and cursors that hold the sort keys of a page's edge rows.

use super::*;

/// A sortable column of records `R`: its request name, its SQL expression, whether it is an
/// integer, and how to read its value from a record (the key a cursor holds).
pub(super) struct SortCol<R> {
    pub(super) name: &'static str,
    pub(super) expr: &'static str,
    pub(super) int: bool,
    pub(super) key: fn(&R) -> Value,
}

/// How a family's lists sort: the columns a request may name, and the id that breaks ties.
pub(super) struct Sorting<R: 'static> {
    pub(super) cols: &'static [SortCol<R>],
    pub(super) id: SortCol<R>,
}

/// The ordered key columns of a page request, with the id as the final tie-breaker.
pub(super) fn key_columns<'a, R>(page: &PageRequest, sorting: &'a Sorting<R>) -> Vec<(&'a SortCol<R>, bool)> {
    let mut out: Vec<(&SortCol<R>, bool)> =
        page.sort.iter().filter_map(|k| sorting.cols.iter().find(|c| c.name == k.field).map(|c| (c, k.desc))).collect();
    out.push((&sorting.id, false));
    out
}

pub(super) fn bind_key<R>(sql: &mut Sql, col: &SortCol<R>, v: &Value) -> StoreResult<String> {
    let bad = || StoreError::Invalid(ValidationError::bad_request("cursor: not a cursor this server issued"));
    Ok(if col.int { sql.int_arg(v.as_i64().ok_or_else(bad)?) } else { sql.text_arg(v.as_str().ok_or_else(bad)?) })
}

/// Appends `AND (rows strictly beyond `keys` in walking direction)`.
pub(super) fn keyset<R>(
    sql: &mut Sql,
    keys_cols: &[(&SortCol<R>, bool)],
    keys: &[Value],
    forward: bool,
) -> StoreResult<()> {
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

pub(super) fn order_by<R>(keys_cols: &[(&SortCol<R>, bool)], forward: bool, indexed_filter: bool) -> String {
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
pub(super) async fn page_ids<R>(
    conn: &mut Conn,
    base: &Sql,
    keys_cols: &[(&SortCol<R>, bool)],
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

pub(super) async fn exists_beyond<R>(
    conn: &mut Conn,
    base: &Sql,
    keys_cols: &[(&SortCol<R>, bool)],
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
/// `record_of` reaches the record the sort keys are read from within a view.
pub(super) async fn list_page<V, R: Sync>(
    conn: &mut Conn,
    base: &Sql,
    sorting: &Sorting<R>,
    record_of: fn(&V) -> &R,
    page: &PageRequest,
    load: impl AsyncLoad<V>,
) -> StoreResult<Page<V>> {
    let keys_cols = key_columns(page, sorting);
    let keys_of =
        |v: &V, cols: &[(&SortCol<R>, bool)]| cols.iter().map(|(c, _)| (c.key)(record_of(v))).collect::<Vec<_>>();
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

/// Runs one page of a scan (`PageRequest::scan`): ids after the cursor's in ascending
/// order, the family's loader, and a next cursor when more lie beyond. The key is the id
/// alone, which with `WHERE dev_org_id = … AND kind = …` is a range of the primary key, so
/// a page costs the same however many rows precede it. A scan never walks back, so unlike
/// `list_page` it spends no query on a previous cursor.
///
/// The next cursor holds the last id the id query found, not the last row loaded: on
/// PostgreSQL the load sees a later snapshot, and a row deleted in between must not end the
/// scan early or move the cursor back.
pub(super) async fn scan_page<V, R>(
    conn: &mut Conn,
    base: &Sql,
    sorting: &Sorting<R>,
    page: &PageRequest,
    load: impl AsyncLoad<V>,
) -> StoreResult<Page<V>> {
    let keys_cols = [(&sorting.id, false)];
    let (ids, more) = page_ids(conn, base, &keys_cols, page).await?;
    let last = match ids.last() {
        Some(id) if more && sorting.id.int => {
            Some(Value::from(id.parse::<i64>().map_err(|e| StoreError::Internal(e.into()))?))
        }
        Some(id) if more => Some(Value::from(id.as_str())),
        _ => None,
    };
    let items = load.load(conn, ids).await?;
    Ok(Page { items, next_cursor: last.map(|k| page.cursor_at(vec![k], false)), prev_cursor: None })
}

/// The cursor leading back the way a page came (`forward` is that way's direction), when
/// rows lie there. It is anchored at the page's edge row; an empty page (every row past
/// the request's cursor was deleted) gets an end cursor instead, so walking back still
/// includes the row that cursor pointed at.
pub(super) async fn cursor_back<R>(
    conn: &mut Conn,
    base: &Sql,
    keys_cols: &[(&SortCol<R>, bool)],
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
pub(super) trait AsyncLoad<V> {
    fn load(self, conn: &mut Conn, ids: Vec<String>) -> impl std::future::Future<Output = StoreResult<Vec<V>>> + Send;
}

/// Orders loaded views to match the id list from the page query.
pub(super) fn in_order<V>(ids: &[String], mut views: HashMap<String, V>) -> Vec<V> {
    ids.iter().filter_map(|id| views.remove(id)).collect()
}
