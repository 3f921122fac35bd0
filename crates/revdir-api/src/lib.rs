//! Wire types of DevRev's identity REST API.
//!
//! Every type is named after the OpenAPI schema it mirrors (`rev-users-update-request` →
//! [`rev_users::RevUsersUpdateRequest`]) and is shared by the server, which decodes requests
//! and encodes responses, and the typed client, which does the reverse. Absent optional
//! fields are skipped on output, never sent as `null`.

pub mod accounts;
pub mod artifacts;
pub mod auth_tokens;
pub mod common;
pub mod dev_orgs;
pub mod dev_users;
pub mod error;
pub mod faults;
pub mod jobs;
pub mod journal;
pub mod operator;
pub mod rev_orgs;
pub mod rev_user_associations;
pub mod rev_users;
pub mod schemas;
pub mod snapshots;
pub mod sys_users;
pub mod tags;
pub mod webhook_lab;
pub mod webhooks;

pub use error::{ErrorBody, ErrorKind};

/// The only API version this server speaks (`x-devrev-version`).
pub const API_VERSION: &str = "2024-01-24";
