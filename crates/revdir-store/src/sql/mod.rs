//! The query code both backends share, compiled once per backend: `sqlite/mod.rs` and
//! `postgres/mod.rs` each declare `#[path = "../sql/mod.rs"] mod sql;`, so `super::` here is
//! that backend. The SQL uses `$n` placeholders, which both drivers accept, and integer
//! timestamps, so one text serves both engines.
//!
//! # What each backend supplies
//! The items that differ per engine, defined in the backend's `mod.rs`:
//! - `Db`, the sqlx database; `Backend`, the store type; `WriteTx`, a write request's
//!   transaction (it dereferences to the connection);
//! - on `Backend`: `begin_write` and `begin_read` (a transaction each), `fast_read` (a
//!   connection for the reads every request makes), `after_bulk_load` and `stats_pool`
//!   (the sqlx pool the metrics report);
//! - `JOURNAL_WRITE_GUARD` and `JOURNAL_READ_GUARD`, how journal ids stay in commit order, and
//!   `DATA_MODIFYING_CTES` (see `journal`),
//!   and `SKIP_LOCKED`, how a delivery claim passes over rows another node is claiming;
//! - `FOR_UPDATE`, the row-lock clause of read-modify-write statements (empty on SQLite,
//!   whose write lock is taken at `BEGIN IMMEDIATE`);
//! - for snapshots: `OVERRIDING_IDENTITY` (inserting ids into identity columns),
//!   `CONSISTENT_READ` (one view of the data over many statements) and `TABLE_COLUMNS` (a
//!   table's insertable columns from the live schema);
//! - SQL builders for JSON: `json_array_text`, `tags_json_of_user`, `json_array_has_any`,
//!   `json_field`, `json_field_number`, `json_field_has_any`;
//! - `fault_of`, what a driver error means (`fault.rs`): a lost lock race worth running the
//!   transaction again, an outage (503), or anything else;
//! - `MIGRATIONS_TABLE_EXISTS`, a query answering whether `_sqlx_migrations` exists (start-up
//!   reads it before migrating, to refuse a newer schema).
//!
//! # Layout
//! One file per family, each holding its `impl <Family>Store for Backend` with its bodies:
//! `dev_orgs`, `tokens`, `dev_users`, `rev_users`, `sys_users`, `one_statement` (the
//! row-only update of rev and sys users), `seed`, `tags`, `accounts`, `rev_orgs`,
//! `artifacts`, `schemas` (custom schemas and custom fields), `webhooks` (webhooks, their
//! subscriptions and the verify and fetch deliveries they queue), `health` (the readiness
//! check), `journal` (the change journal and outbox every write appends to), `deliveries`
//! (webhook deliveries: claims, outcomes and the lab's reads), `associations` (a contact's
//! memberships), `jobs` (background jobs: queueing, claims, merges), `personal_data`
//! (export and erasure) and `snapshots` (the emulator's snapshots and reset). Shared
//! pieces: `kit` (the SQL builder, error mapping, small conversions), `write` (the one
//! write path and the errors it raises), `paging`, `filters`, `links` (user summaries, tag
//! links, external refs) and `users` (the user row every user family reads and writes).

// Each backend compiles these files as its own module tree, so each is loaded twice on purpose.
#![allow(clippy::duplicate_mod)]

mod accounts;
mod artifact_holds;
mod artifacts;
mod associations;
mod custom_fields;
mod deliveries;
mod dev_orgs;
mod dev_users;
mod faults;
mod filters;
mod health;
mod jobs;
mod journal;
mod kit;
mod links;
mod merges;
mod one_statement;
mod paging;
mod personal_data;
mod rev_orgs;
mod rev_users;
mod schemas;
mod seed;
mod snapshots;
mod sys_users;
mod tags;
mod tokens;
mod users;
mod webhooks;
mod write;

// Only the SQLite backend reads applied migrations from outside (its backup and restore).
#[allow(unused_imports, reason = "the PostgreSQL backend compiles this tree too")]
pub(crate) use health::applied_migrations;
pub(crate) use health::migrate_forward;
pub use one_statement::{hot_path_sql, HotPathSql};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use revdir_core::artifacts::{
    ArtifactDraft, ArtifactRecord, ArtifactSummaryData, ArtifactView, BlobLocation, ParentRef, Upload, VersionRecord,
};
use revdir_core::auth_tokens as tok;
use revdir_core::custom::{self, ApplyContext, CustomFilter, CustomInput, CustomState, CustomView, FilterMatch};
use revdir_core::custom::{
    plan_set, Family, FragmentCatalog, FragmentContent, FragmentFilter, FragmentKind, FragmentRecord, FragmentRef,
    FragmentSet, FragmentView, LeafType, SetPlan,
};
use revdir_core::dev_users as devu;
use revdir_core::error::{StoreError, ValidationError};
use revdir_core::ids::{display_id, don, ObjectKind, ParsedId};
use revdir_core::orgs::{
    AccountDraft, AccountFilter, AccountPatch, AccountRecord, AccountView, DevOrgRecord, RevOrgDraft, RevOrgFilter,
    RevOrgPatch, RevOrgRecord, RevOrgView,
};
use revdir_core::pagination::{Page, PageRequest};
use revdir_core::refs::OrgSummaryData;
use revdir_core::refs::TimeRange;
use revdir_core::refs::UserRef;
use revdir_core::refs::UserSummaryData;
use revdir_core::scope::{Actor, ChangeContext, DevOrgScope, SignedCaller};
use revdir_core::store::{
    AccountStore, ArtifactStore, AssociationStore, DeliveryStore, DevOrgStore, DevUserStore, JobStore, JournalStore,
    NewDevOrg, RevOrgStore, RevUserStore, SchemaStore, SnapshotStore, StoreResult, SysUserStore, TagStore, TokenRecord,
    TokenStore, WebhookStore,
};
use revdir_core::tags::{
    check_value, TagAssignment, TagDraft, TagFilterEntry, TagLinkData, TagPatch, TagRecord, TagView,
};
use revdir_core::time::Timestamp;
use revdir_core::users::{
    parse_state, state_name, RevUserDraft, RevUserFilter, RevUserPatch, SysUserPatch, UserRecord, UserView,
};
use serde_json::Value;

use crate::fault::Fault;

use super::{
    fault_of, json_array_has_any, json_array_text, json_field, json_field_has_any, json_field_number,
    tags_json_of_user, Backend, Db, WriteTx, CONSISTENT_READ, DATA_MODIFYING_CTES, FOR_UPDATE, JOURNAL_READ_GUARD,
    JOURNAL_WRITE_GUARD, MIGRATIONS_TABLE_EXISTS, MIGRATOR, OVERRIDING_IDENTITY, SKIP_LOCKED, TABLE_COLUMNS,
};
/// A connection of this backend.
type Conn = <Db as sqlx::Database>::Connection;
/// A read transaction.
type Tx = sqlx::Transaction<'static, Db>;

use artifact_holds::*;
use custom_fields::*;
use filters::*;
use kit::*;
use links::*;
use paging::*;
use users::*;
use write::*;
