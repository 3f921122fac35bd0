//! Artifacts and their versions (§8.4): `ArtifactStore`, the metadata; the bytes live in the
//! blob store the server holds.

use revdir_core::artifacts::UploadOutcome;

use super::*;

pub(super) const ARTIFACT_COLS: &str = "a.id, a.file_name, a.file_type, a.configuration_set, a.parent_kind, \
    a.parent_id, a.latest_version, a.current_version, a.created_by_kind, a.created_by_id, a.created_date, \
    a.modified_by_kind, a.modified_by_id, a.modified_date";

#[derive(sqlx::FromRow)]
pub(super) struct ArtifactRow {
    pub(super) id: i64,
    pub(super) file_name: String,
    pub(super) file_type: Option<String>,
    pub(super) configuration_set: Option<String>,
    pub(super) parent_kind: Option<String>,
    pub(super) parent_id: Option<String>,
    pub(super) latest_version: i64,
    pub(super) current_version: Option<i64>,
    #[sqlx(flatten)]
    pub(super) stamps: StampRow,
}

impl ArtifactRow {
    /// The record, and the version to show when none is asked for.
    pub(super) fn split(self) -> (ArtifactRecord, i64) {
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
                created_by: self.stamps.created_by(),
                created_date: self.stamps.created_date(),
                modified_by: self.stamps.modified_by(),
                modified_date: self.stamps.modified_date(),
            },
            self.current_version.unwrap_or(self.latest_version),
        )
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VersionRow {
    pub(super) version: i64,
    pub(super) size: Option<i64>,
    pub(super) content_type: Option<String>,
    pub(super) uploaded: bool,
    pub(super) blob_key: Option<String>,
    pub(super) created_date: i64,
    pub(super) modified_by_kind: Option<String>,
    pub(super) modified_by_id: Option<i64>,
}

