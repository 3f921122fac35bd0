//! Auth tokens (§8.5): `TokenStore`, the signing key, token records and the subjects a
//! minted token may need (service accounts, a session's contact).

use super::accounts::account_wire;
use super::associations::{account_of_rev_org, add_links, Link};
use super::dev_users::revoke_all;
use super::journal::{record_change, wire, Change};
use super::rev_orgs::rev_org_view;
use super::*;

#[async_trait]
impl TokenStore for Backend {
    async fn signing_key(&self, fresh: Vec<u8>) -> StoreResult<Vec<u8>> {
        let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
        let hex = hex.as_str();
        let stored: String = self
            .write(|tx| {
                Box::pin(async move {
                    sqlx::query::<Db>(
                        "INSERT INTO server_settings (name, value) VALUES ('jwt_signing_key', $1) ON CONFLICT \
                         (name) DO NOTHING",
                    )
                    .bind(hex)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                    let (value,): (String,) = sqlx::query_as::<Db, (String,)>(
                        "SELECT value FROM server_settings WHERE name = 'jwt_signing_key'",
                    )
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db_err)?;
                    Ok(value)
                })
            })
            .await?;
        (0..stored.len())
            .step_by(2)
            .map(|i| stored.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| StoreError::Internal(anyhow::anyhow!("stored signing key is not hex")))
    }

    async fn insert_token(&self, t: &TokenRecord) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                sqlx::query::<Db>(
                    "INSERT INTO auth_tokens (jti, dev_org_id, subject_kind, subject_id, token_type, issued_at, \
                     expires_at, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&t.jti)
                .bind(&t.dev_org)
                .bind(code(t.subject.kind))
                .bind(t.subject.id)
                .bind(&t.token_type)
                .bind(t.issued_at.millis())
                .bind(t.expires_at.map(Timestamp::millis))
                .bind(t.revoked)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn token(&self, dev_org: &str, jti: &str) -> StoreResult<Option<(TokenRecord, Option<UserSummaryData>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            jti: String,
            dev_org_id: String,
            subject_kind: String,
            subject_id: i64,
            token_type: String,
            issued_at: i64,
            expires_at: Option<i64>,
            revoked: bool,
            subject_json: Option<String>,
        }
        let sql = token_check_sql();
        let read = || async {
            let mut conn = self.fast_read().await?;
            let row: Option<Row> =
                sqlx::query_as::<Db, Row>(sql).bind(jti).bind(dev_org).fetch_optional(&mut *conn).await?;
            conn.release();
            Ok::<_, sqlx::Error>(row)
        };
        // Every request runs this read first, so after a database restart it is the one to
        // meet a dead idle connection: a read is safe to run again, once, on a fresh one (the
        // failed one is closed, and the outage noted makes the next acquire ping idle ones).
        let row = match read().await {
            Err(e) if fault_of(&e) == Fault::Outage => {
                tracing::debug!(error = %e, "token check: connection lost, reading again");
                crate::fault::note_outage();
                read().await
            }
            other => other,
        }
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let Some(kind) = ObjectKind::from_don_type(&r.subject_kind) else { return Ok(None) };
        let subject = UserRef { kind, id: r.subject_id };
        let summary = summary_from_json(Some(subject), r.subject_json.as_deref())?;
        Ok(Some((
            TokenRecord {
                jti: r.jti,
                dev_org: r.dev_org_id,
                subject,
                token_type: r.token_type,
                issued_at: Timestamp::from_millis(r.issued_at),
                expires_at: r.expires_at.map(Timestamp::from_millis),
                revoked: r.revoked,
            },
            summary,
        )))
    }

    // Token metadata (§8.5): implemented with the dev-user section at the end of this file.

    async fn issue_token(
        &self,
        scope: &DevOrgScope,
        issue: tok::TokenIssue,
        now: Timestamp,
    ) -> StoreResult<tok::IssuedSubject> {
        let issue = &issue;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let actor = scope.actor;
                let (user, rev_org, client_id) = match &issue.grant {
                    tok::TokenGrant::Pat => (actor, None, None),
                    tok::TokenGrant::Sys { act_as } => {
                        let n = match act_as {
                            Some(p) => {
                                p.number_in(org).ok_or_else(|| reference_missing("act_as", ObjectKind::SysUser, p))?
                            }
                            None if actor.kind == ObjectKind::SysUser => actor.id,
                            // The built-in `devrev-bot`.
                            None => 1,
                        };
                        let missing = || match act_as {
                            Some(p) => reference_missing("act_as", ObjectKind::SysUser, p),
                            None => unknown_ref("act_as", "the sys user devrev-bot"),
                        };
                        user_state(tx, org, ObjectKind::SysUser, n).await?.ok_or_else(missing)?;
                        (UserRef { kind: ObjectKind::SysUser, id: n }, None, None)
                    }
                    tok::TokenGrant::Aat { client_id, act_as } => match act_as {
                        Some(p) => {
                            let n = p
                                .number_in(org)
                                .ok_or_else(|| reference_missing("act_as", ObjectKind::ServiceAccount, p))?;
                            let cid: Option<(Option<String>,)> = sqlx::query_as::<Db, (Option<String>,)>(
                                "SELECT external_ref FROM users WHERE dev_org_id = $1 AND kind = $2 AND id = $3",
                            )
                            .bind(org)
                            .bind(code(ObjectKind::ServiceAccount))
                            .bind(n)
                            .fetch_optional(&mut **tx)
                            .await
                            .map_err(db_err)?;
                            let (cid,) =
                                cid.ok_or_else(|| reference_missing("act_as", ObjectKind::ServiceAccount, p))?;
                            if client_id.as_ref().is_some_and(|c| Some(c) != cid.as_ref()) {
                                return Err(StoreError::Invalid(ValidationError::not_permitted(
                                    "client_id",
                                    "the service account belongs to another client_id",
                                )));
                            }
                            (UserRef { kind: ObjectKind::ServiceAccount, id: n }, None, cid)
                        }
                        None => {
                            let cid = client_id.clone().unwrap_or_else(|| format!("revdir-app-{}", random_alnum(16)));
                            let user = service_account(tx, org, actor, &cid, now).await.map_err(raced)?;
                            (user, None, Some(cid))
                        }
                    },
                    tok::TokenGrant::Session(info) => {
                        let (user, rev_org) = provision_session(tx, scope, info, now).await.map_err(raced)?;
                        (user, rev_org, None)
                    }
                };
                let subject_don = tok::subject_don(org, user, rev_org.as_deref());
                sqlx::query::<Db>(
                    "INSERT INTO auth_tokens (jti, dev_org_id, subject_kind, subject_id, token_type, issued_at, \
                     expires_at, revoked, subject_don, client_id, scopes, token_hint, created_by_kind, \
                     created_by_id, modified_by_kind, modified_by_id, modified_date) VALUES ($1, $2, $3, $4, $5, \
                     $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $14, $6)",
                )
                .bind(&issue.jti)
                .bind(org)
                .bind(code(user.kind))
                .bind(user.id)
                .bind(issue.grant.kind().code())
                .bind(issue.issued_at.millis())
                .bind(issue.expires_at.millis())
                .bind(false)
                .bind(&subject_don)
                .bind(&client_id)
                .bind(to_json(&issue.scopes))
                .bind(&issue.hint)
                .bind(code(actor.kind))
                .bind(actor.id)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                Ok(tok::IssuedSubject { user, rev_org, client_id, subject_don })
            })
        })
        .await
    }

    async fn get_token(&self, scope: &DevOrgScope, jti: &ParsedId) -> StoreResult<tok::TokenView> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        fetch_token(&mut tx, &scope.dev_org, jti, false).await
    }

    async fn list_tokens(&self, scope: &DevOrgScope, filter: &tok::TokenFilter) -> StoreResult<Vec<tok::TokenView>> {
        self.list_tokens_in(scope, filter).await
    }

    async fn update_token_hint(
        &self,
        scope: &DevOrgScope,
        jti: &ParsedId,
        hint: Option<String>,
        now: Timestamp,
    ) -> StoreResult<tok::TokenView> {
        let id = jti;
        let hint = hint.as_deref();
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let before = fetch_token(tx, org, id, true).await?;
                let mut sql = Sql::new("UPDATE auth_tokens SET ");
                let by = touch(&mut sql, scope.actor, now);
                let h = text_or_null(&mut sql, hint);
                let o = sql.text_arg(org);
                let j = sql.text_arg(&before.meta.jti);
                sql.push(&format!("{by}, token_hint = {h} WHERE dev_org_id = {o} AND jti = {j}"));
                sql.execute(tx).await?;
                let view = fetch_token(tx, org, id, false).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn revoke_token(&self, scope: &DevOrgScope, jti: &ParsedId, now: Timestamp) -> StoreResult<()> {
        let id = jti;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let t = fetch_token(tx, org, id, true).await?;
                if !t.meta.revoked {
                    let mut sql = Sql::new("UPDATE auth_tokens SET ");
                    let by = touch(&mut sql, scope.actor, now);
                    let r = sql.arg(Arg::Bool(true));
                    let o = sql.text_arg(org);
                    let j = sql.text_arg(&t.meta.jti);
                    sql.push(&format!("{by}, revoked = {r} WHERE dev_org_id = {o} AND jti = {j}"));
                    sql.execute(tx).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn revoke_tokens_of(
        &self,
        scope: &DevOrgScope,
        subject: UserRef,
        kind: Option<tok::TokenKind>,
        now: Timestamp,
    ) -> StoreResult<u64> {
        self.write(|tx| {
            Box::pin(async move {
                let n = revoke_all(tx, &scope.dev_org, subject, kind, scope.actor, now).await?;
                Ok(n)
            })
        })
        .await
    }
}

/// The token check every request makes: one statement, so no transaction round trips
/// around it, which also brings the subject's summary for the writes the request may make.
/// Binds `$1` the token id (jti) and `$2` the dev org.
pub(super) fn token_check_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT t.jti, t.dev_org_id, t.subject_kind, t.subject_id, t.token_type, t.issued_at, t.expires_at, \
             t.revoked, {} AS subject_json FROM auth_tokens t WHERE t.jti = $1 AND t.dev_org_id = $2",
            summary_json_subquery("t.dev_org_id", "t.subject_kind", "t.subject_id")
        )
    })
}

