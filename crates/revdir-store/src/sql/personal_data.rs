//! Personal data (§7 `rev-users.personal-data` and `.delete-personal-data`): the export
//! document a job gathers, the artifact it is stored as, and the erasure that deletes a
//! contact and redacts it from the journal and the webhook outbox (API-CONVENTIONS entry 96).

use revdir_core::associations::render_association;
use revdir_core::jobs::{ClaimedJob, JobDone};
use serde_json::json;

use super::artifacts::{insert_artifact, insert_version, load_artifacts, store_upload, ARTIFACT_COLS};
use super::associations::{association_summaries, forget_contact_links};
use super::journal::{changes_of, record_change, user_wire, user_wire_before, Change};
use super::*;

/// What an erased value is replaced with.
const ERASED: &str = "[erased]";

/// The fields of a contact that hold personal data, as the wire names them.
const PERSONAL_FIELDS: &[&str] = &["display_name", "full_name", "email", "phone_numbers", "description"];

/// The export document: per contact, its rendering (tags and custom fields included), its
/// associations, its artifacts' metadata and its change journal.
pub(super) async fn personal_data_document(conn: &mut Conn, org: &str, users: &[i64]) -> StoreResult<Value> {
    let mut contacts = Vec::with_capacity(users.len());
    for &n in users {
        let Some(view) = user_view(conn, org, ObjectKind::RevUser, n).await? else { continue };
        let associations: Vec<Value> = association_summaries(conn, org, n)
            .await?
            .iter()
            .map(|a| serde_json::to_value(render_association(a, org)).unwrap_or(Value::Null))
            .collect();
        let artifacts: Vec<Value> = held_artifacts(conn, org, n)
            .await?
            .iter()
            .map(|a| serde_json::to_value(a.render(org)).unwrap_or(Value::Null))
            .collect();
        let journal: Vec<Value> = changes_of(conn, org, &don(ObjectKind::RevUser, org, n))
            .await?
            .into_iter()
            .map(|e| serde_json::to_value(e.render()).unwrap_or(Value::Null))
            .collect();
        contacts.push(json!({
            "rev_user": user_wire(&view, org)?,
            "associations": associations,
            "artifacts": artifacts,
            "journal": journal,
        }));
    }
    Ok(json!({"format": "revdir.personal-data.v1", "rev_users": contacts}))
}

async fn held_artifacts(conn: &mut Conn, org: &str, n: i64) -> StoreResult<Vec<ArtifactView>> {
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(ObjectKind::RevUser));
    let i = sql.text_arg(&n.to_string());
    sql.push(&format!(
        "SELECT {ARTIFACT_COLS} FROM artifacts a WHERE a.dev_org_id = {o} AND a.parent_kind = {k} AND a.parent_id = \
         {i} ORDER BY a.id"
    ));
    load_artifacts(conn, org, sql, None).await
}

/// Stores an export as a new artifact held by the job's first contact (so `artifacts.list`
/// with that contact as parent finds it); answers the artifact's number.
pub(super) async fn export_artifact(
    conn: &mut Conn,
    job: &ClaimedJob,
    file_name: &str,
    upload: &Upload,
    now: Timestamp,
) -> StoreResult<i64> {
    let scope = &job.scope;
    let org = scope.dev_org.as_str();
    let holder = job.users().into_iter().next();
    let parent = holder.map(|n| ParentRef { kind: ObjectKind::RevUser, id: n.to_string() });
    let draft = ArtifactDraft {
        file_name: file_name.to_owned(),
        file_type: Some("application/json".to_owned()),
        configuration_set: None,
    };
    let id = insert_artifact(conn, org, scope.actor, &draft, parent.as_ref(), now).await?;
    insert_version(conn, org, id, 1, scope.actor, now).await?;
    store_upload(conn, org, id, 1, upload, now).await?;
    Ok(id)
}

