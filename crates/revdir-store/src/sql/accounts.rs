//! Accounts (§8.1): `AccountStore`, with each account's default workspace (rev org).

use super::associations::{forget_target_links, Link};
use super::journal::{record_change, wire, Change};
use super::rev_orgs::{insert_rev_org, remove_rev_org, rev_org_view};
use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    pub(super) id: i64,
    pub(super) display_name: String,
    pub(super) description: Option<String>,
    pub(super) domains: String,
    pub(super) external_refs: String,
    pub(super) owned_by: String,
    pub(super) tier: Option<String>,
    pub(super) websites: String,
    #[sqlx(flatten)]
    pub(super) stamps: StampRow,
    pub(super) custom_fields: String,
    pub(super) custom_schema_fragments: String,
    pub(super) subtype: Option<String>,
}

pub(super) const ACCOUNT_COLS: &str = "a.id, a.display_name, a.description, a.domains, a.external_refs, a.owned_by, \
    a.tier, a.websites, a.created_by_kind, a.created_by_id, a.created_date, a.modified_by_kind, a.modified_by_id, \
    a.modified_date, a.custom_fields, a.custom_schema_fragments, a.subtype";

impl AccountRow {
    pub(super) fn split(self) -> (AccountRecord, Vec<i64>) {
        let owners = json_list(&self.owned_by).iter().filter_map(|s| s.parse().ok()).collect();
        (
            AccountRecord {
                id: self.id,
                display_name: self.display_name,
                description: self.description,
                domains: json_list(&self.domains),
                external_refs: json_list(&self.external_refs),
                tier: self.tier,
                websites: json_list(&self.websites),
                created_by: self.stamps.created_by(),
                created_date: self.stamps.created_date(),
                modified_by: self.stamps.modified_by(),
                modified_date: self.stamps.modified_date(),
                custom: CustomState::from_columns(&self.custom_fields, &self.custom_schema_fragments, self.subtype),
            },
            owners,
        )
    }
}

pub(super) async fn fetch_account(
    conn: &mut Conn,
    org: &str,
    id: i64,
    lock: bool,
) -> StoreResult<Option<(AccountRecord, Vec<i64>)>> {
    let lock = if lock { FOR_UPDATE } else { "" };
    let row: Option<AccountRow> = sqlx::query_as::<Db, AccountRow>(&format!(
        "SELECT {ACCOUNT_COLS} FROM accounts a WHERE a.dev_org_id = $1 AND a.id = $2{lock}"
    ))
    .bind(org)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(AccountRow::split))
}

pub(super) async fn load_accounts(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<Vec<AccountView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!("SELECT {ACCOUNT_COLS} FROM accounts a WHERE a.dev_org_id = {o} AND a.id IN ({ps})"));
    let rows: Vec<AccountRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let split: Vec<_> = rows.into_iter().map(AccountRow::split).collect();
    let mut refs: Vec<UserRef> = Vec::new();
    for (r, owners) in &split {
        refs.extend(r.created_by);
        refs.extend(r.modified_by);
        refs.extend(owners.iter().map(|&id| UserRef { kind: ObjectKind::DevUser, id }));
    }
    let summaries = user_summaries(conn, org, refs).await?;
    let str_ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut links = tag_links(conn, org, code(ObjectKind::Account), &str_ids).await?;
    let mut custom = present_custom(conn, org, LeafType::Account, split.iter().map(|(r, _)| (r.id, &r.custom))).await?;
    let by_id = split
        .into_iter()
        .map(|(record, owners)| {
            (
                record.id.to_string(),
                AccountView {
                    custom: custom.remove(&record.id).unwrap_or_default(),
                    created_by: record.created_by.and_then(|u| summaries.get(&u).cloned()),
                    modified_by: record.modified_by.and_then(|u| summaries.get(&u).cloned()),
                    owned_by: owners
                        .iter()
                        .filter_map(|&id| summaries.get(&UserRef { kind: ObjectKind::DevUser, id }).cloned())
                        .collect(),
                    tags: links.remove(&record.id.to_string()).unwrap_or_default(),
                    record,
                },
            )
        })
        .collect();
    Ok(in_order(&str_ids, by_id))
}

