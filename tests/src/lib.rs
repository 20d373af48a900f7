//! Helpers for tests that span the workspace's crates: the README's
//! examples, the npm libSQL client (`js`), the dashboard driven by keys (`dashboard`), `comwit-deploy`
//! under a simulated GitHub runner (`runner`), a composite action's steps
//! under bash (`composite`) and watch mode's events
//! (`watch`).

#[cfg(feature = "composite")]
pub mod composite;
#[cfg(feature = "dashboard")]
pub mod dashboard;
pub mod js;
#[cfg(any(feature = "dashboard", feature = "watch"))]
pub mod operator;
pub mod readme;
#[cfg(feature = "runner")]
pub mod runner;
#[cfg(feature = "watch")]
pub mod watch;
