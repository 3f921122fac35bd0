//! What several of the binary's test files share: a `revdir serve` process to start, talk
//! to and kill, and a PostgreSQL schema of its own.
#![allow(dead_code, reason = "each test file uses the part it needs")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::CommandCargoExt as _;

/// A running `revdir serve` on a free loopback port.
pub struct Node {
    child: Child,
    /// Its base URL, as it printed it.
    pub addr: String,
}

impl Node {
    /// Starts `revdir serve --db <db>` with `extra` arguments and waits for its listening line.
    pub fn start(db: &str, extra: &[&str]) -> Self {
        let mut child = Command::cargo_bin("revdir")
            .unwrap()
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut addr = None;
        while addr.is_none() {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            addr = line.trim().strip_prefix("revdir listening on ").map(str::to_owned);
        }
        // Keep reading what it prints, so a full pipe never blocks it.
        std::thread::spawn(move || stdout.lines().for_each(drop));
        let node = Self { child, addr: addr.unwrap_or_default() };
        assert!(!node.addr.is_empty(), "revdir exited before listening");
        node
    }

    /// Kills it with SIGKILL, as a crash would, and reaps it.
    pub fn kill_9(&mut self) {
        assert!(Command::new("kill").args(["-9", &self.child.id().to_string()]).status().unwrap().success());
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh schema in the PostgreSQL named by `REVDIR_TEST_PG`, dropped at the end.
pub struct PgSchema {
    /// Its name.
    pub name: String,
    /// The database URL that selects the schema.
    pub url: String,
}

impl PgSchema {
    /// Creates `revdir_<test>_<pid>` afresh.
    pub fn create(test: &str) -> Self {
        let name = format!("revdir_{test}_{}", std::process::id());
        Self::run(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
        Self::run(&format!("CREATE SCHEMA {name}"));
        let base = Self::base();
        let sep = if base.contains('?') { '&' } else { '?' };
        Self { url: format!("{base}{sep}options[search_path]={name}"), name }
    }

    /// The server's URL, without a schema.
    pub fn base() -> String {
        std::env::var("REVDIR_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
    }

    /// Runs one statement on the server.
    pub fn run(sql: &str) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let pool = sqlx::PgPool::connect(&Self::base())
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL unreachable at REVDIR_TEST_PG: {e}"));
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        });
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        Self::run(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}
