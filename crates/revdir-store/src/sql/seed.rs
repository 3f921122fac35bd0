//! Bulk seeding of contacts, for benchmarks and demos: many rows per statement, ids taken
//! with one counter bump per batch.

use super::*;

/// Contacts created per transaction by `seed_rev_users`.
pub(super) const SEED_BATCH: u64 = 10_000;
/// Rows per multi-row `INSERT` statement while seeding (6 bound values a row stays well
/// under both engines' limits on bound values).
pub(super) const SEED_ROWS_PER_STATEMENT: u64 = 500;

/// `INSERT INTO users` for `rows` seeded contacts: `$1`..`$7` are shared, then six values a
/// row: id, display name, email (also its lowercase column), phone numbers, external ref
/// and external refs.
pub(super) fn seed_users_sql(rows: u64) -> String {
    let mut text = String::from(
        "INSERT INTO users (dev_org_id, kind, id, display_name, email, email_lower, phone_numbers, state, \
         external_ref, external_refs, is_verified, created_by_kind, created_by_id, created_date, modified_by_kind, \
         modified_by_id, modified_date) VALUES ",
    );
    for r in 0..rows {
        let b = 8 + r * 6;
        if r > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!(
            "($1, $2, ${b}, ${}, ${e}, ${e}, ${}, $3, ${x}, ${}, $4, $5, $6, $7, $5, $6, $7)",
            b + 1,
            b + 3,
            b + 5,
            e = b + 2,
            x = b + 4,
        ));
    }
    text
}

/// `INSERT INTO external_refs` for `rows` values: `$1`, `$2` shared, then value and object id.
pub(super) fn seed_refs_sql(rows: u64) -> String {
    let mut text = String::from("INSERT INTO external_refs (dev_org_id, namespace, value, object_id) VALUES ");
    for r in 0..rows {
        let b = 3 + r * 2;
        if r > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("($1, $2, ${b}, ${})", b + 1));
    }
    text
}

/// A seeded contact's phone number: a valid North American number derived from `id`.
pub(super) fn seed_phone(id: i64) -> String {
    format!("+1415555{:04}", id.rem_euclid(10_000))
}

/// Seeds `count` contacts in the transaction `conn`, taking their ids with one counter bump.
pub(super) async fn seed_batch(conn: &mut Conn, scope: &DevOrgScope, count: u64, now: Timestamp) -> StoreResult<()> {
    let org = scope.dev_org.as_str();
    let kind = code(ObjectKind::RevUser);
    let count_i = i64::try_from(count).map_err(|e| StoreError::Internal(anyhow::Error::new(e)))?;
    let last = sqlx::query_scalar::<Db, i64>(
        "INSERT INTO id_counters (dev_org_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT (dev_org_id, kind) DO \
         UPDATE SET value = id_counters.value + $3 RETURNING value",
    )
    .bind(org)
    .bind(kind)
    .bind(count_i)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    let first = last - count_i + 1;
    let full_users = seed_users_sql(SEED_ROWS_PER_STATEMENT);
    let full_refs = seed_refs_sql(SEED_ROWS_PER_STATEMENT);
    let mut start = first;
    while start <= last {
        let rows = (last - start + 1).min(SEED_ROWS_PER_STATEMENT as i64);
        let partial;
        let (users_sql, refs_sql) = if rows == SEED_ROWS_PER_STATEMENT as i64 {
            (full_users.as_str(), full_refs.as_str())
        } else {
            partial = (seed_users_sql(rows as u64), seed_refs_sql(rows as u64));
            (partial.0.as_str(), partial.1.as_str())
        };
        let mut q = sqlx::query::<Db>(users_sql)
            .bind(org)
            .bind(kind)
            .bind(state_name(revdir_core::api::common::UserState::Active))
            .bind(true)
            .bind(code(scope.actor.kind))
            .bind(scope.actor.id)
            .bind(now.millis());
        for id in start..start + rows {
            let external_ref = format!("REVU-{id}");
            q = q
                .bind(id)
                .bind(format!("User {id}"))
                .bind(format!("user{id}@example.com"))
                .bind(to_json(&[seed_phone(id)]))
                .bind(external_ref.clone())
                .bind(to_json(&[external_ref]));
        }
        q.execute(&mut *conn).await.map_err(db_err)?;
        let mut q = sqlx::query::<Db>(refs_sql).bind(org).bind(kind);
        for id in start..start + rows {
            q = q.bind(format!("REVU-{id}")).bind(id.to_string());
        }
        q.execute(&mut *conn).await.map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "external_ref: one of REVU-{start}..REVU-{} is already used by another contact",
                start + rows - 1
            )),
            other => other,
        })?;
        start += rows;
    }
    Ok(())
}
