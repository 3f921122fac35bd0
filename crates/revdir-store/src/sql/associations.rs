//! A contact's memberships of accounts and rev orgs (§7): `AssociationStore`, and the
//! helpers every write that moves a contact between workspaces shares (create, rev-org and
//! account deletes, merges). The rule they keep (API-CONVENTIONS entry 93): a contact's
//! `rev_org` is one of its rev-org associations, or absent when it has none.

use revdir_core::associations::{AssociationChange, AssociationTarget, RevOrgLink};

use super::journal::{record_change, user_wire, user_wire_before, Change};
use super::*;

/// The `target_kind` stored for an account association.
pub(super) const ACCOUNT: &str = "account";
/// The `target_kind` stored for a rev-org association.
pub(super) const REV_ORG: &str = "revo";

/// One membership: the stored kind and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Link {
    pub(super) kind: &'static str,
    pub(super) id: String,
}

impl Link {
    pub(super) fn rev_org(id: &str) -> Self {
        Self { kind: REV_ORG, id: id.to_owned() }
    }

    pub(super) fn account(n: i64) -> Self {
        Self { kind: ACCOUNT, id: n.to_string() }
    }
}

/// The account a rev org belongs to, when the rev org exists.
pub(super) async fn account_of_rev_org(conn: &mut Conn, org: &str, rev_org: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT account_id FROM rev_orgs WHERE dev_org_id = $1 AND id = $2")
        .bind(org)
        .bind(rev_org)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(row.map(|(n,)| n))
}

/// The memberships a request's target stands for: a rev org with its account (§7), or an
/// account. A target that is not in the caller's org is a 400 naming `field`, as a missing
/// one is.
async fn resolve(conn: &mut Conn, org: &str, field: &str, t: &AssociationTarget) -> StoreResult<Vec<Link>> {
    let missing = || reference_missing(field, t.kind, &t.id);
    if t.kind == ObjectKind::RevOrg {
        let local = t.id.local_in(org).ok_or_else(missing)?;
        let account = account_of_rev_org(conn, org, local).await?.ok_or_else(missing)?;
        Ok(vec![Link::rev_org(local), Link::account(account)])
    } else {
        let n = t.id.number_in(org).ok_or_else(missing)?;
        let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE dev_org_id = $1 AND id = $2")
            .bind(org)
            .bind(n)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
        found.ok_or_else(missing)?;
        Ok(vec![Link::account(n)])
    }
}

