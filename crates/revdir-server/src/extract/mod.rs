//! Request extractors.

pub mod query;
