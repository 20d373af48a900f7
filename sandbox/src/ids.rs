//! Product ids and secrets. Ids are opaque to clients; the prefixes only
//! make logs readable. Secrets are stored as SHA-256 hashes, never raw.

use rand::RngExt;
use sha2::{Digest, Sha256};

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    hex::encode(buf)
}

/// `prefix` + 16 hex digits, e.g. `app-3f9c0a1b2c3d4e5f`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(8))
}

/// A user personal access token: `cwt_` + 40 hex digits.
pub fn new_user_token() -> String {
    format!("cwt_{}", random_hex(20))
}

/// Database tokens and query tokens (opaque, long, unguessable).
pub fn new_db_token(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(24))
}

/// Operator token generated for a data dir when the environment gives none.
pub fn new_operator_token() -> String {
    format!("cwop_{}", random_hex(24))
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A Route 53 style hosted zone id: `Z` + 20 upper-case alphanumerics.
pub fn new_hosted_zone_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("Z{tail}")
}

/// Four Route 53 style nameservers, one per TLD, chosen afresh for every
/// zone (so re-adding a domain gets new nameservers, as documented).
pub fn new_nameservers() -> Vec<String> {
    let mut rng = rand::rng();
    ["com", "net", "org", "co.uk"]
        .iter()
        .map(|tld| {
            format!(
                "ns-{}.awsdns-{:02}.{tld}",
                rng.random_range(1..2048),
                rng.random_range(0..64)
            )
        })
        .collect()
}

/// A short code a person types on the approval page: `ABCD-EFGH`.
pub fn new_user_code() -> String {
    // No vowels or look-alikes, so codes are never words and read aloud well.
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::rng();
    let mut pick = || ALPHABET[rng.random_range(0..ALPHABET.len())] as char;
    let a: String = (0..4).map(|_| pick()).collect();
    let b: String = (0..4).map(|_| pick()).collect();
    format!("{a}-{b}")
}

/// RFC 3339 UTC timestamp for `secs` since the Unix epoch.
pub fn rfc3339(secs: i64) -> String {
    // Civil-from-days (Howard Hinnant), so no date crate is needed for this.
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Milliseconds since the epoch: for expiries and poll spacing, where
/// whole seconds would round a 1 s lifetime down to almost nothing.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn now_rfc3339() -> String {
    rfc3339(now_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_478_400), "2026-11-24T00:00:00Z");
    }

    #[test]
    fn user_tokens_are_cwt_hex() {
        let t = new_user_token();
        assert!(t.starts_with("cwt_"));
        assert!(t[4..].chars().all(|c| c.is_ascii_hexdigit()));
    }
}
