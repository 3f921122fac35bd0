//! Every route of the API, one module per family, merged by [`api_router`].

mod accounts;
mod artifacts;
mod auth_tokens;
mod clock;
mod dev_orgs;
mod dev_users;
mod faults;
mod health;
mod jobs;
mod journal;
mod operator;
mod rev_orgs;
mod rev_user_associations;
mod rev_users;
mod schemas;
mod snapshots;
mod sys_users;
mod tags;
mod webhook_lab;
mod webhooks;

use axum::Router;

pub use health::READY_TIMEOUT;

use crate::state::AppState;

/// All API routes; with `emulator`, also the emulator's control plane
/// ([`emulator_router`]), which a directory does not have at all (404 as any unknown route).
pub fn api_router(emulator: bool) -> Router<AppState> {
    let router = base_router();
    if emulator {
        router.merge(emulator_router())
    } else {
        router
    }
}

/// The emulator's control plane under `/_revdir/` (`--emulator` only, issue 16).
fn emulator_router() -> Router<AppState> {
    Router::new()
        .merge(operator::emulator_router())
        .merge(clock::router())
        .merge(faults::router())
        .merge(snapshots::router())
}

/// The routes every server has.
fn base_router() -> Router<AppState> {
    Router::new()
        .merge(dev_orgs::router())
        .merge(dev_users::router())
        .merge(auth_tokens::router())
        .merge(operator::router())
        .merge(health::router())
        .merge(rev_users::router())
        .merge(sys_users::router())
        .merge(accounts::router())
        .merge(rev_orgs::router())
        .merge(tags::router())
        .merge(artifacts::router())
        .merge(schemas::router())
        .merge(webhooks::router())
        .merge(journal::router())
        .merge(webhook_lab::router())
        .merge(rev_user_associations::router())
        .merge(jobs::router())
}
