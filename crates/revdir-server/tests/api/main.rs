//! Black-box HTTP tests of revdir.

mod spec;
