//! Project databases: the control-plane row (the data itself lives in the
//! data endpoint's SQLite files).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{ApiError, ApiResult};
use crate::ids::{hash_secret, now_rfc3339};

/// Adds a running database whose token is `token` (stored hashed).
pub fn insert_database(
    conn: &Connection,
    database_id: &str,
    project_id: &str,
    name: &str,
    tenant: &str,
    token: &str,
) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO databases (database_id, project_id, name, tenant, status, token_hash, generation, created_at)
         VALUES (?1, ?2, ?3, ?4, 'running', ?5, 1, ?6)",
        params![database_id, project_id, name, tenant, hash_secret(token), now_rfc3339()],
    )?;
    Ok(())
}

/// The live database of a project named `name`, if any.
pub fn database_named(
    conn: &Connection,
    project_id: &str,
    name: &str,
) -> ApiResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT database_id FROM databases WHERE project_id = ?1 AND name = ?2 AND deleted_at IS NULL",
            [project_id, name],
            |r| r.get(0),
        )
        .optional()?)
}

/// A live database as the operator routes see it.
pub struct DbRow {
    pub database_id: String,
    pub project_id: String,
    pub name: String,
    pub tenant: String,
    pub status: String,
    pub generation: i64,
    pub created_at: String,
}

/// The live database with id (or internal tenant name) `database`, 404
/// otherwise.
pub fn load_database(conn: &Connection, database: &str) -> ApiResult<DbRow> {
    conn.query_row(
        "SELECT database_id, project_id, name, tenant, status, generation, created_at FROM databases
         WHERE (database_id = ?1 OR tenant = ?1) AND deleted_at IS NULL",
        [database],
        |r| {
            Ok(DbRow {
                database_id: r.get(0)?,
                project_id: r.get(1)?,
                name: r.get(2)?,
                tenant: r.get(3)?,
                status: r.get(4)?,
                generation: r.get(5)?,
                created_at: r.get(6)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found(format!("database {database} not found")))
}

/// A project's database as its list shows it (the URL is the data
/// endpoint's business).
pub struct DatabaseEntry {
    pub database_id: String,
    pub name: String,
    pub status: String,
    pub created_at: String,
}

/// The live databases of a project, oldest first.
pub fn databases_of(conn: &Connection, project_id: &str) -> ApiResult<Vec<DatabaseEntry>> {
    Ok(conn
        .prepare_cached(
            "SELECT database_id, name, status, created_at FROM databases
             WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY created_at, name",
        )?
        .query_map([project_id], |r| {
            Ok(DatabaseEntry {
                database_id: r.get(0)?,
                name: r.get(1)?,
                status: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Replaces the database token (the old one stops working at once) and
/// bumps the generation.
pub fn rotate_token(conn: &Connection, database_id: &str, token: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE databases SET token_hash = ?2, generation = generation + 1 WHERE database_id = ?1",
        params![database_id, hash_secret(token)],
    )?;
    Ok(())
}

/// A short-lived SQL token for one database.
pub struct NewQueryToken<'a> {
    pub token: &'a str,
    pub database_id: &'a str,
    pub expires_at_ms: i64,
    pub audience: &'a str,
    pub reason: &'a str,
}

/// Stores a query token (hashed).
pub fn insert_query_token(conn: &Connection, t: NewQueryToken<'_>) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO query_tokens (token_hash, database_id, expires_at_ms, audience, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            hash_secret(t.token),
            t.database_id,
            t.expires_at_ms,
            t.audience,
            t.reason,
            now_rfc3339()
        ],
    )?;
    Ok(())
}

/// `running` or `suspended`.
pub fn set_status(conn: &Connection, database_id: &str, status: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE databases SET status = ?2 WHERE database_id = ?1",
        [database_id, status],
    )?;
    Ok(())
}

/// The usage counters the data endpoint keeps up to date.
pub struct Counters {
    pub rows_read: i64,
    pub rows_written: i64,
    pub storage_bytes: i64,
    pub query_count: i64,
}

/// The usage counters of a database.
pub fn usage(conn: &Connection, database_id: &str) -> ApiResult<Counters> {
    Ok(conn.query_row(
        "SELECT rows_read, rows_written, storage_bytes, query_count FROM databases WHERE database_id = ?1",
        [database_id],
        |r| {
            Ok(Counters {
                rows_read: r.get(0)?,
                rows_written: r.get(1)?,
                storage_bytes: r.get(2)?,
                query_count: r.get(3)?,
            })
        },
    )?)
}

/// Marks the database deleted and drops its query tokens (its files are
/// the data endpoint's to remove).
pub fn delete_database(conn: &Connection, database_id: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE databases SET deleted_at = ?2 WHERE database_id = ?1",
        [database_id, &now_rfc3339()],
    )?;
    conn.execute(
        "DELETE FROM query_tokens WHERE database_id = ?1",
        [database_id],
    )?;
    Ok(())
}