pub(super) const TOKEN_COLS: &str = "jti, subject_kind, subject_id, subject_don, token_type, client_id, scopes, \
    token_hint, issued_at, expires_at, revoked, created_by_kind, created_by_id, modified_by_kind, modified_by_id, \
    modified_date";

#[derive(sqlx::FromRow)]
pub(super) struct TokenRow {
    pub(super) jti: String,
    pub(super) subject_kind: String,
    pub(super) subject_id: i64,
    pub(super) subject_don: Option<String>,
    pub(super) token_type: String,
    pub(super) client_id: Option<String>,
    pub(super) scopes: String,
    pub(super) token_hint: Option<String>,
    pub(super) issued_at: i64,
    pub(super) expires_at: Option<i64>,
    pub(super) revoked: bool,
    pub(super) created_by_kind: Option<String>,
    pub(super) created_by_id: Option<i64>,
    pub(super) modified_by_kind: Option<String>,
    pub(super) modified_by_id: Option<i64>,
    pub(super) modified_date: Option<i64>,
}

impl TokenRow {
    pub(super) fn into_meta(self, org: &str) -> Option<tok::TokenMeta> {
        let subject = UserRef { kind: ObjectKind::from_don_type(&self.subject_kind)?, id: self.subject_id };
        Some(tok::TokenMeta {
            subject_don: self.subject_don.unwrap_or_else(|| don(subject.kind, org, subject.id)),
            subject,
            jti: self.jti,
            kind: tok::TokenKind::from_code(&self.token_type),
            client_id: self.client_id,
            scopes: json_list(&self.scopes),
            token_hint: self.token_hint,
            issued_at: Timestamp::from_millis(self.issued_at),
            expires_at: self.expires_at.map(Timestamp::from_millis),
            revoked: self.revoked,
            created_by: user_ref(self.created_by_kind, self.created_by_id),
            modified_by: user_ref(self.modified_by_kind, self.modified_by_id),
            modified_date: self.modified_date.map(Timestamp::from_millis),
        })
    }
}

