//! revdir's domain: ids, validated values, entities and commands, pure rules, and the
//! `Store` traits that the SQLite and PostgreSQL backends implement.
//!
//! Nothing here does I/O. Requests arrive as `revdir-api` wire types, are parsed into
//! commands holding only validated values ("parse, don't validate"), and views coming back
//! from a store are rendered into wire types again.

pub mod artifacts;
pub mod associations;
pub mod auth_tokens;
pub mod authz;
pub mod clock;
pub mod custom;
pub mod deliveries;
pub mod dev_users;
pub mod error;
pub mod faults;
pub mod ids;
pub mod jobs;
pub mod journal;
pub mod merges;
pub mod orgs;
pub mod pagination;
pub mod refs;
pub mod scope;
pub mod snapshots;
pub mod store;
pub mod tags;
pub mod time;
pub mod users;
pub mod values;
pub mod webhooks;

pub use error::{StoreError, ValidationError};
pub use revdir_api as api;
pub use scope::{Actor, DevOrgScope};
