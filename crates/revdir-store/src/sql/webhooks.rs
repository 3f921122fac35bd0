//! Webhooks (§8.7): `WebhookStore`, the subscriptions that mirror each webhook's event types,
//! and the delivery rows this side queues for the delivery worker (verify challenges and
//! `webhooks.fetch`).

use revdir_core::webhooks::{
    fetched_event, Header, WebhookDraft, WebhookEventType, WebhookFetch, WebhookPatch, WebhookRecord, WebhookStatus,
    WebhookView, GENERATED_SECRET_LEN,
};

use super::accounts::account_view;
use super::dev_users::dev_user_view;
use super::journal::{record_change, wire, Change};
use super::rev_orgs::rev_org_view;
use super::tags::tag_view;
use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct WebhookRow {
    id: String,
    url: String,
    secret: String,
    status: String,
    event_types: String,
    headers: String,
    #[sqlx(flatten)]
    stamps: StampRow,
}

const WEBHOOK_COLS: &str = "id, url, secret, status, event_types, headers, created_by_kind, created_by_id, \
    created_date, modified_by_kind, modified_by_id, modified_date";

impl WebhookRow {
    fn split(self) -> StoreResult<(WebhookRecord, Option<UserRef>, Option<UserRef>)> {
        let id = self.id.parse().map_err(|_| anyhow::anyhow!("webhook id {:?} is not a number", self.id))?;
        // A name this build does not know is dropped from the view rather than failing the
        // read; the subscription rows still hold it.
        let event_types = json_list(&self.event_types).iter().filter_map(|t| WebhookEventType::from_name(t)).collect();
        let headers: Vec<Header> = serde_json::from_str(&self.headers)
            .map_err(|e| anyhow::anyhow!("headers of webhook {id} are not a JSON list of headers: {e}"))?;
        Ok((
            WebhookRecord {
                id,
                url: self.url,
                secret: self.secret,
                status: WebhookStatus::from_stored(&self.status),
                event_types,
                headers,
                created_date: self.stamps.created_date(),
                modified_date: self.stamps.modified_date(),
            },
            self.stamps.created_by(),
            self.stamps.modified_by(),
        ))
    }
}

fn types_json(types: &[WebhookEventType]) -> String {
    to_json(&types.iter().map(|t| t.as_str().to_owned()).collect::<Vec<_>>())
}

fn headers_json(headers: &[Header]) -> StoreResult<String> {
    serde_json::to_string(headers).map_err(|e| StoreError::Internal(e.into()))
}

/// Webhooks of `org` with their users' summaries: the one named `only`, or all of them in
/// creation order.
async fn load_webhooks(conn: &mut Conn, org: &str, only: Option<i64>) -> StoreResult<Vec<WebhookView>> {
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    sql.push(&format!("SELECT {WEBHOOK_COLS} FROM webhooks WHERE dev_org_id = {o}"));
    if let Some(id) = only {
        let i = sql.text_arg(&id.to_string());
        sql.push(&format!(" AND id = {i}"));
    }
    sql.push(" ORDER BY CAST(id AS BIGINT)");
    let rows: Vec<WebhookRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let split = rows.into_iter().map(WebhookRow::split).collect::<StoreResult<Vec<_>>>()?;
    let summaries =
        user_summaries(conn, org, split.iter().flat_map(|(_, c, m)| [*c, *m]).flatten().collect::<Vec<_>>()).await?;
    Ok(split
        .into_iter()
        .map(|(webhook, c, m)| WebhookView {
            created_by: c.and_then(|u| summaries.get(&u).cloned()),
            modified_by: m.and_then(|u| summaries.get(&u).cloned()),
            webhook,
        })
        .collect())
}

