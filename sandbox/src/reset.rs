//! Back to a fresh sandbox without a restart (`POST /_sandbox/reset`):
//! everything users made — projects, apps and their builds and artifacts,
//! databases and their data, domains and records, minted users and
//! tokens, device logins, the audit log, faults — is removed. What the
//! ready file names stays valid: the seeded project (now empty), the
//! sandbox user and its tokens, the operator token, the addresses. The
//! platform's own project and its protected tenants stay too.

use rusqlite::{Connection, OptionalExtension, params};

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
    forget_sites(state);
    state.set_faults(Faults::default());
    Ok(removed)
}

/// The site listener's unpacked builds (a cache: unpacked again on demand).
fn forget_sites(state: &AppState) {
    if let Some(data_dir) = state.artifacts_dir.parent() {
        let _ = std::fs::remove_dir_all(data_dir.join("sites"));
    }
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
    // A restart may seed again (--seed-demo, --seed) into the empty state.
    tx.execute("DELETE FROM meta WHERE key IN ('demo', 'seed')", [])?;
    Ok((removed, databases))
}

/// Replaces the whole state with an unpacked snapshot in `from` (see
/// [`crate::snapshot`]), in one transaction: a snapshot that does not fit
/// this sandbox's schema changes nothing. The token the ready file names
/// stays valid. Returns the restored seeded project.
pub fn replace(state: &AppState, from: &std::path::Path) -> Result<String, ApiError> {
    let databases: Vec<String> = {
        let conn = state.store.lock();
        let mut stmt = conn.prepare("SELECT database_id FROM databases")?;
        let ids = stmt.query_map([], |r| r.get(0))?;
        ids.collect::<rusqlite::Result<_>>()?
    };
    let project = {
        let mut conn = state.store.lock();
        let snapshot = from.join("state.sqlite3");
        conn.execute("ATTACH DATABASE ?1 AS snap", [snapshot.to_string_lossy()])?;
        let copied = copy_tables(&mut conn, state.ready_token_hash());
        conn.execute("DETACH DATABASE snap", [])?;
        copied.map_err(|e| {
            ApiError::bad_request(format!(
                "the snapshot does not fit this sandbox's state ({e}): restore it with the version that made it"
            ))
        })?
    };
    for id in &databases {
        state.streams.close_database(id);
        let file = state.streams.file_of(id);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    move_all(&from.join("databases"), state.streams.dir())?;
    if let Ok(entries) = std::fs::read_dir(&state.artifacts_dir) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    move_all(&from.join("artifacts"), &state.artifacts_dir)?;
    forget_sites(state);
    state.set_faults(Faults::default());
    Ok(project)
}

/// Every table's rows from `snap` into `main`, then the ready file's token.
fn copy_tables(conn: &mut Connection, ready_token_hash: Option<&str>) -> rusqlite::Result<String> {
    // Tables are emptied and filled in any order: references are checked
    // once, at the end. (The store's lock keeps every other statement out
    // meanwhile.)
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let copied = copy_in_one_transaction(conn, ready_token_hash);
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    copied
}

fn copy_in_one_transaction(
    conn: &mut Connection,
    ready_token_hash: Option<&str>,
) -> rusqlite::Result<String> {
    let tx = conn.transaction()?;
    let tables: Vec<String> = tx
        .prepare(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in &tables {
        tx.execute(&format!("DELETE FROM main.\"{table}\""), [])?;
        tx.execute(
            &format!("INSERT INTO main.\"{table}\" SELECT * FROM snap.\"{table}\""),
            [],
        )?;
    }
    if let Some(hash) = ready_token_hash {
        let scopes: Vec<&str> = crate::auth::LIVE_SCOPES.to_vec();
        tx.execute(
            "INSERT OR IGNORE INTO tokens (token_hash, user_id, scopes, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                hash,
                SANDBOX_USER,
                serde_json::to_string(&scopes).expect("serialises"),
                crate::ids::now_rfc3339()
            ],
        )?;
    }
    let project = tx.query_row("SELECT value FROM meta WHERE key = 'project_id'", [], |r| {
        r.get(0)
    })?;
    // The snapshot's own references must hold (they are checked here,
    // with the rows in place, rather than one statement at a time).
    let dangling: Option<String> = tx
        .query_row("PRAGMA main.foreign_key_check", [], |r| r.get(0))
        .optional()?;
    if let Some(table) = dangling {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "a row of {table} refers to one that is not there"
        )));
    }
    tx.commit()?;
    Ok(project)
}

fn move_all(from: &std::path::Path, to: &std::path::Path) -> Result<(), ApiError> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    std::fs::create_dir_all(to).map_err(|e| ApiError::internal("restoring files", e))?;
    for entry in entries.flatten() {
        std::fs::rename(entry.path(), to.join(entry.file_name()))
            .map_err(|e| ApiError::internal("restoring files", e))?;
    }
    Ok(())
}
