//! `/_revdir/journal.list`: the caller's org's change journal (§9), for any token of the org
//! that may call every operation (dev users and sys users).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use revdir_api::journal::{JournalListRequest, JournalListResponse};
use revdir_core::ids::{parse_id, ObjectKind};
use revdir_core::journal::{self, JournalCursor, JournalFilter, Operation};
use revdir_core::refs::TimeRange;
use revdir_core::ValidationError;

use crate::error::ApiResult;
use crate::extract::auth::Scope;
use crate::extract::ApiInput;
use crate::state::AppState;

/// Entries a page holds unless the request says otherwise.
const DEFAULT_LIMIT: u32 = 50;
/// Most entries a page may hold.
const MAX_LIMIT: u32 = 100;

/// The journal's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/_revdir/journal.list", get(journal_list).post(journal_list))
}

/// The filter a request names, each value checked.
fn parse_filter(org: &str, req: &JournalListRequest) -> Result<JournalFilter, ValidationError> {
    let kinds = req
        .object_type
        .as_ref()
        .map(|names| {
            names
                .iter()
                .map(|n| {
                    journal::kind_named(n).ok_or_else(|| {
                        ValidationError::not_permitted("object_type", format!("'{n}' is not a journaled object type"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let operations = req
        .operation
        .as_ref()
        .map(|names| {
            names
                .iter()
                .map(|n| {
                    Operation::parse(n).ok_or_else(|| {
                        ValidationError::not_permitted("operation", format!("'{n}' is not created, updated or deleted"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let objects = req.object.as_ref().map(|ids| ids.iter().map(|id| canonical_don(org, "object", id)).collect());
    let actors = req.actor.as_ref().map(|ids| ids.iter().map(|id| canonical_don(org, "actor", id)).collect());
    Ok(JournalFilter {
        objects,
        kinds,
        actors,
        operations,
        occurred_at: TimeRange::parse("occurred_at", req.occurred_at.as_ref())?,
        origins: req.origin.clone(),
    })
}

/// The DON an id stands for in the caller's org: a display id (`REVU-7`) becomes its DON;
/// anything else is compared as given, so an id of another org matches nothing.
fn canonical_don(org: &str, field: &str, id: &str) -> String {
    let kinds = [ObjectKind::RevUser, ObjectKind::DevUser, ObjectKind::SysUser, ObjectKind::Account, ObjectKind::Tag];
    kinds
        .into_iter()
        .find_map(|k| {
            parse_id(field, id, k).ok().filter(|p| p.org.is_none()).map(|p| revdir_core::ids::don(k, org, p.local))
        })
        .unwrap_or_else(|| id.to_owned())
}

async fn journal_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<JournalListRequest>,
) -> ApiResult<Json<JournalListResponse>> {
    let filter = parse_filter(&scope.dev_org, &req)?;
    let limit = match req.limit {
        None => DEFAULT_LIMIT,
        Some(n @ 1..=MAX_LIMIT) => n,
        Some(_) => {
            return Err(
                ValidationError::not_permitted("limit", format!("limit must be between 1 and {MAX_LIMIT}")).into()
            )
        }
    };
    let after = req.cursor.as_deref().map(JournalCursor::parse).transpose()?.unwrap_or_default();
    let page = app.store.read_journal(&scope, &filter, after, limit).await?;
    Ok(Json(JournalListResponse {
        entries: page.entries.into_iter().map(journal::JournalEntry::render).collect(),
        next_cursor: page.next_cursor.encode(),
    }))
}
