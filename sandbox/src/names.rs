//! Validation and normalisation of the names callers send: hostnames,
//! app and database names, environment keys.

use crate::error::ApiError;

/// Lower-cases, drops one trailing dot and checks LDH labels. IDNs must be
/// sent in their ASCII (`xn--`) form.
pub fn hostname(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = |why: &str| ApiError::bad_request(format!("invalid hostname {raw:?}: {why}"));
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if !name.is_ascii() {
        return Err(bad("use the ASCII (xn--) form of internationalised names"));
    }
    if name.len() > 253 {
        return Err(bad("longer than 253 characters"));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("it needs at least two labels, like example.com"));
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return Err(bad("every label must be 1 to 63 characters"));
        }
        let ok = label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok || label.starts_with('-') || label.ends_with('-') {
            return Err(bad("labels hold letters, digits and inner hyphens only"));
        }
    }
    Ok(name)
}

/// App and database names: 1–63 of `a-z 0-9 -`, starting with a letter or
/// digit (*assumed*: DNS-label-like, since names can become hostnames).
pub fn resource_name(kind: &str, raw: &str) -> Result<String, ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= 63
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if ok {
        Ok(raw.to_string())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid {kind} name {raw:?}: use 1 to 63 lower-case letters, digits and inner hyphens, e.g. \"web\""
        )))
    }
}

/// Environment keys: `[A-Za-z_][A-Za-z0-9_]*`, at most 256 characters.
pub fn env_key(raw: &str) -> Result<(), ApiError> {
    let mut bytes = raw.bytes();
    let ok = raw.len() <= 256
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "invalid environment key {raw:?}: use letters, digits and underscores, not starting with a digit"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_are_normalised() {
        assert_eq!(hostname("WWW.Example.COM.").unwrap(), "www.example.com");
        assert!(hostname("localhost").is_err());
        assert!(hostname("-a.example.com").is_err());
        assert!(hostname("a..example.com").is_err());
        assert!(hostname("bücher.example").is_err());
    }

    #[test]
    fn env_keys() {
        assert!(env_key("LOG_LEVEL").is_ok());
        assert!(env_key("_x1").is_ok());
        assert!(env_key("1X").is_err());
        assert!(env_key("A-B").is_err());
        assert!(env_key("").is_err());
    }
}
