//! placeholder
pub mod extract;
