//! Black-box HTTP tests of revdir: a real server on a random loopback port, over a real
//! SQLite file and a real PostgreSQL schema; every answer is checked against DevRev's spec.

mod helpers;
mod rev_users_update;
mod spec;
