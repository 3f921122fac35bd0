//! Rev orgs, the workspaces of accounts (§8.1): `RevOrgStore`.

use super::associations::{forget_target_links, repair_primary_sql, Link};
use super::journal::{record_change, user_wire, wire, Change};
use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct RevOrgRow {
    pub(super) id: String,
    pub(super) account_id: i64,
    pub(super) display_name: String,
    pub(super) description: Option<String>,
    pub(super) domain: Option<String>,
    pub(super) external_ref: Option<String>,
    pub(super) tier: Option<String>,
    pub(super) environment: Option<String>,
    #[sqlx(flatten)]
    pub(super) stamps: StampRow,
    pub(super) account_name: Option<String>,
    pub(super) custom_fields: String,
    pub(super) custom_schema_fragments: String,
    pub(super) subtype: Option<String>,
}

pub(super) const REV_ORG_COLS: &str = "r.id, r.account_id, r.display_name, r.description, r.domain, r.external_ref, \
    r.tier, r.environment, r.created_by_kind, r.created_by_id, r.created_date, r.modified_by_kind, \
    r.modified_by_id, r.modified_date, a.display_name AS account_name, r.custom_fields, r.custom_schema_fragments, \
    r.subtype";
pub(super) const REV_ORG_FROM: &str =
    "rev_orgs r LEFT JOIN accounts a ON a.dev_org_id = r.dev_org_id AND a.id = r.account_id";

impl RevOrgRow {
    pub(super) fn split(self) -> (RevOrgRecord, Option<String>) {
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
                created_by: self.stamps.created_by(),
                created_date: self.stamps.created_date(),
                modified_by: self.stamps.modified_by(),
                modified_date: self.stamps.modified_date(),
                custom: CustomState::from_columns(&self.custom_fields, &self.custom_schema_fragments, self.subtype),
            },
            self.account_name,
        )
    }
}

