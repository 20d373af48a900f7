//! Device logins (RFC 8628 style): the pending code, its approval, the
//! polling pace and its one use. Device codes are stored hashed.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::ApiResult;
use crate::ids::hash_secret;

/// A device login as the token route polls it.
pub struct DeviceLogin {
    pub expires_at_ms: i64,
    pub interval_secs: i64,
    pub last_poll_ms: Option<i64>,
    /// `pending`, `approved`, `denied` or `used`.
    pub status: String,
    pub user_id: Option<String>,
    /// JSON list, set on approval.
    pub scopes: Option<String>,
}

/// Starts a pending login for `device_code` (stored hashed).
pub fn insert_device_login(
    conn: &Connection,
    device_code: &str,
    user_code: &str,
    expires_at_ms: i64,
    interval_secs: i64,
) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO device_codes (device_code_hash, user_code, expires_at_ms, interval_secs, status)
         VALUES (?1, ?2, ?3, ?4, 'pending')",
        params![hash_secret(device_code), user_code, expires_at_ms, interval_secs],
    )?;
    Ok(())
}

/// The login whose device code hashes to `code_hash`, if any.
pub fn load_device_login(conn: &Connection, code_hash: &str) -> ApiResult<Option<DeviceLogin>> {
    Ok(conn
        .query_row(
            "SELECT expires_at_ms, interval_secs, last_poll_ms, status, user_id, scopes
             FROM device_codes WHERE device_code_hash = ?1",
            [code_hash],
            |r| {
                Ok(DeviceLogin {
                    expires_at_ms: r.get(0)?,
                    interval_secs: r.get(1)?,
                    last_poll_ms: r.get(2)?,
                    status: r.get(3)?,
                    user_id: r.get(4)?,
                    scopes: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Records a poll at `now_ms`; `slow_down` also makes the interval 5 s
/// longer (the client polled too fast).
pub fn record_poll(
    conn: &Connection,
    code_hash: &str,
    now_ms: i64,
    slow_down: bool,
) -> ApiResult<()> {
    let sql = if slow_down {
        "UPDATE device_codes SET interval_secs = interval_secs + 5, last_poll_ms = ?2
         WHERE device_code_hash = ?1"
    } else {
        "UPDATE device_codes SET last_poll_ms = ?2 WHERE device_code_hash = ?1"
    };
    conn.execute(sql, params![code_hash, now_ms])?;
    Ok(())
}

/// The login has handed out its token: it cannot be used again.
pub fn mark_used(conn: &Connection, code_hash: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE device_codes SET status = 'used' WHERE device_code_hash = ?1",
        [code_hash],
    )?;
    Ok(())
}

/// Approves (`approved`) or denies (`denied`) the pending login with
/// `user_code` for `user_id` with `scopes`; false when none is pending.
pub fn decide(
    conn: &Connection,
    user_code: &str,
    status: &str,
    user_id: &str,
    scopes: &[&str],
) -> ApiResult<bool> {
    let changed = conn.execute(
        "UPDATE device_codes SET status = ?2, user_id = ?3, scopes = ?4
         WHERE user_code = ?1 AND status = 'pending'",
        params![
            user_code,
            status,
            user_id,
            serde_json::to_string(scopes).expect("serialises")
        ],
    )?;
    Ok(changed > 0)
}