/// Deletes the artifacts a contact holds, bytes included; answers the external blob keys
/// to remove once the transaction commits.
async fn delete_held_artifacts(conn: &mut Conn, org: &str, n: i64) -> StoreResult<Vec<String>> {
    let held = "SELECT id FROM artifacts WHERE dev_org_id = $1 AND parent_kind = 'revu' AND parent_id = $2";
    let keys: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT blob_key FROM artifact_versions WHERE dev_org_id = $1 AND blob_key IS NOT NULL AND artifact_id IN \
         ({held})"
    ))
    .bind(org)
    .bind(n.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    for table in ["artifact_blobs", "artifact_versions"] {
        sqlx::query::<Db>(&format!("DELETE FROM {table} WHERE dev_org_id = $1 AND artifact_id IN ({held})"))
            .bind(org)
            .bind(n.to_string())
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    sqlx::query::<Db>("DELETE FROM artifacts WHERE dev_org_id = $1 AND parent_kind = 'revu' AND parent_id = $2")
        .bind(org)
        .bind(n.to_string())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(keys.into_iter().map(|(k,)| k).collect())
}

/// Every personal value a contact's journal and current rendering ever held.
fn personal_values(snapshots: &[&Value], values: &mut HashSet<String>) {
    for snap in snapshots {
        for field in PERSONAL_FIELDS {
            match snap.get(*field) {
                Some(Value::String(s)) if !s.is_empty() => {
                    values.insert(s.clone());
                }
                Some(Value::Array(items)) => {
                    values.extend(items.iter().filter_map(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned));
                }
                _ => {}
            }
        }
    }
}

/// Replaces erased values inside a JSON document: strings equal to one, and (for emails and
/// phone numbers, which never occur by chance) strings containing one. Answers whether
/// anything changed.
fn redact(v: &mut Value, exact: &HashSet<String>, inside: &[String]) -> bool {
    match v {
        Value::String(s) => {
            if exact.contains(s.as_str()) {
                *s = ERASED.to_owned();
                return true;
            }
            let mut changed = false;
            for needle in inside {
                if s.contains(needle.as_str()) {
                    *s = s.replace(needle.as_str(), ERASED);
                    changed = true;
                }
            }
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |acc, i| redact(i, exact, inside) | acc),
        Value::Object(map) => map.values_mut().fold(false, |acc, i| redact(i, exact, inside) | acc),
        _ => false,
    }
}

/// A text column holding JSON that may carry personal values: its table, the columns of its
/// key (the second one `None` for a one-column key) and its name.
type RedactTarget = (&'static str, &'static str, Option<&'static str>, &'static str);

/// Redacts one text column of the dev org's rows whose text mentions an erased value.
async fn redact_column(
    conn: &mut Conn,
    org: &str,
    (table, key, key2, column): RedactTarget,
    exact: &HashSet<String>,
    inside: &[String],
) -> StoreResult<()> {
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let mut likes = Vec::new();
    for value in exact.iter().chain(inside) {
        // Matched against JSON text, where the value appears escaped.
        let escaped = serde_json::to_string(value).unwrap_or_default();
        let pattern = format!("%{}%", escaped.trim_matches('"'));
        likes.push(format!("{column} LIKE {}", sql.text_arg(&pattern)));
    }
    if likes.is_empty() {
        return Ok(());
    }
    let second = key2.unwrap_or(key);
    sql.push(&format!(
        "SELECT CAST({key} AS BIGINT), CAST({second} AS BIGINT), {column} FROM {table} WHERE dev_org_id = {o} AND {column} IS NOT NULL AND ({})",
        likes.join(" OR ")
    ));
    let rows: Vec<(i64, i64, String)> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    for (id, id2, text) in rows {
        let Ok(mut doc) = serde_json::from_str::<Value>(&text) else { continue };
        if redact(&mut doc, exact, inside) {
            sqlx::query::<Db>(&format!("UPDATE {table} SET {column} = $3 WHERE {key} = $1 AND {second} = $2"))
                .bind(id)
                .bind(id2)
                .bind(doc.to_string())
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        }
    }
    Ok(())
}

/// `rev-users.delete-personal-data`: each contact is deleted with what it holds (its
/// artifacts' bytes included, its external refs freed), and every value of its personal
/// fields it ever had is redacted from the journal, the outbox and the recorded attempts.
pub(super) async fn erase_personal_data(conn: &mut Conn, job: &ClaimedJob, now: Timestamp) -> StoreResult<JobDone> {
    let scope = &job.scope;
    let org = scope.dev_org.as_str();
    let mut values = HashSet::new();
    let mut orphaned = Vec::new();
    let mut erased = 0;
    for n in job.users() {
        let Some(read) = load_users_wide(conn, org, ObjectKind::RevUser, &[n], true).await?.pop() else { continue };
        let before = user_wire_before(conn, org, &read).await?;
        let history = changes_of(conn, org, &don(ObjectKind::RevUser, org, n)).await?;
        let mut snapshots: Vec<&Value> = vec![&before];
        snapshots.extend(history.iter().filter_map(|e| e.object.as_ref()));
        personal_values(&snapshots, &mut values);
        for e in &history {
            for c in e.changes.iter().filter(|c| PERSONAL_FIELDS.contains(&c.field.as_str())) {
                personal_values(&[&json!({ &c.field: c.before }), &json!({ &c.field: c.after })], &mut values);
            }
        }
        orphaned.extend(delete_held_artifacts(conn, org, n).await?);
        let delete = "DELETE FROM users WHERE dev_org_id = $1 AND id = $2 AND kind = 'revu'";
        if delete_holder(conn, org, ObjectKind::RevUser, delete, Arg::I64(n)).await? {
            forget_contact_links(conn, org, n).await?;
            record_change(conn, scope, now, Change::deleted(ObjectKind::RevUser, n, before)).await?;
            erased += 1;
        }
    }
    let inside: Vec<String> = values.iter().filter(|v| v.contains('@') || v.starts_with('+')).cloned().collect();
    let targets: [RedactTarget; 4] = [
        ("changes", "id", None, "fields"),
        ("changes", "id", None, "object"),
        ("webhook_deliveries", "id", None, "payload"),
        ("webhook_attempts", "delivery_id", Some("attempt"), "request_body"),
    ];
    for target in targets {
        redact_column(conn, org, target, &values, &inside).await?;
    }
    Ok(JobDone { result: Some(json!({"erased": erased})), orphaned_blobs: orphaned })
}