impl VersionRow {
    pub(super) fn record(&self) -> VersionRecord {
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

pub(super) async fn fetch_version(
    conn: &mut Conn,
    org: &str,
    artifact: i64,
    version: i64,
) -> StoreResult<Option<VersionRow>> {
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
pub(super) async fn load_artifacts(
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

pub(super) async fn artifact_view(
    conn: &mut Conn,
    org: &str,
    id: i64,
    version: Option<i64>,
) -> StoreResult<Option<ArtifactView>> {
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let i = sql.int_arg(id);
    sql.push(&format!("SELECT {ARTIFACT_COLS} FROM artifacts a WHERE a.dev_org_id = {o} AND a.id = {i}"));
    Ok(load_artifacts(conn, org, sql, version).await?.into_iter().next())
}

/// Inserts an artifact record, held by `parent` when given; its first version is the
/// caller's to insert. Answers the new artifact's number.
pub(super) async fn insert_artifact(
    conn: &mut Conn,
    org: &str,
    actor: UserRef,
    d: &ArtifactDraft,
    parent: Option<&ParentRef>,
    now: Timestamp,
) -> StoreResult<i64> {
    let id = next_id(conn, org, code(ObjectKind::Artifact)).await?;
    sqlx::query::<Db>(
        "INSERT INTO artifacts (dev_org_id, id, file_name, file_type, configuration_set, latest_version, \
         created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date, parent_kind, \
         parent_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $8, $9, $10, $11)",
    )
    .bind(org)
    .bind(id)
    .bind(&d.file_name)
    .bind(&d.file_type)
    .bind(&d.configuration_set)
    .bind(1_i64)
    .bind(code(actor.kind))
    .bind(actor.id)
    .bind(now.millis())
    .bind(parent.map(|p| code(p.kind)))
    .bind(parent.map(|p| p.id.as_str()))
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

pub(super) async fn insert_version(
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

/// Removes a deleted artifact from every user's picture and attachment list.
pub(super) async fn detach_everywhere(conn: &mut Conn, org: &str, artifact: i64) -> StoreResult<()> {
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

/// Stores a version's bytes (inline) or their external key, once: the check and the write
/// happen in the caller's transaction, so of two racing uploads one stores.
pub(super) async fn store_upload(
    conn: &mut Conn,
    org: &str,
    artifact: i64,
    version: i64,
    up: &Upload,
    now: Timestamp,
) -> StoreResult<UploadOutcome> {
    let current: Option<(Option<i64>,)> = sqlx::query_as::<Db, (Option<i64>,)>(&format!(
        "SELECT current_version FROM artifacts WHERE dev_org_id = $1 AND id = $2{FOR_UPDATE}"
    ))
    .bind(org)
    .bind(artifact)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    let gone = || StoreError::not_found("artifact", &display_id(ObjectKind::Artifact, artifact).unwrap_or_default());
    let (current,) = current.ok_or_else(gone)?;
    let key = match &up.location {
        BlobLocation::Inline(_) => None,
        BlobLocation::External(key) => Some(key.clone()),
    };
    // Claiming the version is the single-use check: the row changes only while it
    // has no bytes. A racing upload of the same version waits (for the row locks on
    // PostgreSQL, for the one writer on SQLite) and then finds `uploaded` set, so
    // exactly one of them stores.
    let claimed = sqlx::query::<Db>(
        "UPDATE artifact_versions SET size = $4, content_type = $5, uploaded = $6, blob_key = $7 WHERE \
         dev_org_id = $1 AND artifact_id = $2 AND version = $3 AND uploaded = $8",
    )
    .bind(org)
    .bind(artifact)
    .bind(version)
    .bind(up.size)
    .bind(&up.content_type)
    .bind(true)
    .bind(&key)
    .bind(false)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?
    .rows_affected();
    if claimed == 0 {
        // Nothing was written, so returning (and committing) leaves the store as it was.
        return match fetch_version(conn, org, artifact, version).await? {
            Some(_) => Ok(UploadOutcome::AlreadyUploaded),
            None => Err(gone()),
        };
    }
    if let BlobLocation::Inline(bytes) = &up.location {
        sqlx::query::<Db>(
            "INSERT INTO artifact_blobs (dev_org_id, artifact_id, version, bytes) VALUES ($1, $2, $3, $4)",
        )
        .bind(org)
        .bind(artifact)
        .bind(version)
        .bind(bytes.as_slice())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    let newest = current.map_or(version, |c| c.max(version));
    sqlx::query::<Db>(
        "UPDATE artifacts SET current_version = $3, modified_date = $4 WHERE dev_org_id = $1 AND id = $2",
    )
    .bind(org)
    .bind(artifact)
    .bind(newest)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(UploadOutcome::Stored)
}

#[async_trait]
impl ArtifactStore for Backend {
    async fn prepare_artifact(
        &self,
        scope: &DevOrgScope,
        draft: ArtifactDraft,
        now: Timestamp,
    ) -> StoreResult<ArtifactView> {
        let d = &draft;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let id = insert_artifact(tx, org, scope.actor, d, None, now).await?;
                insert_version(tx, org, id, 1, scope.actor, now).await?;
                let view =
                    artifact_view(tx, org, id, Some(1)).await?.ok_or_else(|| vanished(ObjectKind::Artifact, id))?;
                Ok(view)
            })
        })
        .await
    }

    async fn prepare_artifact_version(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        now: Timestamp,
    ) -> StoreResult<ArtifactView> {
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                // versions.prepare declares no 404: an unknown artifact is a 400 naming `id`.
                let n = id.number_in(org).ok_or_else(|| reference_missing("id", ObjectKind::Artifact, id))?;
                let latest: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>(&format!(
                    "SELECT latest_version FROM artifacts WHERE dev_org_id = $1 AND id = $2{FOR_UPDATE}"
                ))
                .bind(org)
                .bind(n)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?;
                let (latest,) = latest.ok_or_else(|| reference_missing("id", ObjectKind::Artifact, id))?;
                let version = latest + 1;
                insert_version(tx, org, n, version, scope.actor, now).await?;
                sqlx::query::<Db>(
                    "UPDATE artifacts SET latest_version = $3, modified_by_kind = $4, modified_by_id = $5, \
                     modified_date = $6 WHERE dev_org_id = $1 AND id = $2",
                )
                .bind(org)
                .bind(n)
                .bind(version)
                .bind(code(scope.actor.kind))
                .bind(scope.actor.id)
                .bind(now.millis())
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                let view =
                    artifact_view(tx, org, n, Some(version)).await?.ok_or_else(|| vanished(ObjectKind::Artifact, n))?;
                Ok(view)
            })
        })
        .await
    }

