// ---------------------------------------------------------------------------------------
// Bulk seeding (benchmarks and demos)

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
         external_ref, external_refs, is_verified, created_by_kind, created_by_id, created_date, \
         modified_by_kind, modified_by_id, modified_date) VALUES ",
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
