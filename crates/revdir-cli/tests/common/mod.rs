//! What several of the binary's test files share: a `revdir serve` process to start, talk
//! to and kill.

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
    #[allow(dead_code, reason = "not every test file that shares this module kills a node")]
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