    async fn get_artifact(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        version: Option<i64>,
    ) -> StoreResult<ArtifactView> {
        let n = number_or_404(&scope.dev_org, ObjectKind::Artifact, id)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        artifact_view(&mut tx, &scope.dev_org, n, version).await?.ok_or_else(|| not_found(ObjectKind::Artifact, id))
    }

    async fn list_artifacts(&self, scope: &DevOrgScope, parent: &ParentRef) -> StoreResult<Vec<ArtifactView>> {
        let mut sql = Sql::new("");
        let o = sql.text_arg(&scope.dev_org);
        let k = sql.text_arg(code(parent.kind));
        let i = sql.text_arg(&parent.id);
        sql.push(&format!(
            "SELECT {ARTIFACT_COLS} FROM artifacts a WHERE a.dev_org_id = {o} AND a.parent_kind = {k} AND \
             a.parent_id = {i} ORDER BY a.id"
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
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                // versions.delete declares no 404: an unknown artifact or version is a 400.
                let unknown = || {
                    StoreError::Invalid(ValidationError::not_permitted(
                        if version.is_some() { "version" } else { "id" },
                        "no such artifact version",
                    ))
                };
                let n = id.number_in(org).ok_or_else(unknown)?;
                let row: Option<ArtifactRow> = sqlx::query_as::<Db, ArtifactRow>(&format!(
                    "SELECT {ARTIFACT_COLS} FROM artifacts a WHERE a.dev_org_id = $1 AND a.id = $2{FOR_UPDATE}"
                ))
                .bind(org)
                .bind(n)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?;
                let row = row.ok_or_else(unknown)?;
                let target = version.unwrap_or(row.latest_version);
                let victim = fetch_version(tx, org, n, target).await?.ok_or_else(unknown)?;
                let mut external: Vec<String> = victim.blob_key.clone().into_iter().collect();
                let remaining: Vec<(i64, bool)> = sqlx::query_as::<Db, (i64, bool)>(
                    "SELECT version, uploaded FROM artifact_versions WHERE dev_org_id = $1 AND artifact_id = $2 AND \
                     version <> $3 ORDER BY version",
                )
                .bind(org)
                .bind(n)
                .bind(target)
                .fetch_all(&mut **tx)
                .await
                .map_err(db_err)?;
                for sql in [
                    "DELETE FROM artifact_blobs WHERE dev_org_id = $1 AND artifact_id = $2 AND version = $3",
                    "DELETE FROM artifact_versions WHERE dev_org_id = $1 AND artifact_id = $2 AND version = $3",
                ] {
                    sqlx::query::<Db>(sql).bind(org).bind(n).bind(target).execute(&mut **tx).await.map_err(db_err)?;
                }
                if remaining.is_empty() {
                    // The last version went, and the artifact with it: its holder lets go of it.
                    let keys: Vec<(Option<String>,)> = sqlx::query_as::<Db, (Option<String>,)>(
                        "SELECT blob_key FROM artifact_versions WHERE dev_org_id = $1 AND artifact_id = $2",
                    )
                    .bind(org)
                    .bind(n)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db_err)?;
                    external.extend(keys.into_iter().filter_map(|(k,)| k));
                    sqlx::query::<Db>("DELETE FROM artifacts WHERE dev_org_id = $1 AND id = $2")
                        .bind(org)
                        .bind(n)
                        .execute(&mut **tx)
                        .await
                        .map_err(db_err)?;
                    detach_everywhere(tx, org, n).await?;
                } else {
                    let latest = remaining.iter().map(|(v, _)| *v).max().unwrap_or(1);
                    let current = remaining.iter().filter(|(_, up)| *up).map(|(v, _)| *v).max();
                    sqlx::query::<Db>(
                        "UPDATE artifacts SET latest_version = $3, current_version = $4 WHERE dev_org_id = $1 AND \
                         id = $2",
                    )
                    .bind(org)
                    .bind(n)
                    .bind(latest)
                    .bind(current)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                }
                Ok(external)
            })
        })
        .await
    }

    async fn upload_artifact(
        &self,
        dev_org: &str,
        artifact: i64,
        version: i64,
        upload: Upload,
        now: Timestamp,
    ) -> StoreResult<UploadOutcome> {
        let up = &upload;
        self.write(|tx| Box::pin(store_upload(tx, dev_org, artifact, version, up, now))).await
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