pub(super) async fn token_views(conn: &mut Conn, org: &str, rows: Vec<TokenRow>) -> StoreResult<Vec<tok::TokenView>> {
    let metas: Vec<tok::TokenMeta> = rows.into_iter().filter_map(|r| r.into_meta(org)).collect();
    let refs: Vec<UserRef> = metas.iter().flat_map(|m| [m.created_by, m.modified_by]).flatten().collect();
    let summaries = user_summaries(conn, org, refs).await?;
    Ok(metas
        .into_iter()
        .map(|meta| tok::TokenView {
            created_by: meta.created_by.and_then(|u| summaries.get(&u).cloned()),
            modified_by: meta.modified_by.and_then(|u| summaries.get(&u).cloned()),
            meta,
        })
        .collect())
}

pub(super) fn token_not_found(id: &ParsedId) -> StoreError {
    StoreError::not_found("auth token", &id.local)
}

pub(super) async fn fetch_token(conn: &mut Conn, org: &str, id: &ParsedId, lock: bool) -> StoreResult<tok::TokenView> {
    let jti = id.local_in(org).ok_or_else(|| token_not_found(id))?;
    let lock = if lock { FOR_UPDATE } else { "" };
    let row: Option<TokenRow> = sqlx::query_as::<Db, TokenRow>(&format!(
        "SELECT {TOKEN_COLS} FROM auth_tokens WHERE dev_org_id = $1 AND jti = $2{lock}"
    ))
    .bind(org)
    .bind(jti)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    let row = row.ok_or_else(|| token_not_found(id))?;
    token_views(conn, org, vec![row]).await?.into_iter().next().ok_or_else(|| token_not_found(id))
}