pub(super) async fn load_rev_orgs(conn: &mut Conn, org: &str, ids: &[String]) -> StoreResult<Vec<RevOrgView>> {
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

pub(super) async fn rev_org_view(conn: &mut Conn, org: &str, id: &str) -> StoreResult<Option<RevOrgView>> {
    Ok(load_rev_orgs(conn, org, &[id.to_owned()]).await?.into_iter().next())
}

pub(super) async fn insert_rev_org(conn: &mut Conn, org: &str, r: &RevOrgRecord, is_default: bool) -> StoreResult<()> {
    if let Some(e) = &r.external_ref {
        claim_refs(conn, org, ObjectKind::RevOrg, &r.id, std::slice::from_ref(e), "external_ref").await?;
    }
    sqlx::query::<Db>(
        "INSERT INTO rev_orgs (dev_org_id, id, account_id, is_default, display_name, description, domain, \
         external_ref, tier, environment, created_by_kind, created_by_id, created_date, modified_by_kind, \
         modified_by_id, modified_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16)",
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

/// Deletes a rev org with what it holds, and takes its contacts out of it, journaling the
/// delete and each contact's change; answers whether it existed.
pub(super) async fn remove_rev_org(
    conn: &mut Conn,
    scope: &DevOrgScope,
    id: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let org = scope.dev_org.as_str();
    let Some(view) = rev_org_view(conn, org, id).await? else { return Ok(false) };
    let before = wire(&view.render(org))?;
    let members: Vec<(i64,)> = sqlx::query_as::<Db, (i64,)>(
        "SELECT id FROM users WHERE dev_org_id = $1 AND rev_org_id = $2 AND kind = 'revu'",
    )
    .bind(org)
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    let members: Vec<i64> = members.into_iter().map(|(n,)| n).collect();
    let contacts = load_users(conn, org, ObjectKind::RevUser, &members).await?;
    let delete = "DELETE FROM rev_orgs WHERE dev_org_id = $1 AND id = $2";
    let gone = delete_holder(conn, org, ObjectKind::RevOrg, delete, Arg::Text(id.to_owned())).await?;
    if !gone {
        return Ok(false);
    }
    forget_target_links(conn, org, &Link::rev_org(id)).await?;
    // Its contacts fall back to another workspace they belong to, if any (entry 93).
    sqlx::query::<Db>(&repair_primary_sql("rev_org_id = $2"))
        .bind(org)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    record_change(conn, scope, now, Change::deleted(ObjectKind::RevOrg, id, before)).await?;
    let after = load_users(conn, org, ObjectKind::RevUser, &members).await?;
    for (contact, now_seen) in contacts.into_iter().zip(after) {
        let before = user_wire(&contact, org)?;
        let after = user_wire(&now_seen, org)?;
        record_change(conn, scope, now, Change::updated(ObjectKind::RevUser, contact.record.user.id, before, after))
            .await?;
    }
    Ok(true)
}

pub(super) async fn account_exists(conn: &mut Conn, org: &str, a: &ParsedId) -> StoreResult<i64> {
    let n = a.number_in(org).ok_or_else(|| reference_missing("account", ObjectKind::Account, a))?;
    let row: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>("SELECT id FROM accounts WHERE dev_org_id = $1 AND id = $2")
        .bind(org)
        .bind(n)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.map(|(id,)| id).ok_or_else(|| reference_missing("account", ObjectKind::Account, a))
}

/// How rev orgs sort.
pub(super) const REV_ORG_SORTING: Sorting<RevOrgRecord> = Sorting {
    cols: &[
        SortCol {
            name: "created_date",
            expr: "r.created_date",
            int: true,
            key: |r| Value::from(r.created_date.millis()),
        },
        SortCol {
            name: "modified_date",
            expr: "r.modified_date",
            int: true,
            key: |r| Value::from(r.modified_date.millis()),
        },
        SortCol {
            name: "display_name",
            expr: "r.display_name",
            int: false,
            key: |r| Value::from(r.display_name.clone()),
        },
        SortCol { name: "display_id", expr: "r.id", int: false, key: |r| Value::from(r.id.clone()) },
    ],
    id: SortCol { name: "id", expr: "r.id", int: false, key: |r| Value::from(r.id.clone()) },
};

#[async_trait]
impl RevOrgStore for Backend {
    async fn create_rev_org(&self, scope: &DevOrgScope, draft: RevOrgDraft, now: Timestamp) -> StoreResult<RevOrgView> {
        let d = &draft;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let account = account_exists(tx, org, &d.account).await?;
                let custom =
                    apply_custom(tx, org, LeafType::RevOrg, &CustomState::default(), d.custom.as_ref()).await?;
                let record = RevOrgRecord {
                    id: org_random(tx, org, 8).await?,
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
                insert_rev_org(tx, org, &record, false).await?;
                if d.custom.is_some() {
                    save_custom(tx, org, &CustomOwner::RevOrg(record.id.clone()), &record.custom).await?;
                }
                if !d.tags.is_empty() {
                    write_tag_links(tx, org, code(ObjectKind::RevOrg), &record.id, &d.tags).await?;
                }
                let view =
                    rev_org_view(tx, org, &record.id).await?.ok_or_else(|| vanished(ObjectKind::RevOrg, &record.id))?;
                record_change(
                    tx,
                    scope,
                    now,
                    Change::created(ObjectKind::RevOrg, &record.id, wire(&view.render(org))?),
                )
                .await?;
                Ok(view)
            })
        })
        .await
    }

    async fn get_rev_org(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<RevOrgView> {
        let local = local_or_404(&scope.dev_org, ObjectKind::RevOrg, id)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        rev_org_view(&mut tx, &scope.dev_org, local).await?.ok_or_else(|| not_found(ObjectKind::RevOrg, id))
    }

    async fn get_default_rev_org(&self, scope: &DevOrgScope, account: &ParsedId) -> StoreResult<RevOrgView> {
        let org = scope.dev_org.as_str();
        let n = number_or_404(org, ObjectKind::Account, account)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let id = default_rev_org_of(&mut tx, org, n).await?.ok_or_else(|| not_found(ObjectKind::Account, account))?;
        rev_org_view(&mut tx, org, &id).await?.ok_or_else(|| not_found(ObjectKind::Account, account))
    }

    async fn update_rev_org(&self, scope: &DevOrgScope, patch: RevOrgPatch, now: Timestamp) -> StoreResult<RevOrgView> {
        let p = &patch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let id = local_or_404(org, ObjectKind::RevOrg, &p.id)?.to_owned();
                let row: Option<RevOrgRow> = sqlx::query_as::<Db, RevOrgRow>(&format!(
                    "SELECT {REV_ORG_COLS} FROM {REV_ORG_FROM} WHERE r.dev_org_id = $1 AND r.id = $2{}",
                    if FOR_UPDATE.is_empty() { "" } else { " FOR UPDATE OF r" }
                ))
                .bind(org)
                .bind(&id)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?;
                let (mut r, _) = row.ok_or_else(|| not_found(ObjectKind::RevOrg, &p.id))?.split();
                let before = rev_org_view(tx, org, &id).await?.ok_or_else(|| vanished(ObjectKind::RevOrg, &id))?;
                let before = wire(&before.render(org))?;
                if let Some(a) = &p.account {
                    r.account = account_exists(tx, org, a).await?;
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
                    claim_refs(tx, org, ObjectKind::RevOrg, &id, std::slice::from_ref(v), "external_ref").await?;
                    r.external_ref = Some(v.clone());
                }
                if p.custom.is_some() {
                    r.custom = apply_custom(tx, org, LeafType::RevOrg, &r.custom, p.custom.as_ref()).await?;
                    save_custom(tx, org, &CustomOwner::RevOrg(id.clone()), &r.custom).await?;
                }
                sqlx::query::<Db>(
                    "UPDATE rev_orgs SET account_id = $3, display_name = $4, description = $5, domain = $6, \
                     external_ref = $7, tier = $8, environment = $9, modified_by_kind = $10, modified_by_id = $11, \
                     modified_date = $12 WHERE dev_org_id = $1 AND id = $2",
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
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                if let Some(tags) = &p.tags {
                    write_tag_links(tx, org, code(ObjectKind::RevOrg), &id, tags).await?;
                }
                let view = rev_org_view(tx, org, &id).await?.ok_or_else(|| vanished(ObjectKind::RevOrg, &id))?;
                let after = wire(&view.render(org))?;
                record_change(tx, scope, now, Change::updated(ObjectKind::RevOrg, &id, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn delete_rev_org(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let local = local_or_404(org, ObjectKind::RevOrg, id)?;
                if !remove_rev_org(tx, scope, local, now).await? {
                    return Err(not_found(ObjectKind::RevOrg, id));
                }
                Ok(())
            })
        })
        .await
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
        list_page(&mut tx, &sql, &REV_ORG_SORTING, |v: &RevOrgView| &v.record, &page, LoadRevOrgs { org }).await
    }
}

/// Loads the views of a list page.
pub(super) struct LoadRevOrgs<'a> {
    pub(super) org: &'a str,
}

impl AsyncLoad<RevOrgView> for LoadRevOrgs<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<RevOrgView>> {
        load_rev_orgs(conn, self.org, &ids).await
    }
}
