//! Webhook deliveries (§9): `DeliveryStore`. A worker claims due rows under a lease and a
//! new fence (on PostgreSQL with `SKIP LOCKED`, so nodes never claim the same row; on
//! SQLite inside the one writer), sends them, and records the outcome only while its fence
//! is still the row's: a worker whose lease ran out (it hung, or another node took over)
//! has its result discarded.

use revdir_core::deliveries::{AttemptRecord, ClaimedDelivery, DeliveryBody, DeliveryFilter, DeliveryView, Outcome};

use super::journal::change_by_id;
use super::*;

/// The DON of webhook `id` of `org`.
pub(super) fn webhook_don(org: &str, id: &str) -> String {
    don(ObjectKind::Webhook, org, id)
}

/// The 404 of a lab request whose webhook (local id) matched no row of the caller's org.
fn webhook_found(rows_changed: u64, webhook: &str) -> StoreResult<()> {
    if rows_changed == 0 {
        return Err(StoreError::not_found("webhook", webhook));
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    dev_org_id: String,
    webhook_id: String,
    change_id: Option<i64>,
    event_id: String,
    event_type: String,
    payload: Option<String>,
    attempts: i32,
    fence: i64,
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    url: String,
    secret: String,
    status: String,
    headers: String,
    exclude_origins: String,
    degraded_since: Option<i64>,
    duplicate_sends: bool,
}

fn pairs(json: &str) -> Vec<(String, String)> {
    serde_json::from_str::<Vec<Value>>(json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|h| Some((h["name"].as_str()?.to_owned(), h["value"].as_str()?.to_owned())))
        .collect()
}

/// Queues a verify request that probes a degraded endpoint, unless one is pending already.
async fn queue_probe(conn: &mut Conn, org: &str, webhook: &str, due: Timestamp, now: Timestamp) -> StoreResult<()> {
    let challenge = random_alnum(32);
    sqlx::query::<Db>(
        "INSERT INTO webhook_deliveries (dev_org_id, webhook_id, event_id, event_type, payload, state, attempts, \
         fence, next_attempt_at, created_at) SELECT $1, $2, $3, 'verify', $4, 'pending', 0, 0, $5, $6 WHERE NOT \
         EXISTS (SELECT 1 FROM webhook_deliveries WHERE dev_org_id = $1 AND webhook_id = $2 AND event_type = \
         'verify' AND state = 'pending')",
    )
    .bind(org)
    .bind(webhook)
    .bind(format!("{}:event/probe-{}", webhook_don(org, webhook), random_alnum(16)))
    .bind(serde_json::json!({ "challenge": challenge }).to_string())
    .bind(due.millis())
    .bind(now.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn insert_attempt(conn: &mut Conn, d: &ClaimedDelivery, a: &AttemptRecord) -> StoreResult<()> {
    let headers: Vec<Value> =
        a.request_headers.iter().map(|(n, v)| serde_json::json!({"name": n, "value": v})).collect();
    sqlx::query::<Db>(
        "INSERT INTO webhook_attempts (delivery_id, attempt, dev_org_id, started_at, duration_ms, request_headers, \
         request_body, status, response_body, error_class) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(d.id)
    .bind(i32::try_from(d.attempt).unwrap_or(i32::MAX))
    .bind(&d.dev_org)
    .bind(a.started_at.millis())
    .bind(a.duration_ms)
    .bind(Value::Array(headers).to_string())
    .bind(&a.request_body)
    .bind(a.status.map(i32::from))
    .bind(&a.response_body)
    .bind(&a.error_class)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    webhook_id: String,
    event_id: String,
    event_type: String,
    object_id: Option<String>,
    state: String,
    attempts: i32,
    next_attempt_at: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    delivery_id: i64,
    started_at: i64,
    duration_ms: i64,
    request_headers: String,
    request_body: String,
    status: Option<i32>,
    response_body: Option<String>,
    error_class: Option<String>,
}

const DELIVERY_COLS: &str = "d.id, d.webhook_id, d.event_id, d.event_type, c.object_id, d.state, d.attempts, \
                             d.next_attempt_at, d.last_error, d.created_at, d.finished_at";

async fn delivery_views(conn: &mut Conn, org: &str, rows: Vec<DeliveryRow>) -> StoreResult<Vec<DeliveryView>> {
    let mut attempts: HashMap<i64, Vec<AttemptRecord>> = HashMap::new();
    if !rows.is_empty() {
        let mut sql = Sql::new("");
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let list = sql.int_list(&ids);
        sql.push(&format!(
            "SELECT delivery_id, started_at, duration_ms, request_headers, request_body, status, response_body, \
             error_class FROM webhook_attempts WHERE delivery_id IN ({list}) ORDER BY delivery_id, attempt"
        ));
        let found: Vec<AttemptRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
        for a in found {
            attempts.entry(a.delivery_id).or_default().push(AttemptRecord {
                started_at: Timestamp::from_millis(a.started_at),
                duration_ms: a.duration_ms,
                request_headers: pairs(&a.request_headers),
                request_body: a.request_body,
                status: a.status.and_then(|s| u16::try_from(s).ok()),
                response_body: a.response_body,
                error_class: a.error_class,
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| DeliveryView {
            attempt_log: attempts.remove(&r.id).unwrap_or_default(),
            id: r.id,
            webhook_id: webhook_don(org, &r.webhook_id),
            event_id: r.event_id,
            event_type: r.event_type,
            object: r.object_id,
            state: r.state,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            next_attempt_at: r.next_attempt_at.map(Timestamp::from_millis),
            last_error: r.last_error,
            created_at: Timestamp::from_millis(r.created_at),
            finished_at: r.finished_at.map(Timestamp::from_millis),
        })
        .collect())
}

/// Copies a finished delivery into a new pending one with the same event id.
async fn requeue(conn: &mut Conn, org: &str, id: i64, now: Timestamp) -> StoreResult<Option<i64>> {
    sqlx::query_scalar::<Db, i64>(
        "INSERT INTO webhook_deliveries (dev_org_id, webhook_id, change_id, event_id, event_type, payload, state, \
         attempts, fence, next_attempt_at, created_at) SELECT dev_org_id, webhook_id, change_id, event_id, \
         event_type, payload, 'pending', 0, 0, $3, $3 FROM webhook_deliveries WHERE dev_org_id = $1 AND id = $2 \
         AND event_type <> 'verify' RETURNING id",
    )
    .bind(org)
    .bind(id)
    .bind(now.millis())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)
}

#[async_trait]
impl DeliveryStore for Backend {
    async fn claim_deliveries(
        &self,
        node: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        org_clocks: bool,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let is_due = due("next_attempt_at", "$3", "webhook_deliveries", org_clocks);
        let claim = format!(
            "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2, fence = fence + 1 WHERE id IN (SELECT \
             id FROM webhook_deliveries WHERE state = 'pending' AND {is_due} AND (lease_until IS NULL OR lease_until \
             < $3) ORDER BY next_attempt_at, id LIMIT $4{SKIP_LOCKED}) RETURNING id, dev_org_id, webhook_id, \
             change_id, event_id, event_type, payload, attempts, fence"
        );
        let claim = &claim;
        // Most looks find nothing due: a read answers that without taking a write lock.
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let due: Option<(i64,)> = sqlx::query_as(&format!(
            "SELECT id FROM webhook_deliveries WHERE state = 'pending' AND {} AND (lease_until IS NULL OR \
             lease_until < $1) LIMIT 1",
            due("next_attempt_at", "$1", "webhook_deliveries", org_clocks)
        ))
        .bind(now.millis())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        conn.release();
        if due.is_none() {
            return Ok(Vec::new());
        }
        self.write(|tx| {
            Box::pin(async move {
                let rows: Vec<ClaimRow> = sqlx::query_as(claim)
                    .bind(node)
                    .bind(lease_until.millis())
                    .bind(now.millis())
                    .bind(i64::from(limit))
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let hook: Option<WebhookRow> = sqlx::query_as(
                        "SELECT url, secret, status, headers, exclude_origins, degraded_since, duplicate_sends FROM \
                         webhooks WHERE dev_org_id = $1 AND id = $2",
                    )
                    .bind(&r.dev_org_id)
                    .bind(&r.webhook_id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db_err)?;
                    let body = match (r.change_id, &r.payload) {
                        (Some(c), _) => match change_by_id(tx, c).await? {
                            Some(entry) => DeliveryBody::Change(Box::new(entry)),
                            None => DeliveryBody::Payload(Value::Null),
                        },
                        (None, Some(p)) if r.event_type == "verify" => DeliveryBody::Verify {
                            challenge: serde_json::from_str::<Value>(p)
                                .ok()
                                .and_then(|v| v["challenge"].as_str().map(str::to_owned))
                                .unwrap_or_default(),
                        },
                        (None, p) => DeliveryBody::Payload(
                            p.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or(Value::Null),
                        ),
                    };
                    let gone = hook.is_none();
                    let hook = hook.unwrap_or(WebhookRow {
                        url: String::new(),
                        secret: String::new(),
                        status: "deleted".into(),
                        headers: "[]".into(),
                        exclude_origins: "[]".into(),
                        degraded_since: None,
                        duplicate_sends: false,
                    });
                    // A forced failure is used up by the event delivery that claims it.
                    let forced = !gone && r.event_type != "verify" && {
                        let used = sqlx::query::<Db>(
                            "UPDATE webhooks SET forced_failures = forced_failures - 1 WHERE dev_org_id = $1 AND id = \
                             $2 AND forced_failures > 0",
                        )
                        .bind(&r.dev_org_id)
                        .bind(&r.webhook_id)
                        .execute(&mut **tx)
                        .await
                        .map_err(db_err)?;
                        used.rows_affected() > 0
                    };
                    out.push(ClaimedDelivery {
                        id: r.id,
                        webhook_id: webhook_don(&r.dev_org_id, &r.webhook_id),
                        dev_org: r.dev_org_id,
                        url: hook.url,
                        secret: hook.secret,
                        headers: pairs(&hook.headers),
                        exclude_origins: json_list(&hook.exclude_origins),
                        degraded: hook.degraded_since.is_some(),
                        active: !gone && hook.status == "active",
                        event_id: r.event_id,
                        event_type: r.event_type,
                        attempt: u32::try_from(r.attempts).unwrap_or(0) + 1,
                        forced_failure: forced,
                        send_twice: hook.duplicate_sends,
                        fence: r.fence,
                        body,
                    });
                }
                Ok(out)
            })
        })
        .await
    }

    async fn finish_delivery(
        &self,
        d: &ClaimedDelivery,
        outcome: Outcome,
        now: Timestamp,
        probe_delay_ms: u64,
    ) -> StoreResult<bool> {
        let outcome = &outcome;
        self.write(|tx| {
            Box::pin(async move {
                let current: Option<(i64, String, String)> = sqlx::query_as(&format!(
                    "SELECT fence, state, webhook_id FROM webhook_deliveries WHERE id = $1{FOR_UPDATE}"
                ))
                .bind(d.id)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?;
                let Some((fence, state, webhook)) = current else { return Ok(false) };
                if fence != d.fence || state != "pending" {
                    return Ok(false);
                }
                let org = d.dev_org.as_str();
                let attempt = i32::try_from(d.attempt).unwrap_or(i32::MAX);
                let (state, next, error, attempts) = match outcome {
                    Outcome::Delivered(a) => {
                        insert_attempt(tx, d, a).await?;
                        if d.is_verify() {
                            sqlx::query::<Db>(
                                "UPDATE webhooks SET status = CASE WHEN status = 'unverified' THEN 'active' ELSE \
                                 status END, degraded_since = NULL WHERE dev_org_id = $1 AND id = $2",
                            )
                            .bind(org)
                            .bind(&webhook)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_err)?;
                        }
                        ("delivered", None, None, attempt)
                    }
                    Outcome::Failed { attempt: a, retry_at } => {
                        insert_attempt(tx, d, a).await?;
                        let class = a.error_class.clone();
                        match retry_at {
                            Some(at) => ("pending", Some(*at), class, attempt),
                            None => {
                                if !d.is_verify() {
                                    // §8.7: sustained failure makes the endpoint degraded; a
                                    // probe then runs until it answers.
                                    sqlx::query::<Db>(
                                        "UPDATE webhooks SET degraded_since = COALESCE(degraded_since, $3) WHERE \
                                         dev_org_id = $1 AND id = $2",
                                    )
                                    .bind(org)
                                    .bind(&webhook)
                                    .bind(now.millis())
                                    .execute(&mut **tx)
                                    .await
                                    .map_err(db_err)?;
                                    let due = Timestamp::from_millis(
                                        now.millis() + i64::try_from(probe_delay_ms).unwrap_or(i64::MAX / 2),
                                    );
                                    queue_probe(tx, org, &webhook, due, now).await?;
                                }
                                ("failed", None, class, attempt)
                            }
                        }
                    }
                    Outcome::Skipped { state, reason } => (*state, None, Some(reason.clone()), attempt - 1),
                };
                let finished = (state != "pending").then_some(now.millis());
                sqlx::query::<Db>(
                    "UPDATE webhook_deliveries SET state = $2, next_attempt_at = $3, last_error = $4, attempts = $5, \
                     finished_at = $6, lease_owner = NULL, lease_until = NULL WHERE id = $1",
                )
                .bind(d.id)
                .bind(state)
                .bind(next.map(Timestamp::millis))
                .bind(error)
                .bind(attempts)
                .bind(finished)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                Ok(true)
            })
        })
        .await
    }

    async fn list_deliveries(
        &self,
        scope: &DevOrgScope,
        f: &DeliveryFilter,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        sql.push(&format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries d LEFT JOIN changes c ON c.id = d.change_id WHERE \
             d.dev_org_id = {o}"
        ));
        if let Some(w) = &f.webhook {
            let p = sql.text_arg(w);
            sql.push(&format!(" AND d.webhook_id = {p}"));
        }
        if let Some(types) = &f.event_types {
            filter_in_text(&mut sql, "d.event_type", Some(types));
        }
        if let Some(states) = &f.states {
            filter_in_text(&mut sql, "d.state", Some(states));
        }
        if let Some(object) = &f.object {
            let p = sql.text_arg(object);
            sql.push(&format!(" AND c.object_id = {p}"));
        }
        filter_range(&mut sql, "d.created_at", f.created.as_ref());
        let l = sql.int_arg(i64::from(limit));
        sql.push(&format!(" ORDER BY d.id DESC LIMIT {l}"));
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        let rows: Vec<DeliveryRow> = sql.query_as().fetch_all(&mut *tx).await.map_err(db_err)?;
        delivery_views(&mut tx, org, rows).await
    }

    async fn resend_delivery(&self, scope: &DevOrgScope, delivery: i64, now: Timestamp) -> StoreResult<DeliveryView> {
        let org = scope.dev_org.as_str();
        let missing = || StoreError::not_found("delivery", &delivery.to_string());
        self.write(|tx| {
            Box::pin(async move {
                let id = requeue(tx, org, delivery, now).await?.ok_or_else(missing)?;
                let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
                    "SELECT {DELIVERY_COLS} FROM webhook_deliveries d LEFT JOIN changes c ON c.id = d.change_id \
                     WHERE d.id = $1"
                ))
                .bind(id)
                .fetch_all(&mut **tx)
                .await
                .map_err(db_err)?;
                delivery_views(tx, org, rows).await?.pop().ok_or_else(missing)
            })
        })
        .await
    }

    async fn recover_deliveries(
        &self,
        scope: &DevOrgScope,
        webhook: &str,
        window: &TimeRange,
        now: Timestamp,
    ) -> StoreResult<u64> {
        let org = scope.dev_org.as_str();
        self.write(|tx| {
            Box::pin(async move {
                let mut sql = Sql::new("");
                let o = sql.text_arg(org);
                let w = sql.text_arg(webhook);
                sql.push(&format!(
                    "SELECT d.id FROM webhook_deliveries d WHERE d.dev_org_id = {o} AND d.webhook_id = {w} AND \
                     d.state = 'failed' AND d.event_type <> 'verify'"
                ));
                filter_range(&mut sql, "d.created_at", Some(window));
                sql.push(" ORDER BY d.id");
                let failed: Vec<(i64,)> = sql.query_as().fetch_all(&mut **tx).await.map_err(db_err)?;
                for (id,) in &failed {
                    requeue(tx, org, *id, now).await?;
                    sqlx::query::<Db>("UPDATE webhook_deliveries SET state = 'recovered' WHERE id = $1")
                        .bind(id)
                        .execute(&mut **tx)
                        .await
                        .map_err(db_err)?;
                }
                Ok(failed.len() as u64)
            })
        })
        .await
    }

    async fn verify_without_handshake(&self, scope: &DevOrgScope, webhook: &str, now: Timestamp) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        self.write(|tx| {
            Box::pin(async move {
                let changed = sqlx::query::<Db>(
                    "UPDATE webhooks SET status = CASE WHEN status = 'unverified' THEN 'active' ELSE status END, \
                     degraded_since = NULL WHERE dev_org_id = $1 AND id = $2",
                )
                .bind(org)
                .bind(webhook)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                webhook_found(changed, webhook)?;
                sqlx::query::<Db>(
                    "UPDATE webhook_deliveries SET state = 'superseded', finished_at = $3 WHERE dev_org_id = $1 AND \
                     webhook_id = $2 AND event_type = 'verify' AND state = 'pending'",
                )
                .bind(org)
                .bind(webhook)
                .bind(now.millis())
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn force_delivery_failures(
        &self,
        scope: &DevOrgScope,
        webhook: &str,
        fail_next: u32,
        send_twice: bool,
    ) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        self.write(|tx| {
            Box::pin(async move {
                let changed = sqlx::query::<Db>(
                    "UPDATE webhooks SET forced_failures = $3, duplicate_sends = $4 WHERE dev_org_id = $1 AND id = $2",
                )
                .bind(org)
                .bind(webhook)
                .bind(i64::from(fail_next))
                .bind(send_twice)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                webhook_found(changed, webhook)
            })
        })
        .await
    }

    async fn set_excluded_origins(&self, scope: &DevOrgScope, webhook: &str, origins: &[String]) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        self.write(|tx| {
            Box::pin(async move {
                let changed =
                    sqlx::query::<Db>("UPDATE webhooks SET exclude_origins = $3 WHERE dev_org_id = $1 AND id = $2")
                        .bind(org)
                        .bind(webhook)
                        .bind(to_json(origins))
                        .execute(&mut **tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                webhook_found(changed, webhook)
            })
        })
        .await
    }

    async fn prune(&self, before: Timestamp, batch: u32) -> StoreResult<u64> {
        self.write(|tx| {
            Box::pin(async move {
                let finished = sqlx::query::<Db>(
                    "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE state <> \
                     'pending' AND finished_at < $1 ORDER BY id LIMIT $2)",
                )
                .bind(before.millis())
                .bind(i64::from(batch))
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                let changes = sqlx::query::<Db>(
                    "DELETE FROM changes WHERE id IN (SELECT c.id FROM changes c WHERE c.occurred_at < $1 AND NOT \
                     EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.change_id = c.id) ORDER BY c.id LIMIT $2)",
                )
                .bind(before.millis())
                .bind(i64::from(batch))
                .execute(&mut **tx)
                .await
                .map_err(db_err)?
                .rows_affected();
                Ok(finished + changes)
            })
        })
        .await
    }

    async fn outbox_lag(&self, now: Timestamp) -> StoreResult<i64> {
        // The `webhook_deliveries_due` index (state, next_attempt_at) answers MIN at once.
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let (oldest,): (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $1",
        )
        .bind(now.millis())
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
        conn.release();
        Ok(oldest.map_or(0, |due| (now.millis() - due).max(0)))
    }
}