/// The object an external ref of `namespace` names in the org.
pub(super) async fn ref_holder(
    conn: &mut Conn,
    org: &str,
    namespace: ObjectKind,
    value: &str,
) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as::<Db, (String,)>(
        "SELECT object_id FROM external_refs WHERE dev_org_id = $1 AND namespace = $2 AND value = $3",
    )
    .bind(org)
    .bind(code(namespace))
    .bind(value)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(|(id,)| id))
}

/// The state of a user, when it exists.
pub(super) async fn user_state(
    conn: &mut Conn,
    org: &str,
    kind: ObjectKind,
    id: i64,
) -> StoreResult<Option<(String, Option<String>)>> {
    sqlx::query_as::<Db, (String, Option<String>)>(
        "SELECT state, rev_org_id FROM users WHERE dev_org_id = $1 AND kind = $2 AND id = $3",
    )
    .bind(org)
    .bind(code(kind))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)
}

pub(super) fn unknown_ref(field: &str, what: &str) -> StoreError {
    StoreError::Invalid(ValidationError::not_permitted(field, format!("{what} does not exist")))
}

/// A workspace a session token's provisioning creates.
pub(super) struct SessionWorkspace<'a> {
    pub(super) account: i64,
    /// Used when the traits name none.
    pub(super) display_name: &'a str,
    pub(super) external_ref: &'a str,
    pub(super) traits: &'a tok::WorkspaceTraits,
    pub(super) is_default: bool,
}