pub(super) async fn account_view(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Option<AccountView>> {
    Ok(load_accounts(conn, org, &[id]).await?.into_iter().next())
}

/// Resolves requested owners to dev users of the org.
pub(super) async fn resolve_owners(conn: &mut Conn, org: &str, owners: &[ParsedId]) -> StoreResult<Vec<i64>> {
    let mut out = Vec::new();
    for o in owners {
        let n = o.number_in(org).ok_or_else(|| reference_missing("owned_by", ObjectKind::DevUser, o))?;
        if fetch_user(conn, org, ObjectKind::DevUser, n, false).await?.is_none() {
            return Err(reference_missing("owned_by", ObjectKind::DevUser, o));
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

pub(super) async fn save_account(
    conn: &mut Conn,
    org: &str,
    r: &AccountRecord,
    owners: &[i64],
    insert: bool,
) -> StoreResult<()> {
    let owners: Vec<String> = owners.iter().map(i64::to_string).collect();
    // The INSERT writes creator and modifier ($10-$15); the UPDATE only the modifier ($10-$12).
    let sql = if insert {
        "INSERT INTO accounts (dev_org_id, id, display_name, description, domains, external_refs, owned_by, tier, \
         websites, created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    } else {
        "UPDATE accounts SET display_name = $3, description = $4, domains = $5, external_refs = $6, owned_by = $7, \
         tier = $8, websites = $9, modified_by_kind = $10, modified_by_id = $11, modified_date = $12 WHERE \
         dev_org_id = $1 AND id = $2"
    };
    let (by, date) = if insert { (r.created_by, r.created_date) } else { (r.modified_by, r.modified_date) };
    let mut q = sqlx::query::<Db>(sql)
        .bind(org)
        .bind(r.id)
        .bind(&r.display_name)
        .bind(&r.description)
        .bind(to_json(&r.domains))
        .bind(to_json(&r.external_refs))
        .bind(to_json(&owners))
        .bind(&r.tier)
        .bind(to_json(&r.websites))
        .bind(by.map(|u| code(u.kind)))
        .bind(by.map(|u| u.id))
        .bind(date.millis());
    if insert {
        q = q
            .bind(r.modified_by.map(|u| code(u.kind)))
            .bind(r.modified_by.map(|u| u.id))
            .bind(r.modified_date.millis());
    }
    q.execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

/// How accounts sort.
pub(super) const ACCOUNT_SORTING: Sorting<AccountRecord> = Sorting {
    cols: &[
        SortCol {
            name: "created_date",
            expr: "a.created_date",
            int: true,
            key: |r| Value::from(r.created_date.millis()),
        },
        SortCol {
            name: "modified_date",
            expr: "a.modified_date",
            int: true,
            key: |r| Value::from(r.modified_date.millis()),
        },
        SortCol {
            name: "display_name",
            expr: "a.display_name",
            int: false,
            key: |r| Value::from(r.display_name.clone()),
        },
        SortCol { name: "display_id", expr: "a.id", int: true, key: |r| Value::from(r.id) },
    ],
    id: SortCol { name: "id", expr: "a.id", int: true, key: |r| Value::from(r.id) },
};

/// An account's wire rendering as it is now in the transaction, for the journal.
pub(super) async fn account_wire(conn: &mut Conn, org: &str, n: i64) -> StoreResult<Value> {
    let view = account_view(conn, org, n).await?.ok_or_else(|| vanished(ObjectKind::Account, n))?;
    wire(&view.render(org))
}

#[async_trait]
impl AccountStore for Backend {
    async fn create_account(
        &self,
        scope: &DevOrgScope,
        draft: AccountDraft,
        now: Timestamp,
    ) -> StoreResult<(AccountView, RevOrgView)> {
        let d = &draft;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let owners = match &d.owned_by {
                    Some(o) => resolve_owners(tx, org, o).await?,
                    None if scope.actor.kind == ObjectKind::DevUser => vec![scope.actor.id],
                    None => Vec::new(),
                };
                let custom =
                    apply_custom(tx, org, LeafType::Account, &CustomState::default(), d.custom.as_ref()).await?;
                let id = next_id(tx, org, code(ObjectKind::Account)).await?;
                let account_don = don(ObjectKind::Account, org, id);
                let record = AccountRecord {
                    id,
                    display_name: d.display_name.clone(),
                    description: d.description.clone(),
                    domains: d.domains.clone(),
                    // §8.1: an account's external refs default to its own DON.
                    external_refs: d.external_refs.clone().unwrap_or_else(|| vec![account_don.clone()]),
                    tier: d.tier.clone(),
                    websites: d.websites.clone(),
                    created_by: Some(scope.actor),
                    created_date: now,
                    modified_by: Some(scope.actor),
                    modified_date: now,
                    custom,
                };
                let sid = id.to_string();
                claim_refs(tx, org, ObjectKind::Account, &sid, &record.external_refs, "external_refs").await?;
                save_account(tx, org, &record, &owners, true).await?;
                if d.custom.is_some() {
                    save_custom(tx, org, &CustomOwner::Account(id), &record.custom).await?;
                }
                if !d.tags.is_empty() {
                    write_tag_links(tx, org, code(ObjectKind::Account), &sid, &d.tags).await?;
                }
                let rev_org = RevOrgRecord {
                    id: org_random(tx, org, 8).await?,
                    account: id,
                    display_name: d.display_name.clone(),
                    description: None,
                    domain: None,
                    external_ref: Some(account_don),
                    tier: None,
                    environment: None,
                    created_by: Some(scope.actor),
                    created_date: now,
                    modified_by: Some(scope.actor),
                    modified_date: now,
                    custom: CustomState::default(),
                };
                insert_rev_org(tx, org, &rev_org, true).await?;
                let account = account_view(tx, org, id).await?.ok_or_else(|| vanished(ObjectKind::Account, id))?;
                let workspace = rev_org_view(tx, org, &rev_org.id)
                    .await?
                    .ok_or_else(|| vanished(ObjectKind::RevOrg, &rev_org.id))?;
                let account_wire = wire(&account.render(org))?;
                record_change(tx, scope, now, Change::created(ObjectKind::Account, id, account_wire)).await?;
                let workspace_wire = wire(&workspace.render(org))?;
                record_change(tx, scope, now, Change::created(ObjectKind::RevOrg, &rev_org.id, workspace_wire)).await?;
                Ok((account, workspace))
            })
        })
        .await
    }

    async fn get_account(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<AccountView> {
        let n = number_or_404(&scope.dev_org, ObjectKind::Account, id)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        account_view(&mut tx, &scope.dev_org, n).await?.ok_or_else(|| not_found(ObjectKind::Account, id))
    }

    async fn update_account(
        &self,
        scope: &DevOrgScope,
        patch: AccountPatch,
        now: Timestamp,
    ) -> StoreResult<AccountView> {
        let p = &patch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::Account, &p.id)?;
                let (mut r, mut owners) =
                    fetch_account(tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::Account, &p.id))?;
                let before = account_wire(tx, org, n).await?;
                if let Some(v) = &p.display_name {
                    r.display_name = v.clone();
                }
                if let Some(v) = &p.description {
                    r.description = Some(v.clone());
                }
                if let Some(v) = &p.domains {
                    r.domains = v.clone();
                }
                if let Some(v) = &p.tier {
                    r.tier = v.clone();
                }
                if let Some(v) = &p.websites {
                    r.websites = v.clone();
                }
                if let Some(o) = &p.owned_by {
                    owners = resolve_owners(tx, org, o).await?;
                }
                let sid = n.to_string();
                if let Some(v) = &p.external_refs {
                    r.external_refs = v.clone();
                    claim_refs(tx, org, ObjectKind::Account, &sid, v, "external_refs").await?;
                }
                if p.custom.is_some() {
                    r.custom = apply_custom(tx, org, LeafType::Account, &r.custom, p.custom.as_ref()).await?;
                }
                r.modified_by = Some(scope.actor);
                r.modified_date = after(r.modified_date, now);
                save_account(tx, org, &r, &owners, false).await?;
                if p.custom.is_some() {
                    save_custom(tx, org, &CustomOwner::Account(n), &r.custom).await?;
                }
                if let Some(tags) = &p.tags {
                    write_tag_links(tx, org, code(ObjectKind::Account), &sid, tags).await?;
                }
                let view = account_view(tx, org, n).await?.ok_or_else(|| vanished(ObjectKind::Account, n))?;
                let after = wire(&view.render(org))?;
                record_change(tx, scope, now, Change::updated(ObjectKind::Account, n, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn delete_account(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::Account, id)?;
                fetch_account(tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::Account, id))?;
                let before = account_wire(tx, org, n).await?;
                let delete = "DELETE FROM accounts WHERE dev_org_id = $1 AND id = $2";
                if !delete_holder(tx, org, ObjectKind::Account, delete, Arg::I64(n)).await? {
                    return Err(not_found(ObjectKind::Account, id));
                }
                let workspaces: Vec<(String,)> = sqlx::query_as::<Db, (String,)>(
                    "SELECT id FROM rev_orgs WHERE dev_org_id = $1 AND account_id = $2",
                )
                .bind(org)
                .bind(n)
                .fetch_all(&mut **tx)
                .await
                .map_err(db_err)?;
                for (w,) in workspaces {
                    remove_rev_org(tx, scope, &w, now).await?;
                }
                forget_target_links(tx, org, &Link::account(n)).await?;
                record_change(tx, scope, now, Change::deleted(ObjectKind::Account, n, before)).await?;
                Ok(())
            })
        })
        .await
    }

    async fn list_accounts(
        &self,
        scope: &DevOrgScope,
        f: AccountFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AccountView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        sql.push(&format!("SELECT CAST(a.id AS TEXT) FROM accounts a WHERE a.dev_org_id = {o}"));
        if f.match_nothing {
            sql.push(" AND 1 = 0");
        }
        filter_created_by(&mut sql, "a", f.created_by.as_ref());
        filter_range(&mut sql, "a.created_date", f.created_date.as_ref());
        filter_range(&mut sql, "a.modified_date", f.modified_date.as_ref());
        filter_in_text(&mut sql, "a.display_name", f.display_name.as_ref());
        filter_json_any(&mut sql, "a.domains", f.domains.as_ref());
        filter_refs(&mut sql, org, "a", code(ObjectKind::Account), f.external_refs.as_ref());
        let owners = f.owned_by.as_ref().map(|v| v.iter().map(i64::to_string).collect::<Vec<_>>());
        filter_json_any(&mut sql, "a.owned_by", owners.as_ref());
        filter_in_text(&mut sql, "a.tier", f.tier.as_ref());
        filter_json_any(&mut sql, "a.websites", f.websites.as_ref());
        filter_tags(&mut sql, "a", code(ObjectKind::Account), f.tags.as_ref());
        filter_in_text(&mut sql, "a.subtype", f.subtype.as_ref());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        filter_custom(&mut tx, &mut sql, org, LeafType::Account, "a.custom_fields", f.custom_fields.as_deref()).await?;
        list_page(&mut tx, &sql, &ACCOUNT_SORTING, |v: &AccountView| &v.record, &page, LoadAccounts { org }).await
    }
}

/// Loads the views of a list page.
pub(super) struct LoadAccounts<'a> {
    pub(super) org: &'a str,
}

impl AsyncLoad<AccountView> for LoadAccounts<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<AccountView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_accounts(conn, self.org, &nums).await
    }
}
