//! Fault plans (`/_revdir/faults.*`, emulator only): an org's rules in `fault_rules`, in
//! order, each with the count of requests it matched.

use revdir_core::faults::{FaultError, FaultRule, FaultRuleRecord};
use revdir_core::store::FaultStore;

use super::*;

/// The columns a rule is read back with, in [`FaultRow`]'s order.
const RULE_COLS: &str = "operation, token_jti, after_n, count_n, status, error_type, message, retry_after, \
                         reference_id, latency_ms, seen";

/// Which rules of org `$1` a request of operation `$2` made with token `$3` matches.
const MATCHES: &str =
    "dev_org_id = $1 AND (operation = $2 OR operation = '*') AND (token_jti IS NULL OR token_jti = $3)";

#[derive(sqlx::FromRow)]
struct FaultRow {
    operation: String,
    token_jti: Option<String>,
    after_n: i64,
    count_n: Option<i64>,
    status: Option<i64>,
    error_type: Option<String>,
    message: Option<String>,
    retry_after: Option<i64>,
    reference_id: Option<String>,
    latency_ms: i64,
    seen: i64,
}

impl FaultRow {
    fn into_record(self) -> FaultRuleRecord {
        let error = self.status.map(|status| FaultError {
            status: u16::try_from(status).unwrap_or(500),
            error_type: self.error_type.unwrap_or_default(),
            message: self.message,
            retry_after: self.retry_after,
            reference_id: self.reference_id,
        });
        FaultRuleRecord {
            rule: FaultRule {
                operation: self.operation,
                token_jti: self.token_jti,
                after: self.after_n,
                count: self.count_n,
                error,
                latency_ms: self.latency_ms,
            },
            seen: self.seen,
        }
    }
}

/// The org's rules in order, read on `conn`.
async fn load_rules(conn: &mut Conn, org: &str) -> StoreResult<Vec<FaultRuleRecord>> {
    let rows = sqlx::query_as::<Db, FaultRow>(&format!(
        "SELECT {RULE_COLS} FROM fault_rules WHERE dev_org_id = $1 ORDER BY position"
    ))
    .bind(org)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(rows.into_iter().map(FaultRow::into_record).collect())
}

#[async_trait]
impl FaultStore for Backend {
    async fn set_faults(&self, scope: &DevOrgScope, rules: &[FaultRule]) -> StoreResult<Vec<FaultRuleRecord>> {
        let org = scope.dev_org.as_str();
        self.write(|tx| {
            Box::pin(async move {
                sqlx::query("DELETE FROM fault_rules WHERE dev_org_id = $1")
                    .bind(org)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                for (position, r) in rules.iter().enumerate() {
                    let e = r.error.as_ref();
                    sqlx::query(
                        "INSERT INTO fault_rules (dev_org_id, position, operation, token_jti, after_n, count_n, \
                         status, error_type, message, retry_after, reference_id, latency_ms, seen) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0)",
                    )
                    .bind(org)
                    .bind(i64::try_from(position).unwrap_or(i64::MAX))
                    .bind(&r.operation)
                    .bind(r.token_jti.as_deref())
                    .bind(r.after)
                    .bind(r.count)
                    .bind(e.map(|e| i64::from(e.status)))
                    .bind(e.map(|e| e.error_type.as_str()))
                    .bind(e.and_then(|e| e.message.as_deref()))
                    .bind(e.and_then(|e| e.retry_after))
                    .bind(e.and_then(|e| e.reference_id.as_deref()))
                    .bind(r.latency_ms)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                }
                load_rules(tx, org).await
            })
        })
        .await
    }

    async fn list_faults(&self, scope: &DevOrgScope) -> StoreResult<Vec<FaultRuleRecord>> {
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        load_rules(&mut tx, &scope.dev_org).await
    }

    async fn clear_faults(&self, scope: &DevOrgScope) -> StoreResult<()> {
        let org = scope.dev_org.as_str();
        self.write(|tx| {
            Box::pin(async move {
                sqlx::query("DELETE FROM fault_rules WHERE dev_org_id = $1")
                    .bind(org)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                Ok(())
            })
        })
        .await
    }

    async fn count_fault_matches(&self, scope: &DevOrgScope, operation: &str) -> StoreResult<Vec<FaultRuleRecord>> {
        let org = scope.dev_org.as_str();
        let jti = scope.token_id.as_str();
        // Most requests match no rule: a read decides that without taking the write path
        // (SQLite's one writer) for every request of an emulator.
        let mut conn = self.fast_read().await.map_err(db_err)?;
        let any = sqlx::query_scalar::<Db, i64>(&format!("SELECT position FROM fault_rules WHERE {MATCHES} LIMIT 1"))
            .bind(org)
            .bind(operation)
            .bind(jti)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
        conn.release();
        if any.is_none() {
            return Ok(Vec::new());
        }
        // One UPDATE bumps every matching rule: each row's new count is exact however many
        // requests and nodes race, because the row lock orders them.
        let sql = format!("UPDATE fault_rules SET seen = seen + 1 WHERE {MATCHES} RETURNING position, {RULE_COLS}");
        let sql = sql.as_str();
        self.write(|tx| {
            Box::pin(async move {
                #[derive(sqlx::FromRow)]
                struct Counted {
                    position: i64,
                    #[sqlx(flatten)]
                    row: FaultRow,
                }
                let mut rows = sqlx::query_as::<Db, Counted>(sql)
                    .bind(org)
                    .bind(operation)
                    .bind(jti)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db_err)?;
                rows.sort_by_key(|r| r.position);
                Ok(rows.into_iter().map(|r| r.row.into_record()).collect())
            })
        })
        .await
    }
}