/// Inserts a workspace for a session's `workspace_ref` (or an account's default workspace,
/// whose external ref is the account's DON as with `accounts.create`).
pub(super) async fn insert_session_workspace(
    conn: &mut Conn,
    org: &str,
    actor: UserRef,
    w: SessionWorkspace<'_>,
    now: Timestamp,
) -> StoreResult<String> {
    let SessionWorkspace { account, display_name, external_ref, traits, is_default } = w;
    let id = org_random(conn, org, 8).await?;
    claim_refs(conn, org, ObjectKind::RevOrg, &id, &[external_ref.to_owned()], "rev_info.workspace_ref").await?;
    sqlx::query::<Db>(
        "INSERT INTO rev_orgs (dev_org_id, id, account_id, is_default, display_name, description, external_ref, \
         tier, created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9, $10, $11)",
    )
    .bind(org)
    .bind(&id)
    .bind(account)
    .bind(is_default)
    .bind(traits.display_name.as_deref().unwrap_or(display_name))
    .bind(&traits.description)
    .bind(external_ref)
    .bind(&traits.tier)
    .bind(code(actor.kind))
    .bind(actor.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

/// Finds or creates the rev user a session token is for (§8.5), with its account and
/// workspace; returns the user and its workspace.
pub(super) async fn provision_session(
    conn: &mut Conn,
    scope: &DevOrgScope,
    info: &tok::SessionInfo,
    now: Timestamp,
) -> StoreResult<(UserRef, Option<String>)> {
    let (org, actor) = (scope.dev_org.as_str(), scope.actor);
    if let Some(uid) = &info.user_id {
        let n = uid.number_in(org).ok_or_else(|| reference_missing("rev_info.user_id", ObjectKind::RevUser, uid))?;
        let (_, rev_org) = user_state(conn, org, ObjectKind::RevUser, n)
            .await?
            .ok_or_else(|| reference_missing("rev_info.user_id", ObjectKind::RevUser, uid))?;
        return Ok((UserRef { kind: ObjectKind::RevUser, id: n }, rev_org));
    }
    let user_ref = info.user_ref.as_deref().unwrap_or_default();
    if let Some(holder) = ref_holder(conn, org, ObjectKind::RevUser, user_ref).await? {
        let n: i64 = holder.parse().map_err(|_| vanished(ObjectKind::RevUser, &holder))?;
        let (_, rev_org) =
            user_state(conn, org, ObjectKind::RevUser, n).await?.ok_or_else(|| vanished(ObjectKind::RevUser, n))?;
        return Ok((UserRef { kind: ObjectKind::RevUser, id: n }, rev_org));
    }
    // A new contact: its account and workspace are found by external ref, or created.
    let mut created_account = false;
    let mut created_workspace = false;
    let account = match &info.account_ref {
        None => None,
        Some(r) => match ref_holder(conn, org, ObjectKind::Account, r).await? {
            Some(id) => Some(id.parse::<i64>().map_err(|_| vanished(ObjectKind::Account, &id))?),
            None => {
                let id = next_id(conn, org, code(ObjectKind::Account)).await?;
                claim_refs(
                    conn,
                    org,
                    ObjectKind::Account,
                    &id.to_string(),
                    std::slice::from_ref(r),
                    "rev_info.account_ref",
                )
                .await?;
                let name = info.account.display_name.as_deref().unwrap_or(r);
                let owners: Vec<String> =
                    if actor.kind == ObjectKind::DevUser { vec![actor.id.to_string()] } else { Vec::new() };
                sqlx::query::<Db>(
                    "INSERT INTO accounts (dev_org_id, id, display_name, domains, external_refs, owned_by, \
                     created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $8, $9)",
                )
                .bind(org)
                .bind(id)
                .bind(name)
                .bind(to_json(&info.account.domains))
                .bind(to_json(std::slice::from_ref(r)))
                .bind(to_json(&owners))
                .bind(code(actor.kind))
                .bind(actor.id)
                .bind(now.millis())
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
                created_account = true;
                Some(id)
            }
        },
    };
    let workspace = match (&info.workspace_ref, account) {
        (Some(w), account) => match ref_holder(conn, org, ObjectKind::RevOrg, w).await? {
            Some(ws) => {
                if let Some(a) = account {
                    let owner: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>(
                        "SELECT account_id FROM rev_orgs WHERE dev_org_id = $1 AND id = $2",
                    )
                    .bind(org)
                    .bind(&ws)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_err)?;
                    if owner.is_some_and(|(o,)| o != a) {
                        return Err(StoreError::Invalid(ValidationError::not_permitted(
                            "rev_info.workspace_ref",
                            "the workspace belongs to another account",
                        )));
                    }
                }
                Some(ws)
            }
            None => match account {
                // A new account's default workspace takes the workspace ref.
                Some(a) => {
                    let ws = SessionWorkspace {
                        account: a,
                        display_name: w,
                        external_ref: w,
                        traits: &info.workspace,
                        is_default: created_account,
                    };
                    created_workspace = true;
                    Some(insert_session_workspace(conn, org, actor, ws, now).await?)
                }
                None => {
                    return Err(unknown_ref(
                        "rev_info.workspace_ref",
                        "a workspace with this external ref (give account_ref to create it)",
                    ))
                }
            },
        },
        (None, Some(a)) => match default_rev_org_of(conn, org, a).await? {
            Some(ws) => Some(ws),
            None => {
                let a_don = don(ObjectKind::Account, org, a);
                let name =
                    info.account.display_name.clone().unwrap_or_else(|| info.account_ref.clone().unwrap_or_default());
                let traits = tok::WorkspaceTraits::default();
                let ws = SessionWorkspace {
                    account: a,
                    display_name: &name,
                    external_ref: &a_don,
                    traits: &traits,
                    is_default: true,
                };
                created_workspace = true;
                Some(insert_session_workspace(conn, org, actor, ws, now).await?)
            }
        },
        (None, None) => None,
    };
    let id = next_id(conn, org, code(ObjectKind::RevUser)).await?;
    claim_refs(conn, org, ObjectKind::RevUser, &id.to_string(), &[user_ref.to_owned()], "rev_info.user_ref").await?;
    let t = &info.user;
    let phones: Vec<String> = t.phone_numbers.iter().map(|p| p.as_str().to_owned()).collect();
    let email = t.email.as_ref().map(|e| e.as_str().to_owned());
    sqlx::query::<Db>(
        "INSERT INTO users (dev_org_id, kind, id, display_name, full_name, email, email_lower, phone_numbers, \
         state, description, external_ref, external_refs, is_verified, rev_org_id, created_by_kind, created_by_id, \
         created_date, modified_by_kind, modified_by_id, modified_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, $16, $17, $15, $16, $17)",
    )
    .bind(org)
    .bind(code(ObjectKind::RevUser))
    .bind(id)
    .bind(&t.display_name)
    .bind(&t.full_name)
    .bind(&email)
    .bind(email.as_ref().map(|e| e.to_lowercase()))
    .bind(to_json(&phones))
    .bind(state_name(revdir_core::api::common::UserState::Active))
    .bind(&t.description)
    .bind(user_ref)
    .bind(to_json(&[user_ref.to_owned()]))
    // A contact a session provisions exists on its caller's word: it is unverified
    // (API-CONVENTIONS entry 95), so §7's merge rule keeps it out of verified ones.
    .bind(false)
    .bind(&workspace)
    .bind(code(actor.kind))
    .bind(actor.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    if let Some(ws) = &workspace {
        let account = account_of_rev_org(conn, org, ws).await?;
        let links: Vec<Link> = std::iter::once(Link::rev_org(ws)).chain(account.map(Link::account)).collect();
        add_links(conn, org, id, &links).await?;
    }
    // What a session provisioned is journaled, and emits its events, like any create.
    if let (true, Some(a)) = (created_account, account) {
        let after = account_wire(conn, org, a).await?;
        record_change(conn, scope, now, Change::created(ObjectKind::Account, a, after)).await?;
    }
    if let (true, Some(ws)) = (created_workspace, &workspace) {
        let view = rev_org_view(conn, org, ws).await?.ok_or_else(|| vanished(ObjectKind::RevOrg, ws))?;
        record_change(conn, scope, now, Change::created(ObjectKind::RevOrg, ws, wire(&view.render(org))?)).await?;
    }
    let view = user_view(conn, org, ObjectKind::RevUser, id).await?.ok_or_else(|| vanished(ObjectKind::RevUser, id))?;
    record_change(conn, scope, now, Change::created(ObjectKind::RevUser, id, wire(&view.render_rev_user(org))?))
        .await?;
    Ok((UserRef { kind: ObjectKind::RevUser, id }, workspace))
}

/// Finds the service account of an application (by client id), creating it when new.
pub(super) async fn service_account(
    conn: &mut Conn,
    org: &str,
    actor: UserRef,
    client_id: &str,
    now: Timestamp,
) -> StoreResult<UserRef> {
    let k = code(ObjectKind::ServiceAccount);
    // The client id is registered like an external ref, so two nodes racing to create the
    // same application's account cannot both succeed (see `issue_token`).
    if let Some(holder) = ref_holder(conn, org, ObjectKind::ServiceAccount, client_id).await? {
        let id = holder.parse().map_err(|_| vanished(ObjectKind::ServiceAccount, &holder))?;
        return Ok(UserRef { kind: ObjectKind::ServiceAccount, id });
    }
    let id = next_id(conn, org, k).await?;
    claim_refs(conn, org, ObjectKind::ServiceAccount, &id.to_string(), &[client_id.to_owned()], "client_id").await?;
    sqlx::query::<Db>(
        "INSERT INTO users (dev_org_id, kind, id, display_name, state, external_ref, is_verified, created_by_kind, \
         created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) VALUES ($1, $2, $3, $4, $5, \
         $4, $6, $7, $8, $9, $7, $8, $9)",
    )
    .bind(org)
    .bind(k)
    .bind(id)
    .bind(client_id)
    .bind(state_name(revdir_core::api::common::UserState::Active))
    .bind(true)
    .bind(code(actor.kind))
    .bind(actor.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(UserRef { kind: ObjectKind::ServiceAccount, id })
}

/// Provisioning looks every external ref up before it claims one, so a claim that still
/// clashes lost a race with a concurrent mint: retried (`Backend::write`), it finds the winner's row.
pub(super) fn raced(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(m) => StoreError::Unavailable(format!("concurrent provisioning: {m}")),
        other => other,
    }
}

impl Backend {
    pub(super) async fn list_tokens_in(
        &self,
        scope: &DevOrgScope,
        f: &tok::TokenFilter,
    ) -> StoreResult<Vec<tok::TokenView>> {
        let org = scope.dev_org.as_str();
        let (Some(subject), None | Some(Ok(_))) = (f.subject, f.kind) else { return Ok(Vec::new()) };
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        let k = sql.text_arg(code(subject.kind));
        let i = sql.int_arg(subject.id);
        sql.push(&format!(
            "SELECT {TOKEN_COLS} FROM auth_tokens WHERE dev_org_id = {o} AND subject_kind = {k} AND subject_id = {i}"
        ));
        if let Some(c) = &f.client_id {
            let c = sql.text_arg(c);
            sql.push(&format!(" AND client_id = {c}"));
        }
        if let Some(Ok(kind)) = f.kind {
            let t = sql.text_arg(kind.code());
            sql.push(&format!(" AND token_type = {t}"));
        }
        sql.push(" ORDER BY issued_at, jti");
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let rows: Vec<TokenRow> = sql.query_as().fetch_all(&mut *tx).await.map_err(db_err)?;
        token_views(&mut tx, org, rows).await
    }

    pub(super) async fn user_summary_of(&self, scope: &DevOrgScope, user: UserRef) -> StoreResult<UserSummaryData> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        user_summaries(&mut tx, &scope.dev_org, [user])
            .await?
            .remove(&user)
            .ok_or_else(|| StoreError::not_found(user.kind.noun(), &don(user.kind, &scope.dev_org, user.id)))
    }
}