/// Adds memberships a contact does not have yet.
pub(super) async fn add_links(conn: &mut Conn, org: &str, user: i64, links: &[Link]) -> StoreResult<()> {
    for l in links {
        sqlx::query::<Db>(
            "INSERT INTO rev_user_associations (dev_org_id, user_id, target_kind, target_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(org)
        .bind(user)
        .bind(l.kind)
        .bind(&l.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// Forgets every membership of a contact that is gone.
pub(super) async fn forget_contact_links(conn: &mut Conn, org: &str, user: i64) -> StoreResult<()> {
    sqlx::query::<Db>("DELETE FROM rev_user_associations WHERE dev_org_id = $1 AND user_id = $2")
        .bind(org)
        .bind(user)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Forgets every membership of an account or rev org that is gone, answering the contacts
/// that had one.
pub(super) async fn forget_target_links(conn: &mut Conn, org: &str, link: &Link) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "DELETE FROM rev_user_associations WHERE dev_org_id = $1 AND target_kind = $2 AND target_id = $3 RETURNING \
         user_id",
    )
    .bind(org)
    .bind(link.kind)
    .bind(&link.id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Takes memberships away.
async fn remove_links(conn: &mut Conn, org: &str, user: i64, links: &[Link]) -> StoreResult<()> {
    for l in links {
        sqlx::query::<Db>(
            "DELETE FROM rev_user_associations WHERE dev_org_id = $1 AND user_id = $2 AND target_kind = $3 AND \
             target_id = $4",
        )
        .bind(org)
        .bind(user)
        .bind(l.kind)
        .bind(&l.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// The SQL expression of a contact's fallback workspace: its first rev-org association.
/// `{user}` is the contact's row alias.
pub(super) fn first_rev_org_of(user: &str) -> String {
    format!(
        "(SELECT MIN(x.target_id) FROM rev_user_associations x WHERE x.dev_org_id = {user}.dev_org_id AND x.user_id = \
         {user}.id AND x.target_kind = 'revo')"
    )
}

/// Restores the rule for the contacts `filter` selects (a condition on `users`, binding `$1`
/// the dev org and then its own parameters): a `rev_org` that is no longer an association
/// falls back to the first rev-org association, or to none. Answers how many moved.
pub(super) fn repair_primary_sql(filter: &str) -> String {
    format!(
        "UPDATE users SET rev_org_id = {first} WHERE dev_org_id = $1 AND kind = 'revu' AND {filter} AND (rev_org_id \
         IS NULL OR NOT EXISTS (SELECT 1 FROM rev_user_associations y WHERE y.dev_org_id = users.dev_org_id AND \
         y.user_id = users.id AND y.target_kind = 'revo' AND y.target_id = users.rev_org_id))",
        first = first_rev_org_of("users")
    )
}

/// Applies [`repair_primary_sql`] to one contact, stamping it when its `rev_org` moved.
async fn repair_primary(conn: &mut Conn, scope: &DevOrgScope, user: i64, now: Timestamp) -> StoreResult<()> {
    let moved = sqlx::query::<Db>(&repair_primary_sql("id = $2"))
        .bind(&scope.dev_org)
        .bind(user)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?
        .rows_affected();
    if moved > 0 {
        stamp(conn, scope, user, now).await?;
    }
    Ok(())
}

async fn stamp(conn: &mut Conn, scope: &DevOrgScope, user: i64, now: Timestamp) -> StoreResult<()> {
    sqlx::query::<Db>(
        "UPDATE users SET modified_by_kind = $3, modified_by_id = $4, modified_date = $5 WHERE dev_org_id = $1 AND \
         kind = 'revu' AND id = $2",
    )
    .bind(&scope.dev_org)
    .bind(user)
    .bind(code(scope.actor.kind))
    .bind(scope.actor.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Sets a contact's `rev_org`, which must be one of its associations already.
async fn set_primary(
    conn: &mut Conn,
    scope: &DevOrgScope,
    user: i64,
    rev_org: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query::<Db>("UPDATE users SET rev_org_id = $3 WHERE dev_org_id = $1 AND kind = 'revu' AND id = $2")
        .bind(&scope.dev_org)
        .bind(user)
        .bind(rev_org)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    stamp(conn, scope, user, now).await
}

/// A contact locked for a membership change, with its rendering before it.
struct Locked {
    n: i64,
    primary: Option<String>,
    before: Value,
}

async fn lock_contact(conn: &mut Conn, org: &str, id: &ParsedId) -> StoreResult<Locked> {
    let read = lock_user(conn, org, ObjectKind::RevUser, id).await?;
    let before = user_wire_before(conn, org, &read).await?;
    Ok(Locked { n: read.0.user.id, primary: read.0.rev_org, before })
}

/// Reads the contact back and journals it when its rendering changed.
async fn finish_contact(conn: &mut Conn, scope: &DevOrgScope, c: Locked, now: Timestamp) -> StoreResult<UserView> {
    let org = scope.dev_org.as_str();
    let view =
        user_view(conn, org, ObjectKind::RevUser, c.n).await?.ok_or_else(|| vanished(ObjectKind::RevUser, c.n))?;
    let after = user_wire(&view, org)?;
    if after != c.before {
        record_change(conn, scope, now, Change::updated(ObjectKind::RevUser, c.n, c.before, after)).await?;
    }
    Ok(view)
}

/// How association lists sort: by kind (accounts first), then id; the key is `kind:id`.
const ASSOCIATION_SORTING: Sorting<OrgSummaryData> = Sorting {
    cols: &[],
    id: SortCol {
        name: "id",
        expr: "(x.target_kind || ':' || x.target_id)",
        int: false,
        key: |r| Value::from(link_key(r)),
    },
};

fn link_key(r: &OrgSummaryData) -> String {
    let kind = if r.kind == ObjectKind::Account { ACCOUNT } else { REV_ORG };
    format!("{kind}:{}", r.id)
}

/// Loads the summaries of a page of `kind:id` keys.
struct LoadLinks<'a> {
    org: &'a str,
}

impl AsyncLoad<OrgSummaryData> for LoadLinks<'_> {
    async fn load(self, conn: &mut Conn, keys: Vec<String>) -> StoreResult<Vec<OrgSummaryData>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let Some((kind, id)) = key.split_once(':') else { continue };
            let (kind, name) = if kind == ACCOUNT {
                let name: Option<(String,)> =
                    sqlx::query_as("SELECT display_name FROM accounts WHERE dev_org_id = $1 AND id = $2")
                        .bind(self.org)
                        .bind(id.parse::<i64>().unwrap_or_default())
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(db_err)?;
                (ObjectKind::Account, name)
            } else {
                let name: Option<(String,)> =
                    sqlx::query_as("SELECT display_name FROM rev_orgs WHERE dev_org_id = $1 AND id = $2")
                        .bind(self.org)
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(db_err)?;
                (ObjectKind::RevOrg, name)
            };
            out.push(OrgSummaryData { kind, id: id.to_owned(), display_name: name.map(|(n,)| n) });
        }
        Ok(out)
    }
}

/// A contact's memberships, accounts first, each kind by id (the order lists use).
pub(super) async fn association_summaries(conn: &mut Conn, org: &str, user: i64) -> StoreResult<Vec<OrgSummaryData>> {
    let keys: Vec<(String,)> = sqlx::query_as(
        "SELECT (x.target_kind || ':' || x.target_id) AS k FROM rev_user_associations x WHERE x.dev_org_id = $1 AND \
         x.user_id = $2 ORDER BY k",
    )
    .bind(org)
    .bind(user)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    LoadLinks { org }.load(conn, keys.into_iter().map(|(k,)| k).collect()).await
}

/// Appends the `associations` filter of a contact list: a membership of any of them.
pub(super) fn filter_associations(sql: &mut Sql, user: &str, targets: Option<&Vec<(ObjectKind, String)>>) {
    let Some(targets) = targets else { return };
    let mut ors = Vec::new();
    for (kind, stored) in [(ObjectKind::RevOrg, REV_ORG), (ObjectKind::Account, ACCOUNT)] {
        let ids: Vec<String> = targets.iter().filter(|(k, _)| *k == kind).map(|(_, id)| id.clone()).collect();
        if !ids.is_empty() {
            let k = sql.text_arg(stored);
            let list = sql.text_list(&ids);
            ors.push(format!("(x.target_kind = {k} AND x.target_id IN ({list}))"));
        }
    }
    if ors.is_empty() {
        sql.push(" AND 1 = 0");
    } else {
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM rev_user_associations x WHERE x.dev_org_id = {user}.dev_org_id AND x.user_id = \
             {user}.id AND ({}))",
            ors.join(" OR ")
        ));
    }
}

#[async_trait]
impl AssociationStore for Backend {
    async fn add_associations(
        &self,
        scope: &DevOrgScope,
        change: AssociationChange,
        now: Timestamp,
    ) -> StoreResult<()> {
        let c = &change;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let contact = lock_contact(tx, org, &c.rev_user).await?;
                let mut links = Vec::new();
                for t in &c.targets {
                    links.extend(resolve(tx, org, "associated_to", t).await?);
                }
                add_links(tx, org, contact.n, &links).await?;
                // A contact in no workspace shows the first one it joins.
                if contact.primary.is_none() {
                    if let Some(first) = links.iter().find(|l| l.kind == REV_ORG) {
                        set_primary(tx, scope, contact.n, &first.id, now).await?;
                    }
                }
                finish_contact(tx, scope, contact, now).await.map(|_| ())
            })
        })
        .await
    }

    async fn list_associations(
        &self,
        scope: &DevOrgScope,
        rev_user: &ParsedId,
        page: PageRequest,
    ) -> StoreResult<Page<OrgSummaryData>> {
        let org = scope.dev_org.as_str();
        let n = number_or_404(org, ObjectKind::RevUser, rev_user)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let exists: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM users WHERE dev_org_id = $1 AND kind = 'revu' AND id = $2")
                .bind(org)
                .bind(n)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        if exists.is_none() {
            return Err(not_found(ObjectKind::RevUser, rev_user));
        }
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let u = sql.int_arg(n);
        sql.push(&format!(
            "SELECT (x.target_kind || ':' || x.target_id) FROM rev_user_associations x WHERE x.dev_org_id = {o} AND \
             x.user_id = {u}"
        ));
        list_page(&mut tx, &sql, &ASSOCIATION_SORTING, |v: &OrgSummaryData| v, &page, LoadLinks { org }).await
    }

    async fn remove_associations(
        &self,
        scope: &DevOrgScope,
        change: AssociationChange,
        now: Timestamp,
    ) -> StoreResult<()> {
        let c = &change;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let contact = lock_contact(tx, org, &c.rev_user).await?;
                // Ids of other orgs name no membership this contact can have: removing them
                // changes nothing, as removing one it does not have.
                let links: Vec<Link> = c
                    .targets
                    .iter()
                    .filter_map(|t| match t.kind {
                        ObjectKind::RevOrg => t.id.local_in(org).map(Link::rev_org),
                        _ => t.id.number_in(org).map(Link::account),
                    })
                    .collect();
                remove_links(tx, org, contact.n, &links).await?;
                repair_primary(tx, scope, contact.n, now).await?;
                finish_contact(tx, scope, contact, now).await.map(|_| ())
            })
        })
        .await
    }

    async fn link_rev_org(&self, scope: &DevOrgScope, link: RevOrgLink, now: Timestamp) -> StoreResult<UserView> {
        let l = &link;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let contact = lock_contact(tx, org, &l.rev_user).await?;
                let target = AssociationTarget { kind: ObjectKind::RevOrg, id: l.rev_org.clone() };
                let links = resolve(tx, org, "rev_org", &target).await?;
                add_links(tx, org, contact.n, &links).await?;
                if contact.primary.as_deref() != Some(links[0].id.as_str()) {
                    set_primary(tx, scope, contact.n, &links[0].id, now).await?;
                }
                finish_contact(tx, scope, contact, now).await
            })
        })
        .await
    }

    async fn unlink_rev_org(&self, scope: &DevOrgScope, link: RevOrgLink, now: Timestamp) -> StoreResult<UserView> {
        let l = &link;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let contact = lock_contact(tx, org, &l.rev_user).await?;
                let missing = || reference_missing("rev_org", ObjectKind::RevOrg, &l.rev_org);
                let local = l.rev_org.local_in(org).ok_or_else(missing)?;
                if account_of_rev_org(tx, org, local).await?.is_none() {
                    return Err(missing());
                }
                remove_links(tx, org, contact.n, &[Link::rev_org(local)]).await?;
                repair_primary(tx, scope, contact.n, now).await?;
                finish_contact(tx, scope, contact, now).await
            })
        })
        .await
    }
}
