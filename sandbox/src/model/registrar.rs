//! The registrar simulation: what the parent zone publishes for a domain
//! (the registry DNS answers from it).

use rusqlite::Connection;

use crate::error::ApiResult;

/// Sets the nameservers published for `domain`; none = not registered.
pub fn set_nameservers(conn: &Connection, domain: &str, nameservers: &[String]) -> ApiResult<()> {
    if nameservers.is_empty() {
        conn.execute("DELETE FROM registrar WHERE domain = ?1", [domain])?;
    } else {
        conn.execute(
            "INSERT INTO registrar (domain, nameservers) VALUES (?1, ?2)
             ON CONFLICT (domain) DO UPDATE SET nameservers = ?2",
            [
                domain,
                &serde_json::to_string(nameservers).expect("serialises"),
            ],
        )?;
    }
    Ok(())
}
