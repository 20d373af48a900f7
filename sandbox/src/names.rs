//! Validation and normalisation of the names callers send: hostnames,
//! app and database names, environment keys.

use crate::error::ApiError;

/// A host name (domain, custom hostname, nameserver), normalised — the
/// platform rule of `comwit_client::names`, with a 400 that quotes a short
/// excerpt of the input and names the rule it broke.
pub fn hostname(raw: &str) -> Result<String, ApiError> {
    comwit_client::names::hostname(raw).map_err(|why| invalid_hostname(raw, &why))
}

/// A name a record may point at (underscores allowed).
pub fn dns_target(raw: &str) -> Result<String, ApiError> {
    comwit_client::names::dns_target(raw).map_err(|why| invalid_hostname(raw, &why))
}

fn invalid_hostname(raw: &str, why: &comwit_client::names::HostnameError) -> ApiError {
    ApiError::bad_request(format!(
        "invalid hostname {}: {why}",
        crate::error::quoted(raw)
    ))
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
            "invalid {kind} name {}: use 1 to 63 lower-case letters, digits and inner hyphens, e.g. \"web\"",
            crate::error::quoted(raw)
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
            "invalid environment key {}: use letters, digits and underscores, not starting with a digit",
            crate::error::quoted(raw)
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
        assert_eq!(hostname("bücher.example").unwrap(), "xn--bcher-kva.example");
    }

    #[test]
    fn an_invalid_hostname_quotes_a_short_excerpt_and_names_the_rule() {
        let e = hostname(&"9".repeat(60_000)).unwrap_err();
        assert!(e.detail().len() < 200, "{}", e.detail());
        assert!(e.detail().contains("longer than 253"), "{}", e.detail());
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
