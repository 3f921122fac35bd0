//! List filters several families share: membership, time ranges, creators, tags and
//! external refs.

use super::*;

pub(super) fn filter_in_text(sql: &mut Sql, expr: &str, values: Option<&Vec<String>>) {
    if let Some(values) = values {
        if values.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            let ps = sql.text_list(values);
            sql.push(&format!(" AND {expr} IN ({ps})"));
        }
    }
}

pub(super) fn filter_in_int(sql: &mut Sql, expr: &str, values: Option<&Vec<i64>>) {
    if let Some(values) = values {
        if values.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            let ps = sql.int_list(values);
            sql.push(&format!(" AND {expr} IN ({ps})"));
        }
    }
}

pub(super) fn filter_json_any(sql: &mut Sql, column: &str, values: Option<&Vec<String>>) {
    if let Some(values) = values {
        if values.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            let ps = sql.text_list(values);
            sql.push(&format!(" AND {}", json_array_has_any(column, &ps)));
        }
    }
}

pub(super) fn filter_range(sql: &mut Sql, expr: &str, range: Option<&TimeRange>) {
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

pub(super) fn filter_created_by(sql: &mut Sql, alias: &str, refs: Option<&Vec<UserRef>>) {
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

pub(super) fn filter_tags(sql: &mut Sql, alias: &str, object_kind: &str, tags: Option<&Vec<TagFilterEntry>>) {
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
        " AND EXISTS (SELECT 1 FROM tag_links l WHERE l.dev_org_id = {alias}.dev_org_id AND l.object_kind = {k} AND \
         l.object_id = CAST({alias}.id AS TEXT) AND ({}))",
        ors.join(" OR ")
    ));
}

pub(super) fn filter_refs(sql: &mut Sql, org: &str, alias: &str, namespace: &str, values: Option<&Vec<String>>) {
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
