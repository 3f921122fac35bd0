//! DevRev's OpenAPI spec as the tests check answers against it: the validator lives in the
//! `revdir-spec-check` test-support crate, shared with the `revdir` binary's tests.

pub use revdir_spec_check::assert_valid_response;
