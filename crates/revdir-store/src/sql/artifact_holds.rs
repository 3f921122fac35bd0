//! Artifacts held by other objects (§8.4): a contact's display picture and attachments.
//! Holding is shared by every family whose objects can hold artifacts.

use super::*;

pub(super) fn resolve_artifact(org: &str, field: &str, id: &ParsedId) -> StoreResult<i64> {
    id.number_in(org).ok_or_else(|| reference_missing(field, ObjectKind::Artifact, id))
}

/// Makes `holder` hold exactly `picture` and `attached`: each must exist and be free or already
/// the holder's (else 400 `artifact_already_attached_to_a_parent`); artifacts in `before` that
/// are no longer used are released. Rows are locked, so two racing attaches cannot both win.
pub(super) async fn hold_artifacts(
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
                "UPDATE artifacts SET parent_kind = NULL, parent_id = NULL WHERE dev_org_id = $1 AND id = $2 AND \
                 parent_kind = $3 AND parent_id = $4",
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
pub(super) async fn release_artifacts(conn: &mut Conn, org: &str, holder: &ParentRef) -> StoreResult<()> {
    sqlx::query::<Db>(
        "UPDATE artifacts SET parent_kind = NULL, parent_id = NULL WHERE dev_org_id = $1 AND parent_kind = $2 AND \
         parent_id = $3",
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
pub(super) struct ArtifactSummaryRow {
    pub(super) id: i64,
    pub(super) file_name: String,
    pub(super) file_type: Option<String>,
    pub(super) size: Option<i64>,
    pub(super) content_type: Option<String>,
}

pub(super) async fn artifact_summaries(
    conn: &mut Conn,
    org: &str,
    ids: &[i64],
) -> StoreResult<HashMap<i64, ArtifactSummaryData>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!(
        "SELECT a.id, a.file_name, a.file_type, v.size, v.content_type FROM artifacts a LEFT JOIN artifact_versions \
         v ON v.dev_org_id = a.dev_org_id AND v.artifact_id = a.id AND v.version = a.current_version WHERE \
         a.dev_org_id = {o} AND a.id IN ({ps})"
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
