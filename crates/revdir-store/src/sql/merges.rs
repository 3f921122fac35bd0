//! The bodies of the merge jobs (`rev-users.merge`, `accounts.merge`), each run inside the
//! job's fenced transaction (`jobs::run_job`): both objects locked in id order, the pure
//! rules of `revdir_core::merges` applied, what the secondary held moved, the secondary
//! deleted, and every change journaled.

use revdir_core::jobs::{ClaimedJob, JobDone};
use revdir_core::merges;
use serde_json::json;

use super::accounts::{account_wire, fetch_account, save_account};
use super::associations::{forget_contact_links, forget_target_links, Link, ACCOUNT};
use super::jobs::check_verified;
use super::journal::{record_change, user_wire, user_wire_before, wire, Change};
use super::rev_orgs::rev_org_view;
use super::*;

/// The pair a merge job names: (primary, secondary).
fn pair(job: &ClaimedJob) -> StoreResult<(i64, i64)> {
    match (job.number("primary"), job.number("secondary")) {
        (Some(p), Some(s)) => Ok((p, s)),
        _ => Err(StoreError::Internal(anyhow::anyhow!("job {} has no merge pair", job.id))),
    }
}

fn gone(role: &str, noun: &str) -> StoreError {
    StoreError::NotFound(format!("the {role} {noun} no longer exists"))
}

