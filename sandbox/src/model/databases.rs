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
