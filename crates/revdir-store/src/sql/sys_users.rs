//! Sys users (§8.2): `SysUserStore`.

use super::journal::{record_change, user_wire, user_wire_before, Change};
use super::one_statement::RowPatch;
use super::*;

/// Applies the parts of a sys-user patch that live in the user's own row alone.
pub(super) fn apply_sys_user_fields(r: &mut UserRecord, p: &SysUserPatch) {
    if let Some(v) = &p.display_name {
        r.display_name = Some(v.clone());
    }
    if let Some(v) = &p.full_name {
        r.full_name = v.clone();
    }
}

#[async_trait]
impl SysUserStore for Backend {
    async fn list_sys_users(&self, scope: &DevOrgScope, page: PageRequest) -> StoreResult<Page<UserView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(ObjectKind::SysUser));
        sql.push(&format!("SELECT CAST(u.id AS TEXT) FROM users u WHERE u.dev_org_id = {o} AND u.kind = {k}"));
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        list_page(
            &mut tx,
            &sql,
            &USER_SORTING,
            |v: &UserView| &v.record,
            &page,
            LoadUsers { org, kind: ObjectKind::SysUser },
        )
        .await
    }

    async fn update_sys_user(
        &self,
        scope: &DevOrgScope,
        id: &ParsedId,
        patch: SysUserPatch,
        now: Timestamp,
    ) -> StoreResult<UserView> {
        if let Some(row) = RowPatch::of_sys_user(&patch) {
            return self.update_row_of(scope, ObjectKind::SysUser, id, &row, now).await;
        }
        let p = &patch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let (mut r, extras) = lock_user(tx, org, ObjectKind::SysUser, id).await?;
                let n = r.user.id;
                let before = user_wire_before(tx, org, &(r.clone(), extras.clone())).await?;
                apply_sys_user_fields(&mut r, p);
                if let Some(picture) = &p.display_picture {
                    let picture =
                        picture.as_ref().map(|id| resolve_artifact(org, "display_picture", id)).transpose()?;
                    let holder = ParentRef { kind: ObjectKind::SysUser, id: n.to_string() };
                    let before: Vec<i64> = r.display_picture.into_iter().collect();
                    hold_artifacts(tx, org, &holder, &before, picture, &[]).await?;
                    r.display_picture = picture;
                }
                r.modified_by = Some(scope.actor);
                r.modified_date = after(r.modified_date, now);
                save_user(tx, org, &r).await?;
                let view = written_user_view(tx, org, r, extras, scope.actor_summary.as_ref(), false).await?;
                let after = user_wire(&view, org)?;
                record_change(tx, scope, now, Change::updated(ObjectKind::SysUser, n, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn update_sys_user_row_as(
        &self,
        caller: &SignedCaller,
        id: &ParsedId,
        patch: &SysUserPatch,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>> {
        self.update_row_as(caller, ObjectKind::SysUser, id, RowPatch::of_sys_user(patch), now).await
    }
}
