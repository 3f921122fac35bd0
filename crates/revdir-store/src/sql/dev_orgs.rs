//! Dev orgs: `DevOrgStore`, the bootstrap of the first org and the creation of others.

use revdir_core::clock::{ClockMode, OrgClock, OrgTime};

use super::snapshots::take_snapshot;
use super::*;

/// Inserts a dev org with id `id`, its admin dev user and its built-in sys user, and takes
/// its initial snapshot, the state `orgs.reset` returns to.
pub(super) async fn create_org_rows(
    conn: &mut Conn,
    id: String,
    display_name: Option<&str>,
    now: Timestamp,
) -> StoreResult<NewDevOrg> {
    let org = DevOrgRecord {
        display_name: display_name.unwrap_or("revdir").to_owned(),
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
    take_snapshot(conn, &org.id, revdir_core::snapshots::INITIAL, now).await?;
    Ok(NewDevOrg { org, admin })
}

#[derive(sqlx::FromRow)]
pub(super) struct DevOrgRow {
    pub(super) id: String,
    pub(super) display_name: String,
    pub(super) slug: String,
    pub(super) created_date: i64,
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

#[derive(sqlx::FromRow)]
struct OrgTimeRow {
    clock_mode: String,
    clock_at: Option<i64>,
    clock_offset: i64,
    expires_at: Option<i64>,
}

impl From<OrgTimeRow> for OrgTime {
    fn from(r: OrgTimeRow) -> Self {
        OrgTime {
            clock: OrgClock {
                mode: ClockMode::parse(&r.clock_mode).unwrap_or(ClockMode::System),
                frozen_at: r.clock_at.map(Timestamp::from_millis),
                offset_ms: r.clock_offset,
            },
            expires_at: r.expires_at.map(Timestamp::from_millis),
        }
    }
}

#[async_trait]
impl DevOrgStore for Backend {
    async fn bootstrap(&self, now: Timestamp) -> StoreResult<Option<NewDevOrg>> {
        self.write(|tx| {
            Box::pin(async move {
                // The default org's slot is claimed first: of several processes
                // bootstrapping at once, exactly one inserts it, and the others write nothing.
                let id = random_alnum(9);
                let claimed = sqlx::query::<Db>(
                    "INSERT INTO server_settings (name, value) VALUES ('default_dev_org', $1) ON CONFLICT (name) DO \
                     NOTHING",
                )
                .bind(&id)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                if claimed == 0 {
                    return Ok(None);
                }
                create_org_rows(tx, id, None, now).await.map(Some)
            })
        })
        .await
    }

    async fn create_dev_org(&self, display_name: Option<String>, now: Timestamp) -> StoreResult<NewDevOrg> {
        let display_name = display_name.as_deref();
        self.write(|tx| Box::pin(async move { create_org_rows(tx, random_alnum(9), display_name, now).await })).await
    }

    async fn default_dev_org(&self) -> StoreResult<Option<NewDevOrg>> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let row: Option<DevOrgRow> = sqlx::query_as::<Db, DevOrgRow>(
            "SELECT d.id, d.display_name, d.slug, d.created_date FROM dev_orgs d JOIN server_settings s ON s.name = \
             'default_dev_org' AND s.value = d.id",
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

    async fn user_summary(&self, scope: &DevOrgScope, user: UserRef) -> StoreResult<UserSummaryData> {
        self.user_summary_of(scope, user).await
    }

    async fn org_time(&self, dev_org: &str) -> StoreResult<Option<OrgTime>> {
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let row: Option<OrgTimeRow> =
            sqlx::query_as("SELECT clock_mode, clock_at, clock_offset, expires_at FROM dev_orgs WHERE id = $1")
                .bind(dev_org)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_err)?;
        // Handed back for the next request: under the emulator every request reads this.
        conn.release();
        Ok(row.map(Into::into))
    }

    async fn set_org_clock(&self, dev_org: &str, clock: OrgClock) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                let n = sqlx::query::<Db>(
                    "UPDATE dev_orgs SET clock_mode = $2, clock_at = $3, clock_offset = $4 WHERE id = $1",
                )
                .bind(dev_org)
                .bind(clock.mode.as_str())
                .bind(clock.frozen_at.map(Timestamp::millis))
                .bind(clock.offset_ms)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::not_found("dev org", dev_org));
                }
                Ok(())
            })
        })
        .await
    }

    async fn set_org_expiry(&self, dev_org: &str, expires_at: Option<Timestamp>) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                sqlx::query::<Db>("UPDATE dev_orgs SET expires_at = $2 WHERE id = $1")
                    .bind(dev_org)
                    .bind(expires_at.map(Timestamp::millis))
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn set_id_seed(&self, dev_org: &str, seed: &str) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                sqlx::query::<Db>("UPDATE dev_orgs SET id_seed = $2 WHERE id = $1")
                    .bind(dev_org)
                    .bind(seed)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn org_random(&self, dev_org: &str, len: usize) -> StoreResult<Option<String>> {
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let seeded: Option<(Option<String>,)> = sqlx::query_as("SELECT id_seed FROM dev_orgs WHERE id = $1")
            .bind(dev_org)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
        conn.release();
        if !matches!(seeded, Some((Some(_),))) {
            return Ok(None);
        }
        // Seeded: the draw bumps the org's counter, so it is a write.
        self.write(|tx| Box::pin(async move { org_random(tx, dev_org, len).await.map(Some) })).await
    }

    async fn list_dev_orgs(&self) -> StoreResult<Vec<(DevOrgRecord, OrgTime)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            org: DevOrgRow,
            #[sqlx(flatten)]
            time: OrgTimeRow,
        }
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, display_name, slug, created_date, clock_mode, clock_at, clock_offset, expires_at FROM \
             dev_orgs ORDER BY created_date, id",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| (r.org.into(), r.time.into())).collect())
    }

    async fn delete_dev_org(&self, dev_org: &str) -> StoreResult<bool> {
        self.write(|tx| {
            Box::pin(async move {
                // Every tenant table cascades from dev_orgs; the default org's marker goes too,
                // so a restart does not look for an org that is gone.
                sqlx::query::<Db>("DELETE FROM server_settings WHERE name = 'default_dev_org' AND value = $1")
                    .bind(dev_org)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                let n = sqlx::query::<Db>("DELETE FROM dev_orgs WHERE id = $1")
                    .bind(dev_org)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                Ok(n > 0)
            })
        })
        .await
    }

    async fn server_setting(&self, name: &str, fresh: Option<&str>) -> StoreResult<Option<String>> {
        self.write(|tx| {
            Box::pin(async move {
                if let Some(fresh) = fresh {
                    sqlx::query::<Db>(
                        "INSERT INTO server_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(name)
                    .bind(fresh)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                }
                let row: Option<(String,)> = sqlx::query_as("SELECT value FROM server_settings WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db_err)?;
                Ok(row.map(|(v,)| v))
            })
        })
        .await
    }
}
