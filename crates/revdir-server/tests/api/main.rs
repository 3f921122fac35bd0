//! Black-box HTTP tests of revdir: a real server on a random loopback port, over a real
//! SQLite file and a real PostgreSQL schema; every answer is checked against DevRev's spec.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "scenario functions run inside generated #[test]s; a failed step aborts the test"
)]

mod accounts_export;
mod artifacts;
mod associations;
mod auth;
mod auth_tokens;
mod client;
mod concurrency;
mod custom_fields;
mod db_failures;
mod deliveries;
mod dev_users;
mod emulator_orgs;
mod faults;
mod health;
mod helpers;
mod journal;
mod lists;
mod merges;
mod metrics;
mod nul_chars;
mod operator;
mod orgs;
mod personal_data;
mod rate_limits;
mod receiver;
mod rev_users_crud;
mod rev_users_scan;
mod rev_users_update;
mod schemas;
mod seeds;
mod snapshots;
mod spec;
mod tags;
mod tenancy;
mod upload_tickets;
mod webhooks;
