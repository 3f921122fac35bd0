//! revdir's HTTP server: DevRev's identity API over axum, on a [`revdir_core::store::Store`].
//!
//! [`startup::Application`] binds, migrates and bootstraps; [`routes::api_router`] holds
//! every operation; [`error::ApiError`] is the one error type; [`extract`] decodes requests
//! and authenticates them.

pub mod artifacts;
pub mod deliveries;
pub mod emulator;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod operator;
pub mod outbound;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tls;
pub mod tokens;

pub use startup::{Application, ServerConfig};
