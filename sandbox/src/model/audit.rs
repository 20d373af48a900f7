//! The audit log of operator calls (written by `auth` as they arrive).

use rusqlite::Connection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub at: String,
    pub method: String,
    pub path: String,
    pub caller: String,
    pub actor_user_id: Option<String>,
}

/// The newest 1000 entries, newest first.
pub fn recent_audit(conn: &Connection) -> ApiResult<Vec<AuditEntry>> {
    Ok(conn
        .prepare(
            "SELECT at, method, path, caller, actor_user_id FROM audit ORDER BY id DESC LIMIT 1000",
        )?
        .query_map([], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                method: r.get(1)?,
                path: r.get(2)?,
                caller: r.get(3)?,
                actor_user_id: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}
