//! The SQL kit: a builder for statements whose shape depends on the input, the mapping of
//! driver errors, and small conversions between rows and records.

use super::*;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(super) enum Arg {
    I64(i64),
    Text(String),
    Bool(bool),
}

/// SQL text with its bound values; `arg` appends a value and returns its placeholder.
#[derive(Debug, Clone, Default)]
pub(super) struct Sql {
    pub(super) text: String,
    pub(super) args: Vec<Arg>,
    /// A filter narrows the rows through an index (an email, an external ref): then the page
    /// is sorted after filtering rather than read in index order, which SQLite would
    /// otherwise prefer and which costs a scan of every row of the org.
    pub(super) indexed_filter: bool,
}

impl Sql {
    pub(super) fn new(text: &str) -> Self {
        Self { text: text.to_owned(), args: Vec::new(), indexed_filter: false }
    }

    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub(super) fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    pub(super) fn text_arg(&mut self, s: &str) -> String {
        self.arg(Arg::Text(s.to_owned()))
    }

    pub(super) fn int_arg(&mut self, n: i64) -> String {
        self.arg(Arg::I64(n))
    }

    /// Placeholders for a list of texts, comma-separated.
    pub(super) fn text_list(&mut self, items: &[String]) -> String {
        items.iter().map(|s| self.text_arg(s)).collect::<Vec<_>>().join(", ")
    }

    pub(super) fn int_list(&mut self, items: &[i64]) -> String {
        items.iter().map(|n| self.int_arg(*n)).collect::<Vec<_>>().join(", ")
    }

    pub(super) fn query_as<'q, R>(&'q self) -> sqlx::query::QueryAs<'q, Db, R, <Db as sqlx::Database>::Arguments<'q>>
    where
        R: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>,
    {
        let mut q = sqlx::query_as::<Db, R>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::I64(n) => q.bind(*n),
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Bool(b) => q.bind(*b),
            };
        }
        q
    }
}

/// Maps a driver error by its fault (`fault.rs`): lock races and outages become
/// `Unavailable` (503; the write path runs a transaction that met one before its COMMIT
/// again), unique violations `Conflict`, everything else `Internal`. The driver's text goes to
/// the log, not to the client: it may name hosts, files or tables.
pub(super) fn db_err(e: sqlx::Error) -> StoreError {
    match fault_of(&e) {
        Fault::LockRace => return StoreError::Unavailable(BUSY.into()),
        Fault::Outage => {
            crate::fault::note_outage();
            tracing::warn!(error = %e, "the database is unavailable");
            return StoreError::Unavailable(UNAVAILABLE.into());
        }
        Fault::Other => {}
    }
    if let sqlx::Error::Database(d) = &e {
        if d.kind() == sqlx::error::ErrorKind::UniqueViolation {
            return StoreError::Conflict("a unique value of this request is already in use".into());
        }
    }
    StoreError::Internal(anyhow::Error::new(e))
}

/// The 503 detail of a lock race that outlived its retries.
pub(super) const BUSY: &str = "the database is busy; try again";

/// The 503 detail of an outage.
pub(super) const UNAVAILABLE: &str = "the database is unavailable; try again later";

pub(super) fn code(kind: ObjectKind) -> &'static str {
    kind.don_type()
}

pub(super) fn user_ref(kind: Option<String>, id: Option<i64>) -> Option<UserRef> {
    match (kind.as_deref().and_then(ObjectKind::from_don_type), id) {
        (Some(kind), Some(id)) => Some(UserRef { kind, id }),
        _ => None,
    }
}

pub(super) fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// Numeric ids as a JSON array of strings, the form JSON columns of ids use.
pub(super) fn id_json(v: &[i64]) -> String {
    to_json(&v.iter().map(i64::to_string).collect::<Vec<_>>())
}

pub(super) fn to_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub(super) fn random_alnum(len: usize) -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng as _;
    rand::thread_rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// `len` random letters and digits for org `org`: from the org's seeded generator when it was
