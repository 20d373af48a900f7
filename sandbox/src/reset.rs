//! Back to a fresh sandbox without a restart (`POST /_sandbox/reset`):
//! everything users made — projects, apps and their builds and artifacts,
//! databases and their data, domains and records, minted users and
//! tokens, device logins, the audit log, faults — is removed. What the
//! ready file names stays valid: the seeded project (now empty), the
//! sandbox user and its tokens, the operator token, the addresses. The
//! platform's own project and its protected tenants stay too.

use rusqlite::{Connection, params};

use crate::error::ApiError;
use crate::faults::Faults;
use crate::model::users::SANDBOX_USER;
use crate::state::AppState;

/// The platform's internal project (protected tenants live there).
const PLATFORM_PROJECT: &str = "proj-platform";

/// Child tables before their parents (foreign keys are enforced).
const EMPTIED: &[&str] = &[
    "device_codes",
    "audit",
    "activations",
    "env",
    "records",
    "registrar",
    "hostnames",
    "domains",
    "builds",
    "apps",
];

/// What a reset removed, for its answer.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Removed {
    pub projects: usize,
    pub apps: usize,
    pub databases: usize,
    pub domains: usize,
    pub users: usize,
}

/// Empties the state, then removes the files nothing refers to any more.
pub fn reset(state: &AppState) -> Result<Removed, ApiError> {
    let (removed, databases) = {
        let mut conn = state.store.lock();
        let tx = conn.transaction()?;
        let found = empty(&tx)?;
        tx.commit()?;
        found
    };
    for id in &databases {
        state.streams.close_database(id);
        let file = state.streams.file_of(id);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    if let Ok(entries) = std::fs::read_dir(&state.artifacts_dir) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    state.set_faults(Faults::default());
    Ok(removed)
}

/// The rows go; returns the counts and the databases whose files go too.
fn empty(tx: &Connection) -> Result<(Removed, Vec<String>), ApiError> {
    let sandbox_project: String =
        tx.query_row("SELECT value FROM meta WHERE key = 'project_id'", [], |r| {
            r.get(0)
        })?;
    let kept = params![sandbox_project, PLATFORM_PROJECT];
    let count = |sql: &str| -> rusqlite::Result<usize> {
        tx.query_row(sql, [], |r| r.get::<_, i64>(0).map(|n| n as usize))
    };
    let mut removed = Removed {
        apps: count("SELECT COUNT(*) FROM apps")?,
        domains: count("SELECT COUNT(*) FROM domains")?,
        ..Removed::default()
    };
    let databases: Vec<String> = tx
        .prepare("SELECT database_id FROM databases WHERE project_id != ?1")?
        .query_map([PLATFORM_PROJECT], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    removed.databases = databases.len();
    for table in EMPTIED {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    tx.execute(
        "DELETE FROM query_tokens WHERE database_id IN \
         (SELECT database_id FROM databases WHERE project_id != ?1)",
        [PLATFORM_PROJECT],
    )?;
    tx.execute(
        "DELETE FROM databases WHERE project_id != ?1",
        [PLATFORM_PROJECT],
    )?;
    tx.execute(
        "DELETE FROM memberships WHERE user_id != ?1 OR project_id NOT IN (?2, ?3)",
        params![SANDBOX_USER, sandbox_project, PLATFORM_PROJECT],
    )?;
    removed.projects = tx.execute(
        "DELETE FROM projects WHERE project_id NOT IN (?1, ?2)",
        kept,
    )?;
    tx.execute("DELETE FROM tokens WHERE user_id != ?1", [SANDBOX_USER])?;
    removed.users = tx.execute("DELETE FROM users WHERE user_id != ?1", [SANDBOX_USER])?;
    tx.execute("DELETE FROM meta WHERE key = 'demo'", [])?;
    Ok((removed, databases))
}
