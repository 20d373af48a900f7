//! User (`cwt_`) tokens: minted here, stored only as a hash.

use rusqlite::{Connection, params};

use crate::error::ApiResult;
use crate::ids::{hash_secret, new_user_token, now_rfc3339};

/// Mints a token for `user_id` with `scopes`; the raw token is returned
/// once and never stored.
pub fn insert_token(conn: &Connection, user_id: &str, scopes: &[String]) -> ApiResult<String> {
    let token = new_user_token();
    insert_token_value(conn, user_id, &token, scopes)?;
    Ok(token)
}

/// Stores `token` (a value chosen ahead, as a seed file does) for
/// `user_id` with `scopes`.
pub fn insert_token_value(
    conn: &Connection,
    user_id: &str,
    token: &str,
    scopes: &[String],
) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO tokens (token_hash, user_id, scopes, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            hash_secret(token),
            user_id,
            serde_json::to_string(scopes).expect("serialises"),
            now_rfc3339()
        ],
    )?;
    Ok(())
}
