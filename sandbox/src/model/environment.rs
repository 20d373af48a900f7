//! App environment values (plain values only: the platform stores no
//! secret values).

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnvVar {
    pub key: String,
    pub value: String,
    pub secret: bool,
}

/// The app's values, sorted by key.
pub fn env_of(conn: &Connection, app_id: &str) -> ApiResult<Vec<EnvVar>> {
    Ok(conn
        .prepare_cached("SELECT key, value FROM env WHERE app_id = ?1 ORDER BY key")?
        .query_map([app_id], |r| {
            Ok(EnvVar {
                key: r.get(0)?,
                value: r.get(1)?,
                secret: false,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Sets `key` to `value`; true when the key did not exist before.
pub fn put_env(conn: &Connection, app_id: &str, key: &str, value: &str) -> ApiResult<bool> {
    let existed = conn.execute(
        "UPDATE env SET value = ?3 WHERE app_id = ?1 AND key = ?2",
        params![app_id, key, value],
    )? > 0;
    if !existed {
        conn.execute(
            "INSERT INTO env (app_id, key, value) VALUES (?1, ?2, ?3)",
            params![app_id, key, value],
        )?;
    }
    Ok(!existed)
}

/// Removes `key`; false when it was not set.
pub fn delete_env(conn: &Connection, app_id: &str, key: &str) -> ApiResult<bool> {
    Ok(conn.execute(
        "DELETE FROM env WHERE app_id = ?1 AND key = ?2",
        [app_id, key],
    )? > 0)
}
