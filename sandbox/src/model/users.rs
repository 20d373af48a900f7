//! Users: the sandbox's own user and the existence check the operator
//! routes make before minting or adding members.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{ApiError, ApiResult};
use crate::ids::now_rfc3339;

/// The user every sandbox starts with; member of the seeded projects.
pub const SANDBOX_USER: &str = "user-sandbox";

/// 404 unless `user_id` exists.
pub fn user_exists(conn: &Connection, user_id: &str) -> ApiResult<()> {
    let found: Option<i64> = conn
        .query_row("SELECT 1 FROM users WHERE user_id = ?1", [user_id], |r| {
            r.get(0)
        })
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found(format!("user {user_id} not found")))
}

/// Adds a user.
pub fn insert_user(conn: &Connection, user_id: &str, name: &str) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO users (user_id, name, created_at) VALUES (?1, ?2, ?3)",
        params![user_id, name, now_rfc3339()],
    )?;
    Ok(())
}
