//! Sys users (§8.2): `SysUserStore`.

use super::one_statement::{RowPatch, RowWriter};
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
            let n = number_or_404(&scope.dev_org, ObjectKind::SysUser, id)?;
            return self
                .update_user_row(&RowWriter::authenticated(scope), ObjectKind::SysUser, n, &row, now)
                .await?
                .ok_or_else(|| not_found(ObjectKind::SysUser, id));
        }
        let p = &patch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::SysUser, id)?;
                let (mut r, extras) = load_users_wide(tx, org, ObjectKind::SysUser, &[n], true)
                    .await?
                    .pop()
                    .ok_or_else(|| not_found(ObjectKind::SysUser, id))?;
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
        let (Some(row), Some(n)) = (RowPatch::of_sys_user(patch), id.number_in(&caller.dev_org)) else {
            return Ok(None);
        };
        self.update_user_row(&RowWriter::signed(caller), ObjectKind::SysUser, n, &row, now).await
    }
}