/// created with an `id_seed` (the emulator's reproducible ids: SHA-256 of the seed and the
/// org's `rng` counter, which the write's transaction bumps), else from the thread's RNG.
pub(super) async fn org_random(conn: &mut Conn, org: &str, len: usize) -> StoreResult<String> {
    let seed: Option<(Option<String>,)> = sqlx::query_as("SELECT id_seed FROM dev_orgs WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    let Some((Some(seed),)) = seed else { return Ok(random_alnum(len)) };
    let draw = next_id(conn, org, "rng").await?;
    Ok(seeded_alnum(&seed, draw, len))
}

/// `len` letters and digits drawn from `seed` at position `draw`: the same for the same three.
pub(super) fn seeded_alnum(seed: &str, draw: i64, len: usize) -> String {
    use sha2::{Digest as _, Sha256};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut block = 0u32;
    while out.len() < len {
        let digest = Sha256::new()
            .chain_update(seed)
            .chain_update(draw.to_le_bytes())
            .chain_update(block.to_le_bytes())
            .finalize();
        // 248 is the largest multiple of 62 below 256: rejecting the rest keeps letters uniform.
        out.extend(
            digest
                .iter()
                .filter(|b| **b < 248)
                .map(|b| char::from(ALPHABET[usize::from(*b) % 62]))
                .take(len - out.len()),
        );
        block += 1;
    }
    out
}

/// The later of `now` and just after `previous`: `modified_date` always moves forward.
pub(super) fn after(previous: Timestamp, now: Timestamp) -> Timestamp {
    now.max(Timestamp::from_millis(previous.millis() + 1))
}

pub(super) async fn next_id(conn: &mut Conn, org: &str, kind: &str) -> StoreResult<i64> {
    sqlx::query_scalar::<Db, i64>(
        "INSERT INTO id_counters (dev_org_id, kind, value) VALUES ($1, $2, 1) ON CONFLICT (dev_org_id, kind) DO \
         UPDATE SET value = id_counters.value + 1 RETURNING value",
    )
    .bind(org)
    .bind(kind)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)
}

impl Sql {
    /// Runs a statement that returns no rows; answers how many rows it touched.
    pub(super) async fn execute(&self, conn: &mut Conn) -> StoreResult<u64> {
        let mut q = sqlx::query::<Db>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::I64(n) => q.bind(*n),
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Bool(b) => q.bind(*b),
            };
        }
        Ok(q.execute(&mut *conn).await.map_err(db_err)?.rows_affected())
    }
}

/// Binds an optional text, or writes SQL `NULL`.
pub(super) fn text_or_null(sql: &mut Sql, v: Option<&str>) -> String {
    v.map_or_else(|| "NULL".to_owned(), |s| sql.text_arg(s))
}

/// SQL that moves `modified_date` to `now`, or a millisecond past its value when that is
/// later (docs/API-CONVENTIONS.md, entry 16), and records the modifier.
pub(super) fn touch(sql: &mut Sql, actor: UserRef, now: Timestamp) -> String {
    let k = sql.text_arg(code(actor.kind));
    let i = sql.int_arg(actor.id);
    let n = sql.int_arg(now.millis());
    format!(
        "modified_by_kind = {k}, modified_by_id = {i}, modified_date = CASE WHEN modified_date >= {n} THEN \
         modified_date + 1 ELSE {n} END"
    )
}

/// Who created and last modified a row, and when: the columns most tables share, read into
/// a row struct with `#[sqlx(flatten)]`.
#[derive(sqlx::FromRow)]
pub(super) struct StampRow {
    created_by_kind: Option<String>,
    created_by_id: Option<i64>,
    created_date: i64,
    modified_by_kind: Option<String>,
    modified_by_id: Option<i64>,
    modified_date: i64,
}

impl StampRow {
    /// The creator, when known.
    pub(super) fn created_by(&self) -> Option<UserRef> {
        user_ref(self.created_by_kind.clone(), self.created_by_id)
    }

    /// The last modifier, when known.
    pub(super) fn modified_by(&self) -> Option<UserRef> {
        user_ref(self.modified_by_kind.clone(), self.modified_by_id)
    }

    /// When the row was created.
    pub(super) fn created_date(&self) -> Timestamp {
        Timestamp::from_millis(self.created_date)
    }

    /// When the row was last modified.
    pub(super) fn modified_date(&self) -> Timestamp {
        Timestamp::from_millis(self.modified_date)
    }
}

/// The SQL of "`column` is due": at or before `now` (a placeholder holding the system time),
/// or with `org_clocks` at or before the row's dev org's time (the emulator's per-org clock:
/// frozen at `clock_at`, or the system time plus `clock_offset`). `table` names the row's
/// table, whose `dev_org_id` the clock is looked up by.
pub(super) fn due(column: &str, now: &str, table: &str, org_clocks: bool) -> String {
    if org_clocks {
        format!(
            "{column} <= (SELECT CASE d.clock_mode WHEN 'frozen' THEN COALESCE(d.clock_at, {now}) WHEN 'offset' THEN \
             {now} + d.clock_offset ELSE {now} END FROM dev_orgs d WHERE d.id = {table}.dev_org_id)"
        )
    } else {
        format!("{column} <= {now}")
    }
}
