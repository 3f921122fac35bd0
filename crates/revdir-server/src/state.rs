//! `AppState`: what every handler shares.

use std::sync::Arc;

use revdir_core::store::Store;
use revdir_core::time::Timestamp;

use crate::tokens::TokenKeys;

/// Shared handles: the store and the token keys.
#[derive(Clone)]
pub struct AppState {
    /// The storage backend chosen at start-up.
    pub store: Arc<dyn Store>,
    /// Signs and verifies tokens.
    pub keys: TokenKeys,
}

impl AppState {
    /// The time a write records; the system clock.
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
