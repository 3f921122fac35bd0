//! `revdir backup` and `revdir restore`: a SQLite store copied while the server serves, and
//! put back while it is stopped. PostgreSQL has its own tools, which these commands name
//! instead of pretending to copy it.

use std::path::PathBuf;

use revdir_store::DatabaseUrl;

/// `revdir backup`'s options.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The store to copy: `sqlite://PATH` or a bare SQLite path (PostgreSQL: use pg_dump,
    /// which this command prints).
    #[arg(long, env = "REVDIR_DB", default_value = "revdir.db", hide_env_values = true)]
    db: String,
    /// The new file to write; an existing file is never overwritten.
    #[arg(long)]
    to: PathBuf,
}

/// `revdir restore`'s options.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore (a file `revdir backup` made).
    #[arg(long)]
    from: PathBuf,
    /// The store to replace: `sqlite://PATH` or a bare SQLite path.
    #[arg(long, env = "REVDIR_DB", default_value = "revdir.db", hide_env_values = true)]
    db: String,
    /// Replace a store that already holds data.
    #[arg(long)]
    force: bool,
}

/// What to run instead of `revdir backup` or `restore` on PostgreSQL.
fn postgres_commands(db: &DatabaseUrl) -> String {
    let url = db.redacted();
    format!(
        "revdir {{backup,restore}} copy SQLite stores only; {url} is PostgreSQL, whose own tools do it.\n\
         Back up (a consistent snapshot, while revdir keeps serving):\n  \
         pg_dump --format=custom --file=revdir.dump '{url}'\n\
         Restore (stop every revdir node first, then start them: the dump holds the schema version):\n  \
         pg_restore --clean --if-exists --no-owner --single-transaction --dbname='{url}' revdir.dump"
    )
}

/// Runs `revdir backup`, printing one line on success through `say`.
///
/// # Errors
/// On PostgreSQL (with the `pg_dump` commands to use), or when the copy cannot be made or
/// fails its check.
pub async fn backup(args: BackupArgs, say: impl Fn(&str) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let db = DatabaseUrl::new(args.db);
    anyhow::ensure!(!db.is_postgres(), postgres_commands(&db));
    let info = revdir_store::sqlite::backup(&db, &args.to).await?;
    say(&format!(
        "backed up {db} to {}: {} bytes, schema {}, integrity checked",
        args.to.display(),
        info.bytes,
        info.schema_version
    ))
}

/// Runs `revdir restore`, printing one line on success through `say`.
///
/// # Errors
/// On PostgreSQL (with the `pg_restore` command to use), when the file is not a revdir store
/// of a schema this binary knows, when a revdir process has the store open, when the store
/// holds data and `--force` is missing, or when the copy fails.
pub async fn restore(args: RestoreArgs, say: impl Fn(&str) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let db = DatabaseUrl::new(args.db);
    anyhow::ensure!(!db.is_postgres(), postgres_commands(&db));
    let info = revdir_store::sqlite::restore(&args.from, &db, args.force).await?;
    let later = if info.older_schema { "; the next start migrates it to this revdir's schema" } else { "" };
    say(&format!("restored {} into {db}: schema {}{later}", args.from.display(), info.schema_version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_gets_the_pg_dump_and_pg_restore_commands_without_its_password() {
        let text = postgres_commands(&DatabaseUrl::new("postgres://revdir:s3cret@db:5432/revdir"));
        assert!(text.contains("pg_dump --format=custom --file=revdir.dump 'postgres://revdir:***@db:5432/revdir'"));
        assert!(text.contains("pg_restore --clean"));
        assert!(!text.contains("s3cret"));
    }
}
