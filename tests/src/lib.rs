//! Helpers for tests that span the workspace's crates.

pub mod readme;
