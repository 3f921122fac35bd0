//! Rev users, the contacts (§7): `RevUserStore`. A patch that touches only the contact's
//! own row goes to `one_statement`; every other write reads, locks and rewrites the row.

use super::associations::{account_of_rev_org, add_links, filter_associations, forget_contact_links, Link};
use super::journal::{record_change, user_wire_before, wire, Change};
use super::one_statement::RowPatch;
use super::seed::{seed_batch, SEED_BATCH};
use super::*;

/// Applies the parts of a rev-user patch that live in the user's own row alone.
pub(super) fn apply_rev_user_fields(r: &mut UserRecord, p: &RevUserPatch) {
    if let Some(v) = &p.display_name {
        r.display_name = Some(v.clone());
    }
    if let Some(v) = &p.description {
        r.description = v.clone();
    }
    if let Some(v) = &p.email {
        r.email = v.as_ref().map(|e| e.as_str().to_owned());
    }
    if let Some(v) = &p.phone_numbers {
        r.phone_numbers = v.iter().map(|p| p.as_str().to_owned()).collect();
    }
}

#[async_trait]
impl RevUserStore for Backend {
    async fn create_rev_user(&self, scope: &DevOrgScope, draft: RevUserDraft, now: Timestamp) -> StoreResult<UserView> {
        let d = &draft;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let rev_org = match (&d.rev_org, &d.account) {
                    (Some(r), _) => {
                        let local =
                            r.local_in(org).ok_or_else(|| reference_missing("rev_org", ObjectKind::RevOrg, r))?;
                        if !rev_org_exists(tx, org, local).await? {
                            return Err(reference_missing("rev_org", ObjectKind::RevOrg, r));
                        }
                        Some(local.to_owned())
                    }
                    (None, Some(a)) => {
                        let n = a.number_in(org).ok_or_else(|| reference_missing("account", ObjectKind::Account, a))?;
                        Some(
                            default_rev_org_of(tx, org, n)
                                .await?
                                .ok_or_else(|| reference_missing("account", ObjectKind::Account, a))?,
                        )
                    }
                    (None, None) => None,
                };
                let custom =
                    apply_custom(tx, org, LeafType::RevUser, &CustomState::default(), d.custom.as_ref()).await?;
                let id = next_id(tx, org, code(ObjectKind::RevUser)).await?;
                let holder = ParentRef { kind: ObjectKind::RevUser, id: id.to_string() };
                let picture =
                    d.display_picture.as_ref().map(|p| resolve_artifact(org, "display_picture", p)).transpose()?;
                let attached = d
                    .artifacts
                    .iter()
                    .map(|a| resolve_artifact(org, "artifacts", a))
                    .collect::<StoreResult<Vec<_>>>()?;
                hold_artifacts(tx, org, &holder, &[], picture, &attached).await?;
                // §7: the display id stands in for a missing external_ref.
                let external_ref = d.external_ref.clone().or_else(|| display_id(ObjectKind::RevUser, id));
                let external_refs = d.external_refs.clone().unwrap_or_else(|| external_ref.iter().cloned().collect());
                let record = UserRecord {
                    user: UserRef { kind: ObjectKind::RevUser, id },
                    display_name: d.display_name.clone(),
                    full_name: None,
                    email: d.email.as_ref().map(|e| e.as_str().to_owned()),
                    phone_numbers: d.phone_numbers.iter().map(|p| p.as_str().to_owned()).collect(),
                    state: revdir_core::api::common::UserState::Active,
                    description: d.description.clone(),
                    external_ref,
                    external_refs,
                    is_verified: true,
                    rev_org,
                    display_picture: picture,
                    artifacts: attached,
                    created_by: Some(scope.actor),
                    created_date: now,
                    modified_by: Some(scope.actor),
                    modified_date: now,
                    custom,
                };
                let sid = id.to_string();
                claim_refs(tx, org, ObjectKind::RevUser, &sid, &rev_user_refs(&record), "external_ref").await?;
                insert_user(tx, org, &record).await?;
                if let Some(workspace) = &record.rev_org {
                    // §7: a rev-org association brings its account's along.
                    let account = account_of_rev_org(tx, org, workspace).await?;
                    let links: Vec<Link> =
                        std::iter::once(Link::rev_org(workspace)).chain(account.map(Link::account)).collect();
                    add_links(tx, org, id, &links).await?;
                }
                if d.custom.is_some() {
                    save_custom(tx, org, &CustomOwner::User(ObjectKind::RevUser, id), &record.custom).await?;
                }
                if !d.tags.is_empty() {
                    write_tag_links(tx, org, code(ObjectKind::RevUser), &sid, &d.tags).await?;
                }
                let view = user_view(tx, org, ObjectKind::RevUser, id)
                    .await?
                    .ok_or_else(|| vanished(ObjectKind::RevUser, id))?;
                let after = wire(&view.render_rev_user(org))?;
                record_change(tx, scope, now, Change::created(ObjectKind::RevUser, id, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn get_rev_user(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<UserView> {
        let n = number_or_404(&scope.dev_org, ObjectKind::RevUser, id)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        user_view(&mut tx, &scope.dev_org, ObjectKind::RevUser, n)
            .await?
            .ok_or_else(|| not_found(ObjectKind::RevUser, id))
    }

    async fn update_rev_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: RevUserPatch,
        now: Timestamp,
    ) -> StoreResult<UserView> {
        if let Some(row) = RowPatch::of_rev_user(&patch) {
            return self.update_row_of(scope, ObjectKind::RevUser, id, &row, now).await;
        }
        let p = &patch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let (mut r, extras) = lock_user(tx, org, ObjectKind::RevUser, id).await?;
                let n = r.user.id;
                let before = user_wire_before(tx, org, &(r.clone(), extras.clone())).await?;
                let refs_before = rev_user_refs(&r);
                apply_rev_user_fields(&mut r, p);
                if let Some(v) = &p.external_ref {
                    // Without an explicit external_refs, the list follows its primary value (§5.1):
                    // the old external_ref is replaced in place.
                    if p.external_refs.is_none() {
                        let old = r.external_ref.take();
                        let slot = r.external_refs.iter().position(|e| Some(e.as_str()) == old.as_deref());
                        match slot {
                            Some(i) => r.external_refs[i] = v.clone(),
                            None if r.external_refs.is_empty() => r.external_refs.push(v.clone()),
                            None => {}
                        }
                        r.external_refs.dedup();
                    }
                    r.external_ref = Some(v.clone());
                }
                if let Some(v) = &p.external_refs {
                    r.external_refs = v.clone();
                }
                if p.display_picture.is_some() || p.artifacts.is_some() {
                    let picture = match &p.display_picture {
                        None => r.display_picture,
                        Some(None) => None,
                        Some(Some(id)) => Some(resolve_artifact(org, "display_picture", id)?),
                    };
                    let attached = match &p.artifacts {
                        None => r.artifacts.clone(),
                        Some(ids) => ids
                            .iter()
                            .map(|a| resolve_artifact(org, "artifacts", a))
                            .collect::<StoreResult<Vec<_>>>()?,
                    };
                    let holder = ParentRef { kind: ObjectKind::RevUser, id: n.to_string() };
                    let before: Vec<i64> = r.display_picture.iter().chain(r.artifacts.iter()).copied().collect();
                    hold_artifacts(tx, org, &holder, &before, picture, &attached).await?;
                    r.display_picture = picture;
                    r.artifacts = attached;
                }
                if p.custom.is_some() {
                    r.custom = apply_custom(tx, org, LeafType::RevUser, &r.custom, p.custom.as_ref()).await?;
                }
                r.modified_by = Some(scope.actor);
                r.modified_date = after(r.modified_date, now);
                let sid = n.to_string();
                let refs_after = rev_user_refs(&r);
                if refs_after != refs_before {
                    let field = if p.external_ref.is_some() { "external_ref" } else { "external_refs" };
                    claim_refs(tx, org, ObjectKind::RevUser, &sid, &refs_after, field).await?;
                }
                save_user(tx, org, &r).await?;
                if p.custom.is_some() {
                    save_custom(tx, org, &CustomOwner::User(ObjectKind::RevUser, n), &r.custom).await?;
                }
                if let Some(tags) = &p.tags {
                    write_tag_links(tx, org, code(ObjectKind::RevUser), &sid, tags).await?;
                }
                let view =
                    written_user_view(tx, org, r, extras, scope.actor_summary.as_ref(), p.tags.is_some()).await?;
                let after = wire(&view.render_rev_user(org))?;
                record_change(tx, scope, now, Change::updated(ObjectKind::RevUser, n, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn update_rev_user_row_as(
        &self,
        caller: &SignedCaller,
        id: &ParsedId,
        patch: &RevUserPatch,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>> {
        self.update_row_as(caller, ObjectKind::RevUser, id, RowPatch::of_rev_user(patch), now).await
    }

    async fn delete_rev_user(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::RevUser, id)?;
                let read = lock_user(tx, org, ObjectKind::RevUser, id).await?;
                let before = user_wire_before(tx, org, &read).await?;
                let delete = "DELETE FROM users WHERE dev_org_id = $1 AND id = $2 AND kind = 'revu'";
                if !delete_holder(tx, org, ObjectKind::RevUser, delete, Arg::I64(n)).await? {
                    return Err(not_found(ObjectKind::RevUser, id));
                }
                forget_contact_links(tx, org, n).await?;
                record_change(tx, scope, now, Change::deleted(ObjectKind::RevUser, n, before)).await?;
                Ok(())
            })
        })
        .await
    }

    async fn list_rev_users(
        &self,
        scope: &DevOrgScope,
        f: RevUserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<UserView>> {
        let org = scope.dev_org.as_str();
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let sql = rev_user_ids(&mut tx, org, &f).await?;
        let load = LoadUsers { org, kind: ObjectKind::RevUser };
        list_page(&mut tx, &sql, &USER_SORTING, |v: &UserView| &v.record, &page, load).await
    }

    async fn scan_rev_users(
        &self,
        scope: &DevOrgScope,
        f: RevUserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<UserView>> {
        let org = scope.dev_org.as_str();
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let sql = rev_user_ids(&mut tx, org, &f).await?;
        scan_page(&mut tx, &sql, &USER_SORTING, &page, LoadUsers { org, kind: ObjectKind::RevUser }).await
    }

    async fn seed_rev_users(&self, scope: &DevOrgScope, count: u64, now: Timestamp) -> StoreResult<u64> {
        let mut done = 0u64;
        while done < count {
            let n = (count - done).min(SEED_BATCH);
            let count = n;
            self.write(|tx| Box::pin(seed_batch(tx, scope, count, now))).await?;
            done += n;
        }
        self.after_bulk_load().await.map_err(db_err)?;
        Ok(done)
    }
}

/// The ids of org `org`'s contacts matching `f`: `SELECT CAST(u.id AS TEXT) FROM users u
/// WHERE …`, the base `list_page` and `scan_page` order and bound. Both operations filter
/// through it, so they cannot drift apart.
async fn rev_user_ids(conn: &mut Conn, org: &str, f: &RevUserFilter) -> StoreResult<Sql> {
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let k = sql.text_arg(code(ObjectKind::RevUser));
    sql.push(&format!("SELECT CAST(u.id AS TEXT) FROM users u WHERE u.dev_org_id = {o} AND u.kind = {k}"));
    let emails = f.email.as_ref().map(|v| v.iter().map(|e| e.to_lowercase()).collect::<Vec<_>>());
    filter_in_text(&mut sql, "u.email_lower", emails.as_ref());
    sql.indexed_filter |= emails.is_some() || f.external_ref.is_some();
    filter_in_text(&mut sql, "u.external_ref", f.external_ref.as_ref());
    filter_refs(&mut sql, org, "u", code(ObjectKind::RevUser), f.external_refs.as_ref());
    filter_json_any(&mut sql, "u.phone_numbers", f.phone_numbers.as_ref());
    filter_in_text(&mut sql, "u.rev_org_id", f.rev_org.as_ref());
    filter_associations(&mut sql, "u", f.associations.as_ref());
    filter_created_by(&mut sql, "u", f.created_by.as_ref());
    filter_range(&mut sql, "u.created_date", f.created_date.as_ref());
    filter_range(&mut sql, "u.modified_date", f.modified_date.as_ref());
    if let Some(v) = f.is_verified {
        let p = sql.arg(Arg::Bool(v));
        sql.push(&format!(" AND u.is_verified = {p}"));
    }
    filter_tags(&mut sql, "u", code(ObjectKind::RevUser), f.tags.as_ref());
    filter_custom(conn, &mut sql, org, LeafType::RevUser, "u.custom_fields", f.custom_fields.as_deref()).await?;
    Ok(sql)
}
