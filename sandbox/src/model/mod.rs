//! The platform's domain model over the state database: row types and the
//! rules that load, insert, activate, bind and check them. Plain functions
//! over a `rusqlite::Connection` (or a transaction, which derefs to one)
//! returning [`ApiResult`](crate::error::ApiResult), so any route (and the
//! start-up seeding) can share them without importing another route.
//!
//! Dependencies run one way: `apps` → `builds`, `hostnames`;
//! `hostnames` → `domains`, `records`; `records` → `domains`.

pub mod apps;
pub mod audit;
pub mod builds;
pub mod databases;
pub mod devices;
pub mod domains;
pub mod environment;
pub mod hostnames;
pub mod projects;
pub mod records;
pub mod registrar;
pub mod tokens;
pub mod users;
