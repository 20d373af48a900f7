//! The sandbox's state: one SQLite database in WAL mode under the data dir.
//!
//! All platform state lives here so a restart loses nothing. Access goes
//! through one connection behind a mutex: every query is short, and the
//! slow part of a deploy (reading and checking the artifact) happens before
//! the lock is taken.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

pub struct Store {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    user_id     TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    project_id  TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    internal    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS memberships (
    user_id     TEXT NOT NULL REFERENCES users(user_id),
    project_id  TEXT NOT NULL REFERENCES projects(project_id),
    PRIMARY KEY (user_id, project_id)
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(user_id),
    scopes      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    caller          TEXT NOT NULL,
    actor_user_id   TEXT
);
CREATE TABLE IF NOT EXISTS apps (
    app_id          TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(project_id),
    name            TEXT NOT NULL,
    active_build_id TEXT,
    created_at      TEXT NOT NULL,
    deleted_at      TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS live_apps ON apps (project_id, name) WHERE deleted_at IS NULL;
CREATE TABLE IF NOT EXISTS builds (
    build_id        TEXT PRIMARY KEY,
    app_id          TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    file_count      INTEGER NOT NULL,
    hosts           TEXT NOT NULL,
    env_ref         TEXT,
    max_concurrent_requests INTEGER,
    artifact        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS builds_by_app ON builds (app_id, seq);
CREATE TABLE IF NOT EXISTS activations (
    app_id      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    build_id    TEXT NOT NULL,
    PRIMARY KEY (app_id, seq)
);
CREATE TABLE IF NOT EXISTS env (
    app_id  TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (app_id, key)
);
CREATE TABLE IF NOT EXISTS hostnames (
    domain      TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    dns_mode    TEXT NOT NULL,
    status      TEXT NOT NULL,
    managed_dns TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hostnames_by_app ON hostnames (app_id);
CREATE TABLE IF NOT EXISTS domains (
    row_id          INTEGER PRIMARY KEY,
    project_id      TEXT NOT NULL,
    domain          TEXT NOT NULL,
    dns_mode        TEXT NOT NULL,
    status          TEXT NOT NULL,
    hosted_zone_id  TEXT NOT NULL,
    nameservers     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    checked_at      TEXT,
    deleted_at      TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS live_domains ON domains (domain) WHERE deleted_at IS NULL;
CREATE TABLE IF NOT EXISTS records (
    id                  TEXT PRIMARY KEY,
    hosted_zone_id      TEXT NOT NULL,
    name                TEXT NOT NULL,
    type                TEXT NOT NULL,
    ttl                 INTEGER NOT NULL,
    vals                TEXT NOT NULL,
    owner               TEXT NOT NULL,
    owner_resource_type TEXT,
    owner_resource_id   TEXT,
    status              TEXT NOT NULL,
    last_error          TEXT,
    created_at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_zone ON records (hosted_zone_id, name);
CREATE TABLE IF NOT EXISTS registrar (
    domain      TEXT PRIMARY KEY,
    nameservers TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS databases (
    database_id TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    tenant      TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT,
    query_count   INTEGER NOT NULL DEFAULT 0,
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_written  INTEGER NOT NULL DEFAULT 0,
    storage_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS query_tokens (
    token_hash  TEXT PRIMARY KEY,
    database_id TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    audience    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS device_codes (
    device_code_hash TEXT PRIMARY KEY,
    user_code        TEXT NOT NULL UNIQUE,
    expires_at_ms    INTEGER NOT NULL,
    interval_secs    INTEGER NOT NULL,
    last_poll_ms     INTEGER,
    status           TEXT NOT NULL,
    user_id          TEXT,
    scopes           TEXT
);
"#;

impl Store {
    /// Opens (creating if needed) the state database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL is durable across process crashes in WAL mode, which is the
        // failure the sandbox promises to survive.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The connection. A poisoned lock only means another request panicked
    /// mid-query; SQLite rolled its statement back, so carry on.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}
