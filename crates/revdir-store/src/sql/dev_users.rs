//! Dev users (§8.2): `DevUserStore`. Dev users write their own columns with their own
//! statements rather than through `insert_user`/`save_user`, so the dev-user-only columns
//! stay out of the shared user record.

use super::accounts::account_wire;
use super::journal::{record_change, wire, Change};
use super::*;

#[async_trait]
impl DevUserStore for Backend {
    async fn get_dev_user(&self, scope: &DevOrgScope, id: i64) -> StoreResult<UserView> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        user_view(&mut tx, &scope.dev_org, ObjectKind::DevUser, id)
            .await?
            .ok_or_else(|| StoreError::not_found("dev user", &format!("DEVU-{id}")))
    }

    // The rest of the dev-user family lives in its section at the end of this file.

    async fn create_dev_user(
        &self,
        scope: &DevOrgScope,
        draft: devu::DevUserDraft,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let d = &draft;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let email_lower = d.email.as_str().to_lowercase();
                if let Some(holder) = dev_user_with_email(tx, org, &email_lower).await? {
                    return Err(email_taken(Some(holder)));
                }
                let manager = match &d.reports_to {
                    Some(m) => Some(resolve_manager(tx, org, m, None).await?),
                    None => None,
                };
                let id = next_id(tx, org, code(ObjectKind::DevUser)).await?;
                let actor = scope.actor;
                sqlx::query::<Db>(
                    "INSERT INTO users (dev_org_id, kind, id, display_name, full_name, email, email_lower, state, \
                     is_verified, created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, \
                     modified_date, reports_to_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $10, \
                     $11, $12, $13)",
                )
                .bind(org)
                .bind(code(ObjectKind::DevUser))
                .bind(id)
                .bind(&d.display_name)
                .bind(&d.full_name)
                .bind(d.email.as_str())
                .bind(&email_lower)
                .bind(state_name(revdir_core::api::common::UserState::Shadow))
                .bind(false)
                .bind(code(actor.kind))
                .bind(actor.id)
                .bind(now.millis())
                .bind(manager)
                .execute(&mut **tx)
                .await
                .map_err(|e| match db_err(e) {
                    StoreError::Conflict(_) => email_taken(None),
                    other => other,
                })?;
                let view = dev_user_view(tx, org, id).await?.ok_or_else(|| vanished(ObjectKind::DevUser, id))?;
                record_change(tx, scope, now, Change::created(ObjectKind::DevUser, id, wire(&view.render(org))?))
                    .await?;
                Ok(view)
            })
        })
        .await
    }

    async fn dev_user(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<devu::DevUserView> {
        let n = number_or_404(&scope.dev_org, ObjectKind::DevUser, id)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        dev_user_view(&mut tx, &scope.dev_org, n).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))
    }

    async fn list_dev_users(
        &self,
        scope: &DevOrgScope,
        filter: devu::DevUserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<devu::DevUserView>> {
        self.list_dev_users_in(scope, &filter, &page).await
    }

    async fn update_dev_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: devu::DevUserPatch,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let p = &patch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::DevUser, id)?;
                dev_facts(tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
                let before = dev_user_wire(tx, org, n).await?;
                let manager = match &p.reports_to {
                    Some(m) => Some(resolve_manager(tx, org, m, Some(n)).await?),
                    None => None,
                };
                let mut sql = Sql::new("UPDATE users SET ");
                let by = touch(&mut sql, scope.actor, now);
                sql.push(&by);
                if let Some(v) = &p.display_name {
                    let a = sql.text_arg(v);
                    sql.push(&format!(", display_name = {a}"));
                }
                if let Some(v) = &p.full_name {
                    let a = text_or_null(&mut sql, v.as_deref());
                    sql.push(&format!(", full_name = {a}"));
                }
                if let Some(v) = p.experience_start_date {
                    let a = sql.int_arg(v.millis());
                    sql.push(&format!(", experience_start_date = {a}"));
                }
                if let Some(v) = &p.job_history {
                    let a = sql.text_arg(&devu::JobHistoryEntry::encode(v));
                    sql.push(&format!(", job_history = {a}"));
                }
                if let Some(v) = &p.job_title {
                    let a = sql.text_arg(v);
                    sql.push(&format!(", job_title = {a}"));
                }
                if let Some(m) = manager {
                    let a = sql.int_arg(m);
                    sql.push(&format!(", reports_to_id = {a}"));
                }
                let o = sql.text_arg(org);
                let k = sql.text_arg(code(ObjectKind::DevUser));
                let i = sql.int_arg(n);
                sql.push(&format!(" WHERE dev_org_id = {o} AND kind = {k} AND id = {i}"));
                sql.execute(tx).await?;
                let view = dev_user_view(tx, org, n).await?.ok_or_else(|| vanished(ObjectKind::DevUser, n))?;
                let after = wire(&view.render(org))?;
                record_change(tx, scope, now, Change::updated(ObjectKind::DevUser, n, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn change_dev_user_state(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        change: devu::StateChange,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::DevUser, id)?;
                let facts = dev_facts(tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
                let before = dev_user_wire(tx, org, n).await?;
                let state = devu::state_change(&scope.actor, facts, change)?;
                if state != facts.state {
                    let mut sql = Sql::new("UPDATE users SET ");
                    let by = touch(&mut sql, scope.actor, now);
                    let s = sql.text_arg(state_name(state));
                    let o = sql.text_arg(org);
                    let k = sql.text_arg(code(ObjectKind::DevUser));
                    let i = sql.int_arg(n);
                    sql.push(&format!("{by}, state = {s} WHERE dev_org_id = {o} AND kind = {k} AND id = {i}"));
                    sql.execute(tx).await?;
                }
                if change == devu::StateChange::Deactivate {
                    let me = UserRef { kind: ObjectKind::DevUser, id: n };
                    revoke_all(tx, org, me, None, scope.actor, now).await?;
                }
                let view = dev_user_view(tx, org, n).await?.ok_or_else(|| vanished(ObjectKind::DevUser, n))?;
                let after = wire(&view.render(org))?;
                record_change(tx, scope, now, Change::updated(ObjectKind::DevUser, n, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn link_identity(
        &self,
        scope: &DevOrgScope,
        link: devu::IdentityLink,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let link = &link;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let id = &link.dev_user;
                let n = number_or_404(org, ObjectKind::DevUser, id)?;
                let x = &link.identity;
                dev_facts(tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
                let before = dev_user_wire(tx, org, n).await?;
                let taken = |holder: Option<i64>| {
                    let by = holder.map(|h| format!(" by DEVU-{h}")).unwrap_or_default();
                    StoreError::Invalid(ValidationError::not_permitted(
                        "id",
                        format!("the {} identity {} is already linked{by}", x.issuer, x.id),
                    ))
                };
                let holder: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>(
                    "SELECT dev_user_id FROM dev_user_identities WHERE dev_org_id = $1 AND issuer = $2 AND \
                     external_id = $3 AND dev_user_id <> $4",
                )
                .bind(org)
                .bind(&x.issuer)
                .bind(&x.id)
                .bind(n)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?;
                if let Some((h,)) = holder {
                    return Err(taken(Some(h)));
                }
                sqlx::query::<Db>(
                    "DELETE FROM dev_user_identities WHERE dev_org_id = $1 AND dev_user_id = $2 AND issuer = $3",
                )
                .bind(org)
                .bind(n)
                .bind(&x.issuer)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                sqlx::query::<Db>(
                    "INSERT INTO dev_user_identities (dev_org_id, dev_user_id, issuer, external_id, display_name, \
                     is_verified) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(org)
                .bind(n)
                .bind(&x.issuer)
                .bind(&x.id)
                .bind(&x.display_name)
                .bind(x.is_verified)
                .execute(&mut **tx)
                .await
                .map_err(|e| match db_err(e) {
                    StoreError::Conflict(_) => taken(None),
                    other => other,
                })?;
                touch_user(tx, org, ObjectKind::DevUser, n, scope.actor, now).await?;
                let view = dev_user_view(tx, org, n).await?.ok_or_else(|| vanished(ObjectKind::DevUser, n))?;
                let after = wire(&view.render(org))?;
                record_change(tx, scope, now, Change::updated(ObjectKind::DevUser, n, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn unlink_identity(
        &self,
        scope: &DevOrgScope,
        unlink: devu::IdentityUnlink,
        now: Timestamp,
    ) -> StoreResult<devu::DevUserView> {
        let unlink = &unlink;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let id = &unlink.dev_user;
                let n = number_or_404(org, ObjectKind::DevUser, id)?;
                dev_facts(tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::DevUser, id))?;
                let before = dev_user_wire(tx, org, n).await?;
                let gone = sqlx::query::<Db>(
                    "DELETE FROM dev_user_identities WHERE dev_org_id = $1 AND dev_user_id = $2 AND issuer = $3",
                )
                .bind(org)
                .bind(n)
                .bind(&unlink.issuer)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                if gone > 0 {
                    touch_user(tx, org, ObjectKind::DevUser, n, scope.actor, now).await?;
                }
                let view = dev_user_view(tx, org, n).await?.ok_or_else(|| vanished(ObjectKind::DevUser, n))?;
                let after = wire(&view.render(org))?;
                record_change(tx, scope, now, Change::updated(ObjectKind::DevUser, n, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn merge_dev_users(&self, scope: &DevOrgScope, merge: devu::DevUserMerge, now: Timestamp) -> StoreResult<()> {
        let m = &merge;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let p = number_or_404(org, ObjectKind::DevUser, &m.primary)?;
                let s = number_or_404(org, ObjectKind::DevUser, &m.secondary)?;
                // Rows are locked in id order, so two merges of the same pair cannot deadlock.
                let (first, second) = if p <= s { (p, s) } else { (s, p) };
                let a = dev_facts(tx, org, first, true).await?;
                let b = dev_facts(tx, org, second, true).await?;
                let (pf, sf) = if p <= s { (a, b) } else { (b, a) };
                let pf = pf.ok_or_else(|| not_found(ObjectKind::DevUser, &m.primary))?;
                let sf = sf.ok_or_else(|| not_found(ObjectKind::DevUser, &m.secondary))?;
                devu::check_merge(&scope.actor, pf, sf)?;
                let reports: Vec<(i64,)> = sqlx::query_as::<Db, (i64,)>(
                    "SELECT id FROM users WHERE dev_org_id = $1 AND kind = 'devu' AND reports_to_id = $2 AND id <> $3",
                )
                .bind(org)
                .bind(s)
                .bind(p)
                .fetch_all(&mut **tx)
                .await
                .map_err(db_err)?;
                let mut touched_users = vec![p, s];
                touched_users.extend(reports.into_iter().map(|(n,)| n));
                let mut users_before = Vec::with_capacity(touched_users.len());
                for n in &touched_users {
                    users_before.push(dev_user_wire(tx, org, *n).await?);
                }
                // Accounts the secondary owned are owned by the primary instead.
                let mut sql = Sql::new("");
                let o = sql.text_arg(org);
                let owner = sql.text_arg(&s.to_string());
                sql.push(&format!(
                    "SELECT id, owned_by FROM accounts a WHERE a.dev_org_id = {o} AND {}{FOR_UPDATE}",
                    json_array_has_any("a.owned_by", &owner)
                ));
                let owned: Vec<(i64, String)> = sql.query_as().fetch_all(&mut **tx).await.map_err(db_err)?;
                let mut accounts_before = Vec::with_capacity(owned.len());
                for (account, _) in &owned {
                    accounts_before.push((*account, account_wire(tx, org, *account).await?));
                }
                for (account, owners) in owned {
                    let owners: Vec<i64> = json_list(&owners).iter().filter_map(|o| o.parse().ok()).collect();
                    let merged: Vec<String> = devu::merged_owners(&owners, s, p).iter().map(i64::to_string).collect();
                    let mut sql = Sql::new("UPDATE accounts SET ");
                    let by = touch(&mut sql, scope.actor, now);
                    let list = sql.text_arg(&to_json(&merged));
                    let o = sql.text_arg(org);
                    let i = sql.int_arg(account);
                    sql.push(&format!("{by}, owned_by = {list} WHERE dev_org_id = {o} AND id = {i}"));
                    sql.execute(tx).await?;
                }
                // Reports of the secondary report to the primary (the primary itself to nobody).
                let mut sql = Sql::new("UPDATE users SET ");
                let by = touch(&mut sql, scope.actor, now);
                let pa = sql.int_arg(p);
                let o = sql.text_arg(org);
                let k = sql.text_arg(code(ObjectKind::DevUser));
                let sa = sql.int_arg(s);
                sql.push(&format!(
                    "{by}, reports_to_id = CASE WHEN id = {pa} THEN NULL ELSE {pa} END WHERE dev_org_id = {o} AND \
                     kind = {k} AND reports_to_id = {sa}"
                ));
                sql.execute(tx).await?;
                // The secondary's identities move, except for issuers the primary already has.
                let mut ids = dev_identities(tx, org, &[p, s]).await?;
                let moved =
                    devu::identities_to_move(&ids.remove(&p).unwrap_or_default(), &ids.remove(&s).unwrap_or_default());
                sqlx::query::<Db>("DELETE FROM dev_user_identities WHERE dev_org_id = $1 AND dev_user_id = $2")
                    .bind(org)
                    .bind(s)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                for x in &moved {
                    sqlx::query::<Db>(
                        "INSERT INTO dev_user_identities (dev_org_id, dev_user_id, issuer, external_id, \
                         display_name, is_verified) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(org)
                    .bind(p)
                    .bind(&x.issuer)
                    .bind(&x.id)
                    .bind(&x.display_name)
                    .bind(x.is_verified)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                }
                if !moved.is_empty() {
                    touch_user(tx, org, ObjectKind::DevUser, p, scope.actor, now).await?;
                }
                // §8.2: the secondary is deactivated, points at the primary and can no longer sign in.
                let mut sql = Sql::new("UPDATE users SET ");
                let by = touch(&mut sql, scope.actor, now);
                let st = sql.text_arg(state_name(revdir_core::api::common::UserState::Deactivated));
                let pa = sql.int_arg(p);
                let o = sql.text_arg(org);
                let k = sql.text_arg(code(ObjectKind::DevUser));
                let sa = sql.int_arg(s);
                sql.push(&format!(
                    "{by}, state = {st}, primary_identity_id = {pa} WHERE dev_org_id = {o} AND kind = {k} AND id = \
                     {sa}"
                ));
                sql.execute(tx).await?;
                revoke_all(tx, org, UserRef { kind: ObjectKind::DevUser, id: s }, None, scope.actor, now).await?;
                for (n, before) in touched_users.into_iter().zip(users_before) {
                    let after = dev_user_wire(tx, org, n).await?;
                    record_change(tx, scope, now, Change::updated(ObjectKind::DevUser, n, before, after)).await?;
                }
                for (n, before) in accounts_before {
                    let after = account_wire(tx, org, n).await?;
                    record_change(tx, scope, now, Change::updated(ObjectKind::Account, n, before, after)).await?;
                }
                Ok(())
            })
        })
        .await
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct DevExtraRow {
    pub(super) id: i64,
    pub(super) reports_to_id: Option<i64>,
    pub(super) experience_start_date: Option<i64>,
    pub(super) job_history: String,
    pub(super) job_title: Option<String>,
    pub(super) primary_identity_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(super) struct IdentityRow {
    pub(super) dev_user_id: i64,
    pub(super) issuer: String,
    pub(super) external_id: String,
    pub(super) display_name: Option<String>,
    pub(super) is_verified: bool,
}

pub(super) async fn dev_identities(
    conn: &mut Conn,
    org: &str,
    ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<devu::ExternalIdentityData>>> {
    let mut out: HashMap<i64, Vec<devu::ExternalIdentityData>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!(
        "SELECT dev_user_id, issuer, external_id, display_name, is_verified FROM dev_user_identities WHERE \
         dev_org_id = {o} AND dev_user_id IN ({ps}) ORDER BY dev_user_id, issuer"
    ));
    let rows: Vec<IdentityRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    for r in rows {
        out.entry(r.dev_user_id).or_default().push(devu::ExternalIdentityData {
            issuer: r.issuer,
            id: r.external_id,
            display_name: r.display_name,
            is_verified: r.is_verified,
        });
    }
    Ok(out)
}

/// Loads dev users with their dev-user-only fields, in the order of `ids`.
pub(super) async fn load_dev_users(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<Vec<devu::DevUserView>> {
    let users = load_users(conn, org, ObjectKind::DevUser, ids).await?;
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<i64> = users.iter().map(|u| u.record.user.id).collect();
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(ObjectKind::DevUser));
    let ps = sql.int_list(&found);
    sql.push(&format!(
        "SELECT id, reports_to_id, experience_start_date, job_history, job_title, primary_identity_id FROM users \
         WHERE dev_org_id = {o} AND kind = {k} AND id IN ({ps})"
    ));
    let rows: Vec<DevExtraRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut identities = dev_identities(conn, org, &found).await?;
    let mut extras: HashMap<i64, devu::DevUserExtra> = rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                devu::DevUserExtra {
                    reports_to: r.reports_to_id,
                    experience_start_date: r.experience_start_date.map(Timestamp::from_millis),
                    job_history: devu::JobHistoryEntry::decode(&r.job_history),
                    job_title: r.job_title,
                    primary_identity: r.primary_identity_id,
                    external_identities: identities.remove(&r.id).unwrap_or_default(),
                },
            )
        })
        .collect();
    let refs = extras
        .values()
        .flat_map(|x| [x.reports_to, x.primary_identity])
        .flatten()
        .map(|id| UserRef { kind: ObjectKind::DevUser, id });
    let summaries = user_summaries(conn, org, refs.collect::<Vec<_>>()).await?;
    let summary =
        |id: Option<i64>| id.and_then(|id| summaries.get(&UserRef { kind: ObjectKind::DevUser, id }).cloned());
    Ok(users
        .into_iter()
        .map(|user| {
            let extra = extras.remove(&user.record.user.id).unwrap_or_default();
            devu::DevUserView {
                reports_to: summary(extra.reports_to),
                primary_identity: summary(extra.primary_identity),
                user,
                extra,
            }
        })
        .collect())
}

/// A dev user's wire rendering as it is now in the transaction, for the journal.
pub(super) async fn dev_user_wire(conn: &mut Conn, org: &str, n: i64) -> StoreResult<Value> {
    let view = dev_user_view(conn, org, n).await?.ok_or_else(|| vanished(ObjectKind::DevUser, n))?;
    wire(&view.render(org))
}

pub(super) async fn dev_user_view(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Option<devu::DevUserView>> {
    Ok(load_dev_users(conn, org, &[id]).await?.into_iter().next())
}

pub(super) struct LoadDevUsers<'a> {
    pub(super) org: &'a str,
}

impl AsyncLoad<devu::DevUserView> for LoadDevUsers<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<devu::DevUserView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_dev_users(conn, self.org, &nums).await
    }
}

/// Id, state and merge target of a dev user, optionally locking its row.
pub(super) async fn dev_facts(
    conn: &mut Conn,
    org: &str,
    id: i64,
    lock: bool,
) -> StoreResult<Option<devu::DevUserFacts>> {
    let lock = if lock { FOR_UPDATE } else { "" };
    let row: Option<(i64, String, Option<i64>)> = sqlx::query_as::<Db, (i64, String, Option<i64>)>(&format!(
        "SELECT id, state, primary_identity_id FROM users WHERE dev_org_id = $1 AND kind = $2 AND id = $3{lock}"
    ))
    .bind(org)
    .bind(code(ObjectKind::DevUser))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(|(id, state, merged_into)| devu::DevUserFacts { id, state: parse_state(&state), merged_into }))
}

/// The dev user holding an email (lower-cased).
pub(super) async fn dev_user_with_email(conn: &mut Conn, org: &str, email_lower: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>(
        "SELECT id FROM users WHERE dev_org_id = $1 AND kind = $2 AND email_lower = $3 LIMIT 1",
    )
    .bind(org)
    .bind(code(ObjectKind::DevUser))
    .bind(email_lower)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(|(id,)| id))
}

pub(super) fn email_taken(holder: Option<i64>) -> StoreError {
    let by = holder.map(|h| format!(" by DEVU-{h}")).unwrap_or_default();
    // dev-users.create declares no 409: a taken email is a value not permitted.
    StoreError::Invalid(ValidationError::not_permitted("email", format!("the email is already used{by}")))
}

/// Resolves a manager: a dev user of the org other than `me`.
pub(super) async fn resolve_manager(conn: &mut Conn, org: &str, id: &ParsedId, me: Option<i64>) -> StoreResult<i64> {
    let n = id.number_in(org).ok_or_else(|| reference_missing("reports_to", ObjectKind::DevUser, id))?;
    if Some(n) == me {
        return Err(StoreError::Invalid(ValidationError::not_permitted(
            "reports_to",
            "a dev user cannot report to itself",
        )));
    }
    if dev_facts(conn, org, n, false).await?.is_none() {
        return Err(reference_missing("reports_to", ObjectKind::DevUser, id));
    }
    Ok(n)
}

/// Marks every unrevoked token of `subject` (of `kind`, when given) revoked.
pub(super) async fn revoke_all(
    conn: &mut Conn,
    org: &str,
    subject: UserRef,
    kind: Option<tok::TokenKind>,
    actor: UserRef,
    now: Timestamp,
) -> StoreResult<u64> {
    let mut sql = Sql::new("UPDATE auth_tokens SET revoked = ");
    let t = sql.arg(Arg::Bool(true));
    // A record without a modified_date compares as NULL, so `touch` starts it at `now`.
    let by = touch(&mut sql, actor, now);
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(subject.kind));
    let i = sql.int_arg(subject.id);
    let f = sql.arg(Arg::Bool(false));
    sql.push(&format!(
        "{t}, {by} WHERE dev_org_id = {o} AND subject_kind = {k} AND subject_id = {i} AND revoked = {f}"
    ));
    if let Some(kind) = kind {
        let c = sql.text_arg(kind.code());
        sql.push(&format!(" AND token_type = {c}"));
    }
    sql.execute(conn).await
}

impl Backend {
    pub(super) async fn list_dev_users_in(
        &self,
        scope: &DevOrgScope,
        f: &devu::DevUserFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<devu::DevUserView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(ObjectKind::DevUser));
        sql.push(&format!("SELECT CAST(u.id AS TEXT) FROM users u WHERE u.dev_org_id = {o} AND u.kind = {k}"));
        filter_in_text(&mut sql, "u.email_lower", f.email.as_ref());
        let states = f.state.as_ref().map(|v| v.iter().map(|s| state_name(*s).to_owned()).collect::<Vec<_>>());
        filter_in_text(&mut sql, "u.state", states.as_ref());
        if let Some(entries) = &f.external_identity {
            let mut ors = Vec::new();
            for (issuer, ext) in entries {
                let mut conds = vec!["i.dev_org_id = u.dev_org_id".to_owned(), "i.dev_user_id = u.id".to_owned()];
                if let Some(v) = issuer {
                    conds.push(format!("i.issuer = {}", sql.text_arg(v)));
                }
                if let Some(v) = ext {
                    conds.push(format!("i.external_id = {}", sql.text_arg(v)));
                }
                ors.push(format!("EXISTS (SELECT 1 FROM dev_user_identities i WHERE {})", conds.join(" AND ")));
            }
            if ors.is_empty() {
                sql.push(" AND 1 = 0");
            } else {
                sql.push(&format!(" AND ({})", ors.join(" OR ")));
            }
        }
        filter_range(&mut sql, "u.created_date", f.created_date.as_ref());
        filter_range(&mut sql, "u.modified_date", f.modified_date.as_ref());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        list_page(&mut tx, &sql, &USER_SORTING, |v: &devu::DevUserView| &v.user.record, page, LoadDevUsers { org })
            .await
    }
}

/// Records `actor` as the last modifier of a user, now.
pub(super) async fn touch_user(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    id: i64,
    actor: UserRef,
    now: Timestamp,
) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE users SET ");
    let by = touch(&mut sql, actor, now);
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(kind));
    let i = sql.int_arg(id);
    sql.push(&format!("{by} WHERE dev_org_id = {o} AND kind = {k} AND id = {i}"));
    sql.execute(conn).await.map(drop)
}
