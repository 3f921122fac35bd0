//! Custom schema fragments (§6): `SchemaStore`.

use super::*;

pub(super) const FRAGMENT_COLS: &str = "f.id, f.kind, f.leaf_type, f.name, f.old_id, f.new_id, f.is_deprecated, \
    f.subtype_display_name, f.body, f.created_by_kind, f.created_by_id, f.created_date, f.modified_by_kind, \
    f.modified_by_id, f.modified_date";

/// The counter fragment ids come from: one per dev org across the three kinds.
pub(super) const FRAGMENT_COUNTER: &str = "schema_fragment";

#[derive(sqlx::FromRow)]
pub(super) struct FragmentRow {
    pub(super) id: i64,
    pub(super) kind: String,
    pub(super) leaf_type: String,
    pub(super) name: String,
    pub(super) old_id: Option<i64>,
    pub(super) new_id: Option<i64>,
    pub(super) is_deprecated: bool,
    pub(super) subtype_display_name: Option<String>,
    pub(super) body: String,
    #[sqlx(flatten)]
    pub(super) stamps: StampRow,
}

impl FragmentRow {
    pub(super) fn into_record(self) -> StoreResult<FragmentRecord> {
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
            created_by: self.stamps.created_by(),
            created_date: self.stamps.created_date(),
            modified_by: self.stamps.modified_by(),
            modified_date: self.stamps.modified_date(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct FragmentRefRow {
    pub(super) ref_id: i64,
    #[sqlx(flatten)]
    pub(super) current: FragmentRow,
}

pub(super) async fn load_fragments(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<Vec<FragmentView>> {
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

pub(super) struct LoadFragments<'a> {
    pub(super) org: &'a str,
}

impl AsyncLoad<FragmentView> for LoadFragments<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<FragmentView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_fragments(conn, self.org, &nums).await
    }
}

/// How custom schema fragments sort.
pub(super) const FRAGMENT_SORTING: Sorting<FragmentRecord> = Sorting {
    cols: &[
        SortCol {
            name: "created_date",
            expr: "f.created_date",
            int: true,
            key: |r| Value::from(r.created_date.millis()),
        },
        SortCol {
            name: "modified_date",
            expr: "f.modified_date",
            int: true,
            key: |r| Value::from(r.modified_date.millis()),
        },
        SortCol { name: "leaf_type", expr: "f.leaf_type", int: false, key: |r| Value::from(r.family.leaf.as_str()) },
    ],
    id: SortCol { name: "id", expr: "f.id", int: true, key: |r| Value::from(r.id) },
};

pub(super) fn fragment_not_found(r: FragmentRef) -> StoreError {
    StoreError::NotFound(format!("schema fragment {} not found", r.local()))
}

#[async_trait]
impl SchemaStore for Backend {
    async fn set_fragment(&self, scope: &DevOrgScope, cmd: FragmentSet, now: Timestamp) -> StoreResult<FragmentRef> {
        let cmd = &cmd;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let family = cmd.family.key();
                let row: Option<FragmentRow> = sqlx::query_as::<Db, FragmentRow>(&format!(
                    "SELECT {FRAGMENT_COLS} FROM schema_fragments f WHERE f.dev_org_id = $1 AND f.family = $2 AND \
                     f.new_id IS NULL{FOR_UPDATE}"
                ))
                .bind(org)
                .bind(&family)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?;
                let current = row.map(FragmentRow::into_record).transpose()?;
                let plan = plan_set(current.as_ref(), cmd)?;
                let is_deprecated = cmd.is_deprecated.or(current.as_ref().map(|c| c.is_deprecated)).unwrap_or(false);
                let display_name = cmd
                    .subtype_display_name
                    .clone()
                    .or_else(|| current.as_ref().and_then(|c| c.subtype_display_name.clone()));
                let content = match (plan, &current) {
                    (SetPlan::InPlace, Some(c)) => {
                        // §6.4: these two change in place, without a new version.
                        if c.is_deprecated != is_deprecated || c.subtype_display_name != display_name {
                            sqlx::query::<Db>(
                                "UPDATE schema_fragments SET is_deprecated = $3, subtype_display_name = $4, \
                                 modified_by_kind = $5, modified_by_id = $6, modified_date = $7 WHERE dev_org_id = \
                                 $1 AND id = $2",
                            )
                            .bind(org)
                            .bind(c.id)
                            .bind(is_deprecated)
                            .bind(&display_name)
                            .bind(code(scope.actor.kind))
                            .bind(scope.actor.id)
                            .bind(after(c.modified_date, now).millis())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_err)?;
                        }
                        let r = c.fragment_ref();
                        return Ok(r);
                    }
                    (SetPlan::InPlace, None) => {
                        return Err(StoreError::Internal(anyhow::anyhow!("in-place change of nothing")))
                    }
                    (SetPlan::Create(content) | SetPlan::NewVersion(content), _) => content,
                };
                let id = next_id(tx, org, FRAGMENT_COUNTER).await?;
                if let Some(c) = &current {
                    sqlx::query::<Db>("UPDATE schema_fragments SET new_id = $3 WHERE dev_org_id = $1 AND id = $2")
                        .bind(org)
                        .bind(c.id)
                        .bind(id)
                        .execute(&mut **tx)
                        .await
                        .map_err(db_err)?;
                }
                sqlx::query::<Db>(
                    "INSERT INTO schema_fragments (dev_org_id, id, kind, leaf_type, name, family, old_id, new_id, \
                     is_deprecated, subtype_display_name, body, created_by_kind, created_by_id, created_date, \
                     modified_by_kind, modified_by_id, modified_date) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, \
                     $9, $10, $11, $12, $13, $11, $12, $13)",
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
                .execute(&mut **tx)
                .await
                .map_err(|e| match db_err(e) {
                    // Another node created this fragment's current version first: try again on top of it.
                    StoreError::Conflict(_) => {
                        StoreError::Unavailable("a concurrent schemas.custom.set won the race".into())
                    }
                    other => other,
                })?;
                Ok(FragmentRef { kind: cmd.family.kind, id })
            })
        })
        .await
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
            "SELECT CAST(f.id AS TEXT) FROM schema_fragments f WHERE f.dev_org_id = {o} AND f.new_id IS NULL AND \
             f.is_deprecated = {d}"
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
        list_page(&mut tx, &sql, &FRAGMENT_SORTING, |v: &FragmentView| &v.record, &page, LoadFragments { org }).await
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
