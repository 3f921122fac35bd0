//! `/schemas.*`: custom schema fragments, stock schema fragments, aggregated schemas and
//! subtypes (§6).
//!
//! The wire types are split by concern and all re-exported here, so every type keeps its
//! path `revdir_api::schemas::Name`:
//! - `fields`: field descriptors, their constraints and UI metadata, composite types;
//! - `fragments`: custom fragments, their conditions and overrides, `schemas.custom.*`;
//! - `stock`: stock fragments, `schemas.stock.*`;
//! - `aggregated`: `schemas.aggregated.get`;
//! - `subtypes`: `schemas.subtypes.*`.

mod aggregated;
mod fields;
mod fragments;
mod stock;
mod subtypes;

pub use aggregated::*;
pub use fields::*;
pub use fragments::*;
pub use stock::*;
pub use subtypes::*;
