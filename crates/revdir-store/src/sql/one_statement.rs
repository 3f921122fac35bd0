//! The update of a rev user or sys user whose patch touches only its own row: one UPDATE
//! statement that may also check the caller's token record (see `Backend::update_user_row`),
//! between the locked read and the journal entry that every write makes.

use super::journal::{record_change, user_wire, user_wire_before, Author, Change};
use super::*;

/// The changes of a patch that touches only the user's own row; `None` leaves a column as it
/// is, `Some(None)` clears it.
#[derive(Default)]
pub(super) struct RowPatch<'a> {
    pub(super) display_name: Option<&'a str>,
    pub(super) full_name: Option<Option<&'a str>>,
    pub(super) email: Option<Option<&'a str>>,
    pub(super) phone_numbers: Option<String>,
    pub(super) description: Option<Option<&'a str>>,
}

impl<'a> RowPatch<'a> {
    /// The row part of a rev-user patch, when that is all the patch changes.
    pub(super) fn of_rev_user(p: &'a RevUserPatch) -> Option<Self> {
        rev_user_patch_is_row_only(p).then(|| Self {
            display_name: p.display_name.as_deref(),
            email: p.email.as_ref().map(|e| e.as_ref().map(|e| e.as_str())),
            phone_numbers: p
                .phone_numbers
                .as_ref()
                .map(|v| to_json(&v.iter().map(|n| n.as_str().to_owned()).collect::<Vec<_>>())),
            description: p.description.as_ref().map(Option::as_deref),
            ..Self::default()
        })
    }

    /// The row part of a sys-user patch, when that is all the patch changes.
    pub(super) fn of_sys_user(p: &'a SysUserPatch) -> Option<Self> {
        p.display_picture.is_none().then(|| Self {
            display_name: p.display_name.as_deref(),
            full_name: p.full_name.as_ref().map(Option::as_deref),
            ..Self::default()
        })
    }
}

/// The one statement of a `rev-users.update` whose patch touches only the contact's row,
/// exactly as this backend runs it, so that a benchmark (`bench/ceiling`'s `floor`) can
/// measure what the database alone costs for one request.
#[derive(Debug, Clone, Copy)]
pub struct HotPathSql {
    /// The update of a rev user that checks the caller's token record in the same statement:
    /// `$1` dev org, `$2` kind code (`revu`), `$3` user number, then for display_name,
    /// full_name, email, phone_numbers and description a flag and a value (`$4`/`$5`,
    /// `$6`/`$7`, `$8`/`$9` with `$10` the lower-cased email, `$11`/`$12` a JSON array,
    /// `$13`/`$14`), `$15`/`$16` the caller's kind code and number, `$17` now in epoch
    /// milliseconds, `$18` the token's jti.
    pub rev_user_update: &'static str,
}

/// The statement of the update hot path; see [`HotPathSql`].
#[must_use]
pub fn hot_path_sql() -> HotPathSql {
    HotPathSql { rev_user_update: row_update_sql(true, false, true) }
}

/// The text of the one-statement update (`update_user_row`), built once for each case: rev
/// users or sys users, whether the caller's summary is known (so the RETURNING list leaves
/// it out), and whether the statement checks the caller's token record itself (`gated`,
/// binding `$18` the token's jti): then it changes the row only when the record would pass
/// `authenticate`'s checks, which this condition mirrors.
pub(super) fn row_update_sql(rev_user: bool, actor_known: bool, gated: bool) -> &'static str {
    static TEXTS: [std::sync::OnceLock<String>; 8] = [const { std::sync::OnceLock::new() }; 8];
    let slot = usize::from(gated) * 4 + usize::from(rev_user) * 2 + usize::from(actor_known);
    TEXTS[slot].get_or_init(|| {
        let kind = if rev_user { ObjectKind::RevUser } else { ObjectKind::SysUser };
        let gate = if gated {
            // The token's record: in the caller's dev org, not revoked, unexpired at the
            // request's time ($17, epoch milliseconds), its subject the caller ($15, $16),
            // and that user active.
            " AND EXISTS (SELECT 1 FROM auth_tokens t JOIN users s ON s.dev_org_id = t.dev_org_id AND s.kind = \
             t.subject_kind AND s.id = t.subject_id WHERE t.jti = $18 AND t.dev_org_id = $1 AND t.subject_kind = \
             $15 AND t.subject_id = $16 AND NOT t.revoked AND (t.expires_at IS NULL OR t.expires_at > $17) AND \
             s.state = 'active')"
        } else {
            ""
        };
        // RETURNING names the table, not an alias: SQLite accepts no other.
        format!(
            "UPDATE users SET display_name = CASE WHEN $4 THEN $5 ELSE display_name END, full_name = CASE WHEN $6 \
             THEN $7 ELSE full_name END, email = CASE WHEN $8 THEN $9 ELSE email END, email_lower = CASE WHEN $8 \
             THEN $10 ELSE email_lower END, phone_numbers = CASE WHEN $11 THEN $12 ELSE phone_numbers END, \
             description = CASE WHEN $13 THEN $14 ELSE description END, modified_by_kind = $15, modified_by_id = \
             $16, modified_date = CASE WHEN modified_date >= $17 THEN modified_date + 1 ELSE $17 END WHERE \
             dev_org_id = $1 AND kind = $2 AND id = $3{gate} RETURNING {}, {}",
            USER_COLS.replace("u.", "users."),
            user_extra_columns("users", kind, actor_known.then_some(("$15", "$16")))
        )
    })
}