/// One webhook's view.
pub(super) async fn webhook_view(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Option<WebhookView>> {
    Ok(load_webhooks(conn, org, Some(id)).await?.into_iter().next())
}

/// One webhook as its wire `webhook` object (JSON) for the change journal and the
/// `webhook_*` events, with its secret left out (`""`): the journal keeps copies for as long
/// as it keeps entries, and events go to other endpoints.
pub(super) async fn webhook_wire(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Value> {
    let view = webhook_view(conn, org, id).await?.ok_or_else(|| vanished(ObjectKind::Webhook, id))?;
    let mut rendered = wire(&view.render(org))?;
    if let Some(secret) = rendered.get_mut("secret") {
        *secret = Value::String(String::new());
    }
    Ok(rendered)
}

async fn lock_webhook(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Option<WebhookRecord>> {
    let row = sqlx::query_as::<Db, WebhookRow>(&format!(
        "SELECT {WEBHOOK_COLS} FROM webhooks WHERE dev_org_id = $1 AND id = $2{FOR_UPDATE}"
    ))
    .bind(org)
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(row.map(WebhookRow::split).transpose()?.map(|(w, _, _)| w))
}

/// Rewrites a webhook's subscriptions from its event types, so the write that emits an
/// event finds its subscribers by `(dev_org_id, event_type)`.
async fn write_subscriptions(conn: &mut Conn, org: &str, id: i64, types: &[WebhookEventType]) -> StoreResult<()> {
    let id = id.to_string();
    sqlx::query::<Db>("DELETE FROM webhook_subscriptions WHERE dev_org_id = $1 AND webhook_id = $2")
        .bind(org)
        .bind(&id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    if types.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("INSERT INTO webhook_subscriptions (dev_org_id, webhook_id, event_type) VALUES ");
    for (i, t) in types.iter().enumerate() {
        let (o, w, e) = (sql.text_arg(org), sql.text_arg(&id), sql.text_arg(t.as_str()));
        sql.push(&format!("{}({o}, {w}, {e})", if i == 0 { "" } else { ", " }));
    }
    sql.execute(conn).await?;
    Ok(())
}

/// Marks a webhook's pending verify challenges `superseded`, so the worker sends none of
/// them: a newer challenge replaces them, or the webhook was turned off or deleted.
async fn supersede_verifies(conn: &mut Conn, org: &str, webhook: i64) -> StoreResult<()> {
    sqlx::query::<Db>(
        "UPDATE webhook_deliveries SET state = 'superseded' WHERE dev_org_id = $1 AND webhook_id = $2 AND \
         event_type = 'verify' AND state = 'pending'",
    )
    .bind(org)
    .bind(webhook.to_string())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Queues a delivery for the worker, due at once.
async fn enqueue(
    conn: &mut Conn,
    org: &str,
    webhook: i64,
    event: (&str, &str),
    payload: &Value,
    now: Timestamp,
) -> StoreResult<()> {
    let (kind, event_type) = event;
    let event_id =
        format!("{}:event/{kind}-{}", don(ObjectKind::Webhook, org, webhook), org_random(conn, org, 16).await?);
    sqlx::query::<Db>(
        "INSERT INTO webhook_deliveries (dev_org_id, webhook_id, change_id, event_id, event_type, payload, state, \
         attempts, fence, next_attempt_at, created_at) VALUES ($1, $2, NULL, $3, $4, $5, 'pending', 0, 0, $6, $6)",
    )
    .bind(org)
    .bind(webhook.to_string())
    .bind(event_id)
    .bind(event_type)
    .bind(payload.to_string())
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Queues a new verify challenge for a webhook (§8.7), superseding its pending ones: run
/// when a webhook is created or must prove its endpoint again. The worker sends it and turns
/// the webhook `active` when the endpoint echoes the challenge.
pub(super) async fn enqueue_verify(conn: &mut Conn, org: &str, webhook: i64, now: Timestamp) -> StoreResult<()> {
    supersede_verifies(conn, org, webhook).await?;
    let payload = serde_json::json!({ "challenge": org_random(conn, org, 32).await? });
    enqueue(conn, org, webhook, ("verify", "verify"), &payload, now).await
}

/// The wire JSON of an object `webhooks.fetch` delivers, or `None` when the org has no such
/// object.
async fn fetched_object(conn: &mut Conn, org: &str, kind: ObjectKind, id: &ParsedId) -> StoreResult<Option<Value>> {
    if kind == ObjectKind::RevOrg {
        let Some(local) = id.local_in(org) else { return Ok(None) };
        return rev_org_view(conn, org, local).await?.map(|v| wire(&v.render(org))).transpose();
    }
    let Some(n) = id.number_in(org) else { return Ok(None) };
    match kind {
        ObjectKind::RevUser => {
            user_view(conn, org, ObjectKind::RevUser, n).await?.map(|v| wire(&v.render_rev_user(org))).transpose()
        }
        ObjectKind::Account => account_view(conn, org, n).await?.map(|v| wire(&v.render(org))).transpose(),
        ObjectKind::DevUser => dev_user_view(conn, org, n).await?.map(|v| wire(&v.render(org))).transpose(),
        ObjectKind::Tag => tag_view(conn, org, n).await?.map(|v| wire(&v.render(org))).transpose(),
        _ => Ok(None),
    }
}

#[async_trait]
impl WebhookStore for Backend {
    async fn create_webhook(
        &self,
        scope: &DevOrgScope,
        draft: WebhookDraft,
        now: Timestamp,
    ) -> StoreResult<WebhookView> {
        let d = &draft;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let id = next_id(tx, org, code(ObjectKind::Webhook)).await?;
                // Drawn whether or not it is used, so an org's sequence of ids does not depend on it.
                let fresh = org_random(tx, org, GENERATED_SECRET_LEN).await?;
                let secret = d.secret.resolve(|| fresh);
                sqlx::query::<Db>(
                    "INSERT INTO webhooks (dev_org_id, id, url, secret, status, event_types, headers, \
                     created_by_kind, created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8, $9, $10)",
                )
                .bind(org)
                .bind(id.to_string())
                .bind(&d.url)
                .bind(&secret)
                .bind(WebhookStatus::Unverified.as_str())
                .bind(types_json(&d.event_types))
                .bind(headers_json(&d.headers)?)
                .bind(code(scope.actor.kind))
                .bind(scope.actor.id)
                .bind(now.millis())
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                write_subscriptions(tx, org, id, &d.event_types).await?;
                enqueue_verify(tx, org, id, now).await?;
                let after = webhook_wire(tx, org, id).await?;
                record_change(tx, scope, now, Change::created(ObjectKind::Webhook, id, after)).await?;
                webhook_view(tx, org, id).await?.ok_or_else(|| vanished(ObjectKind::Webhook, id))
            })
        })
        .await
    }

    async fn get_webhook(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<WebhookView> {
        let n = number_or_404(&scope.dev_org, ObjectKind::Webhook, id)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        webhook_view(&mut tx, &scope.dev_org, n).await?.ok_or_else(|| not_found(ObjectKind::Webhook, id))
    }

    async fn list_webhooks(&self, scope: &DevOrgScope) -> StoreResult<Vec<WebhookView>> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        load_webhooks(&mut tx, &scope.dev_org, None).await
    }

    async fn update_webhook(
        &self,
        scope: &DevOrgScope,
        patch: WebhookPatch,
        now: Timestamp,
    ) -> StoreResult<WebhookView> {
        let p = &patch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::Webhook, &p.id)?;
                let mut w = lock_webhook(tx, org, n).await?.ok_or_else(|| not_found(ObjectKind::Webhook, &p.id))?;
                let before = webhook_wire(tx, org, n).await?;
                let fresh = org_random(tx, org, GENERATED_SECRET_LEN).await?;
                let applied = p.apply(&mut w, || fresh)?;
                sqlx::query::<Db>(
                    "UPDATE webhooks SET url = $3, secret = $4, status = $5, event_types = $6, headers = $7, \
                     modified_by_kind = $8, modified_by_id = $9, modified_date = $10 WHERE dev_org_id = $1 AND id = $2",
                )
                .bind(org)
                .bind(n.to_string())
                .bind(&w.url)
                .bind(&w.secret)
                .bind(w.status.as_str())
                .bind(types_json(&w.event_types))
                .bind(headers_json(&w.headers)?)
                .bind(code(scope.actor.kind))
                .bind(scope.actor.id)
                .bind(after(w.modified_date, now).millis())
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                if applied.event_types_changed {
                    write_subscriptions(tx, org, n, &w.event_types).await?;
                }
                if applied.verify {
                    enqueue_verify(tx, org, n, now).await?;
                }
                if applied.cancel_verify {
                    supersede_verifies(tx, org, n).await?;
                }
                let after = webhook_wire(tx, org, n).await?;
                record_change(tx, scope, now, Change::updated(ObjectKind::Webhook, n, before, after)).await?;
                webhook_view(tx, org, n).await?.ok_or_else(|| vanished(ObjectKind::Webhook, n))
            })
        })
        .await
    }

    async fn delete_webhook(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::Webhook, id)?;
                lock_webhook(tx, org, n).await?.ok_or_else(|| not_found(ObjectKind::Webhook, id))?;
                let before = webhook_wire(tx, org, n).await?;
                // Subscriptions first: their foreign key is not enforced on every connection.
                write_subscriptions(tx, org, n, &[]).await?;
                let gone = sqlx::query::<Db>("DELETE FROM webhooks WHERE dev_org_id = $1 AND id = $2")
                    .bind(org)
                    .bind(n.to_string())
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if gone == 0 {
                    return Err(not_found(ObjectKind::Webhook, id));
                }
                supersede_verifies(tx, org, n).await?;
                record_change(tx, scope, now, Change::deleted(ObjectKind::Webhook, n, before)).await?;
                Ok(())
            })
        })
        .await
    }

    async fn fetch_for_webhook(&self, scope: &DevOrgScope, fetch: WebhookFetch, now: Timestamp) -> StoreResult<()> {
        let f = &fetch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::Webhook, &f.webhook)?;
                lock_webhook(tx, org, n).await?.ok_or_else(|| not_found(ObjectKind::Webhook, &f.webhook))?;
                let object =
                    fetched_object(tx, org, f.kind, &f.object).await?.ok_or_else(|| not_found(f.kind, &f.object))?;
                let (event_type, key) = fetched_event(f.kind);
                let payload = serde_json::json!({ key: object });
                enqueue(tx, org, n, ("fetch", event_type), &payload, now).await
            })
        })
        .await
    }
}