/// Gives `to` the tag links of `from` that it lacks, after its own.
async fn move_tag_links(conn: &mut Conn, org: &str, kind: &str, from: &str, to: &str) -> StoreResult<()> {
    sqlx::query::<Db>(
        "INSERT INTO tag_links (dev_org_id, object_kind, object_id, position, tag_id, value) SELECT t.dev_org_id, \
         t.object_kind, $3, t.position + (SELECT COALESCE(MAX(q.position), -1) + 1 FROM tag_links q WHERE \
         q.dev_org_id = $1 AND q.object_kind = $2 AND q.object_id = $3), t.tag_id, t.value FROM tag_links t WHERE \
         t.dev_org_id = $1 AND t.object_kind = $2 AND t.object_id = $4 AND NOT EXISTS (SELECT 1 FROM tag_links q \
         WHERE q.dev_org_id = $1 AND q.object_kind = $2 AND q.object_id = $3 AND q.tag_id = t.tag_id)",
    )
    .bind(org)
    .bind(kind)
    .bind(to)
    .bind(from)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// `rev-users.merge`: the secondary contact's refs, phone numbers, missing single values,
/// tags, associations, artifacts and missing custom fields go to the primary; the secondary
/// is deleted and its external refs name the primary from then on.
pub(super) async fn merge_rev_users(conn: &mut Conn, job: &ClaimedJob, now: Timestamp) -> StoreResult<JobDone> {
    let scope = &job.scope;
    let org = scope.dev_org.as_str();
    let (p, s) = pair(job)?;
    // Locked in id order, so two merges of one pair (or a merge and an update) cannot deadlock.
    let rows = load_users_wide(conn, org, ObjectKind::RevUser, &[p.min(s), p.max(s)], true).await?;
    let primary = rows.iter().find(|(r, _)| r.user.id == p).cloned().ok_or_else(|| gone("primary", "contact"))?;
    let secondary = rows.iter().find(|(r, _)| r.user.id == s).cloned().ok_or_else(|| gone("secondary", "contact"))?;
    check_verified(primary.0.is_verified, secondary.0.is_verified)?;
    let before_primary = user_wire_before(conn, org, &primary).await?;
    let before_secondary = user_wire_before(conn, org, &secondary).await?;
    let mut merged = merges::merge_rev_users(&primary.0, &secondary.0);
    merged.modified_by = Some(scope.actor);
    merged.modified_date = after(primary.0.modified_date, now);
    let (ps, ss) = (p.to_string(), s.to_string());
    let kind = code(ObjectKind::RevUser);
    move_tag_links(conn, org, kind, &ss, &ps).await?;
    sqlx::query::<Db>(
        "INSERT INTO rev_user_associations (dev_org_id, user_id, target_kind, target_id) SELECT dev_org_id, $2, \
         target_kind, target_id FROM rev_user_associations WHERE dev_org_id = $1 AND user_id = $3 ON CONFLICT DO \
         NOTHING",
    )
    .bind(org)
    .bind(p)
    .bind(s)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    // Everything the secondary held (picture, attachments, exports) is the primary's now.
    sqlx::query::<Db>(
        "UPDATE artifacts SET parent_id = $3 WHERE dev_org_id = $1 AND parent_kind = $2 AND parent_id = $4",
    )
    .bind(org)
    .bind(kind)
    .bind(&ps)
    .bind(&ss)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    let delete = "DELETE FROM users WHERE dev_org_id = $1 AND id = $2 AND kind = 'revu'";
    if !delete_holder(conn, org, ObjectKind::RevUser, delete, Arg::I64(s)).await? {
        return Err(gone("secondary", "contact"));
    }
    forget_contact_links(conn, org, s).await?;
    // The secondary's refs were freed with it, so the primary can hold them all.
    claim_refs(conn, org, ObjectKind::RevUser, &ps, &rev_user_refs(&merged), "external_ref").await?;
    save_user(conn, org, &merged).await?;
    if merged.custom != primary.0.custom {
        save_custom(conn, org, &CustomOwner::User(ObjectKind::RevUser, p), &merged.custom).await?;
    }
    let view = user_view(conn, org, ObjectKind::RevUser, p).await?.ok_or_else(|| vanished(ObjectKind::RevUser, p))?;
    let after_primary = user_wire(&view, org)?;
    record_change(conn, scope, now, Change::updated(ObjectKind::RevUser, p, before_primary, after_primary)).await?;
    record_change(conn, scope, now, Change::deleted(ObjectKind::RevUser, s, before_secondary)).await?;
    Ok(JobDone { result: Some(json!({"primary": p})), orphaned_blobs: Vec::new() })
}

/// `accounts.merge`: the secondary account's rev orgs, its contacts' associations, external
/// refs, tags, domains, websites and owners go to the primary; the secondary is deleted.
pub(super) async fn merge_accounts(conn: &mut Conn, job: &ClaimedJob, now: Timestamp) -> StoreResult<JobDone> {
    let scope = &job.scope;
    let org = scope.dev_org.as_str();
    let (p, s) = pair(job)?;
    let mut locked = Vec::with_capacity(2);
    for n in [p.min(s), p.max(s)] {
        locked.push(fetch_account(conn, org, n, true).await?);
    }
    let take = |n: i64| locked.iter().flatten().find(|(r, _)| r.id == n).cloned();
    let (primary, primary_owners) = take(p).ok_or_else(|| gone("primary", "account"))?;
    let (secondary, secondary_owners) = take(s).ok_or_else(|| gone("secondary", "account"))?;
    let before_primary = account_wire(conn, org, p).await?;
    let before_secondary = account_wire(conn, org, s).await?;
    let workspaces: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT id FROM rev_orgs WHERE dev_org_id = $1 AND account_id = $2 ORDER BY id{FOR_UPDATE}"
    ))
    .bind(org)
    .bind(s)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    let mut workspaces_before = Vec::with_capacity(workspaces.len());
    for (w,) in &workspaces {
        let view = rev_org_view(conn, org, w).await?.ok_or_else(|| vanished(ObjectKind::RevOrg, w))?;
        workspaces_before.push((w.clone(), wire(&view.render(org))?));
    }
    // The primary keeps its own default workspace; the secondary's moves as an ordinary one.
    sqlx::query::<Db>(
        "UPDATE rev_orgs SET account_id = $2, is_default = $4, modified_by_kind = $5, modified_by_id = $6, \
         modified_date = $7 WHERE dev_org_id = $1 AND account_id = $3",
    )
    .bind(org)
    .bind(p)
    .bind(s)
    .bind(false)
    .bind(code(scope.actor.kind))
    .bind(scope.actor.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    sqlx::query::<Db>(
        "INSERT INTO rev_user_associations (dev_org_id, user_id, target_kind, target_id) SELECT dev_org_id, user_id, \
         target_kind, $2 FROM rev_user_associations WHERE dev_org_id = $1 AND target_kind = $3 AND target_id = $4 ON \
         CONFLICT DO NOTHING",
    )
    .bind(org)
    .bind(p.to_string())
    .bind(ACCOUNT)
    .bind(s.to_string())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    forget_target_links(conn, org, &Link::account(s)).await?;
    let (ps, ss) = (p.to_string(), s.to_string());
    move_tag_links(conn, org, code(ObjectKind::Account), &ss, &ps).await?;
    let mut merged = merges::merge_accounts(&primary, &secondary);
    merged.modified_by = Some(scope.actor);
    merged.modified_date = after(primary.modified_date, now);
    let owners = merges::merge_owners(&primary_owners, &secondary_owners);
    let delete = "DELETE FROM accounts WHERE dev_org_id = $1 AND id = $2";
    if !delete_holder(conn, org, ObjectKind::Account, delete, Arg::I64(s)).await? {
        return Err(gone("secondary", "account"));
    }
    claim_refs(conn, org, ObjectKind::Account, &ps, &merged.external_refs, "external_refs").await?;
    save_account(conn, org, &merged, &owners, false).await?;
    if merged.custom != primary.custom {
        save_custom(conn, org, &CustomOwner::Account(p), &merged.custom).await?;
    }
    let after_primary = account_wire(conn, org, p).await?;
    record_change(conn, scope, now, Change::updated(ObjectKind::Account, p, before_primary, after_primary)).await?;
    for (w, before) in workspaces_before {
        let view = rev_org_view(conn, org, &w).await?.ok_or_else(|| vanished(ObjectKind::RevOrg, &w))?;
        record_change(conn, scope, now, Change::updated(ObjectKind::RevOrg, &w, before, wire(&view.render(org))?))
            .await?;
    }
    record_change(conn, scope, now, Change::deleted(ObjectKind::Account, s, before_secondary)).await?;
    Ok(JobDone { result: Some(json!({"primary": p})), orphaned_blobs: Vec::new() })
}