/// Who a one-statement update acts for (`update_user_row`).
pub(super) struct RowWriter<'a> {
    pub(super) org: &'a str,
    pub(super) actor: Actor,
    /// The token's id and the request's context, for the journal.
    pub(super) token_id: &'a str,
    pub(super) context: &'a ChangeContext,
    /// The caller's summary when already read with its token.
    pub(super) actor_summary: Option<&'a UserSummaryData>,
    /// The token's jti when the statement checks the token's record itself.
    pub(super) unchecked_jti: Option<&'a str>,
}

impl<'a> RowWriter<'a> {
    pub(super) fn authenticated(scope: &'a DevOrgScope) -> Self {
        Self {
            org: &scope.dev_org,
            actor: scope.actor,
            actor_summary: scope.actor_summary.as_ref(),
            unchecked_jti: None,
            token_id: &scope.token_id,
            context: &scope.context,
        }
    }

    fn author(&self) -> Author<'a> {
        Author { org: self.org, actor: self.actor, token_id: self.token_id, context: self.context }
    }

    pub(super) fn signed(caller: &'a SignedCaller) -> Self {
        Self {
            org: &caller.dev_org,
            actor: caller.actor,
            actor_summary: None,
            unchecked_jti: Some(&caller.jti),
            token_id: &caller.jti,
            context: &caller.context,
        }
    }
}

impl Backend {
    /// A row-only update made for a caller whose token record the statement itself checks:
    /// `Ok(None)` when the patch is not row-only, the id names no user of the caller's org,
    /// or the record refused, so that the caller takes the usual path.
    pub(super) async fn update_row_as(
        &self,
        caller: &SignedCaller,
        kind: ObjectKind,
        id: &ParsedId,
        patch: Option<RowPatch<'_>>,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>> {
        let (Some(patch), Some(n)) = (patch, id.number_in(&caller.dev_org)) else { return Ok(None) };
        self.update_user_row(&RowWriter::signed(caller), kind, n, &patch, now).await
    }

    /// A row-only update of the user `id` names in the caller's org: its view, or the 404.
    pub(super) async fn update_row_of(
        &self,
        scope: &DevOrgScope,
        kind: ObjectKind,
        id: &ParsedId,
        patch: &RowPatch<'_>,
        now: Timestamp,
    ) -> StoreResult<UserView> {
        let n = number_or_404(&scope.dev_org, kind, id)?;
        self.update_user_row(&RowWriter::authenticated(scope), kind, n, patch, now)
            .await?
            .ok_or_else(|| not_found(kind, id))
    }

    /// Updates a user whose patch touches only its own row with one UPDATE that sets the
    /// patched columns, stamps the modifier, and returns the row with its summaries,
    /// workspace name and tags. The row is read and locked first, so the change journal
    /// records it as it was; the journal entry and its events are written in the same
    /// transaction. `Ok(None)` when no row matched (or the token's record refused): nothing is
    /// written then.
    pub(super) async fn update_user_row(
        &self,
        who: &RowWriter<'_>,
        kind: ObjectKind,
        n: i64,
        patch: &RowPatch<'_>,
        now: Timestamp,
    ) -> StoreResult<Option<UserView>> {
        let org = who.org;
        let sql = row_update_sql(kind == ObjectKind::RevUser, who.actor_summary.is_some(), who.unchecked_jti.is_some());
        let email = patch.email.map(|e| e.map(str::to_owned));
        let email_lower = email.clone().flatten().map(|e| e.to_lowercase());
        self.write(|tx| {
            let email = email.clone();
            let email_lower = email_lower.clone();
            Box::pin(async move {
                let Some(read) = load_users_wide(tx, org, kind, &[n], true).await?.pop() else { return Ok(None) };
                let before = user_wire_before(tx, org, &read).await?;
                let mut query = sqlx::query_as::<Db, WideUserRow>(sql)
                    .bind(org)
                    .bind(code(kind))
                    .bind(n)
                    .bind(patch.display_name.is_some())
                    .bind(patch.display_name)
                    .bind(patch.full_name.is_some())
                    .bind(patch.full_name.flatten())
                    .bind(email.is_some())
                    .bind(email.flatten())
                    .bind(email_lower)
                    .bind(patch.phone_numbers.is_some())
                    .bind(patch.phone_numbers.as_deref())
                    .bind(patch.description.is_some())
                    .bind(patch.description.flatten())
                    .bind(code(who.actor.kind))
                    .bind(who.actor.id)
                    .bind(now.millis());
                if let Some(jti) = who.unchecked_jti {
                    query = query.bind(jti);
                }
                let row: Option<WideUserRow> = query.fetch_optional(&mut **tx).await.map_err(db_err)?;
                let Some(row) = row else { return Ok(None) };
                let (record, extras) = row.split()?.ok_or_else(|| vanished(kind, n))?;
                let view = written_user_view(tx, org, record, extras, who.actor_summary, false).await?;
                let after = user_wire(&view, org)?;
                record_change(tx, who.author(), now, Change::updated(kind, n, before, after)).await?;
                Ok(Some(view))
            })
        })
        .await
    }
}

/// True when a rev-user patch changes nothing but the user's own row: no external ids
/// (unique across rows), tags, artifacts or custom fields.
pub(super) fn rev_user_patch_is_row_only(p: &RevUserPatch) -> bool {
    p.external_ref.is_none()
        && p.external_refs.is_none()
        && p.tags.is_none()
        && p.display_picture.is_none()
        && p.artifacts.is_none()
        && p.custom.is_none()
}
