//! Validation and normalisation of the names callers send: hostnames,
//! app and database names, environment keys.

use comwit_client::rules;

use crate::error::ApiError;

/// A host name (domain, custom hostname, nameserver), normalised — the
/// platform rule of `comwit_client::rules`, with a 400 that quotes a short
/// excerpt of the input and names the rule it broke.
pub fn hostname(raw: &str) -> Result<String, ApiError> {
    rules::hostname(raw).map_err(|why| invalid_hostname(raw, &why))
}

fn invalid_hostname(raw: &str, why: &rules::HostnameError) -> ApiError {
    ApiError::bad_request(format!(
        "invalid hostname {}: {why}",
        crate::error::quoted(raw)
    ))
}

/// App and database names, by the platform rule of `comwit_client::rules`.
pub fn resource_name(kind: &str, raw: &str) -> Result<String, ApiError> {
    rules::resource_name(raw)
        .map(str::to_string)
        .map_err(|why| {
            ApiError::bad_request(format!(
                "invalid {kind} name {}: {why}",
                crate::error::quoted(raw)
            ))
        })
}

/// Environment keys, by the platform rule of `comwit_client::rules`.
pub fn env_key(raw: &str) -> Result<(), ApiError> {
    rules::env_key(raw).map(drop).map_err(|why| {
        ApiError::bad_request(format!(
            "invalid environment key {}: {why}",
            crate::error::quoted(raw)
        ))
    })
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
