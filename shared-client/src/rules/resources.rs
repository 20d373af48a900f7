//! Names of resources (apps, databases) and environment keys.

/// Why a resource name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("it is empty: use 1 to 63 lower-case letters, digits and inner hyphens, e.g. \"web\"")]
    Empty,
    #[error(
        "it is longer than 63 characters: use 1 to 63 lower-case letters, digits and inner hyphens"
    )]
    TooLong,
    #[error("use lower-case letters, digits and inner hyphens only, e.g. \"web\"")]
    Characters,
    #[error("it cannot start or end with a hyphen")]
    EdgeHyphen,
}

/// App and database names: 1–63 of `a-z 0-9 -`, not starting or ending
/// with a hyphen (*assumed*: DNS-label-like, since names become hostnames).
pub fn resource_name(raw: &str) -> Result<&str, NameError> {
    if raw.is_empty() {
        return Err(NameError::Empty);
    }
    if raw.len() > 63 {
        return Err(NameError::TooLong);
    }
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    if !raw.bytes().all(allowed) {
        return Err(NameError::Characters);
    }
    if raw.starts_with('-') || raw.ends_with('-') {
        return Err(NameError::EdgeHyphen);
    }
    Ok(raw)
}

/// Why an environment key is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvKeyError {
    #[error("the key is empty")]
    Empty,
    #[error("it is longer than 256 characters")]
    TooLong,
    #[error("a key cannot start with a digit")]
    LeadingDigit,
    #[error("use letters, digits and underscores only")]
    Characters,
}

/// Environment keys: `[A-Za-z_][A-Za-z0-9_]*`, at most 256 characters
/// (*assumed*: the shell's rule, so every key can be read as a variable).
pub fn env_key(raw: &str) -> Result<&str, EnvKeyError> {
    if raw.is_empty() {
        return Err(EnvKeyError::Empty);
    }
    if raw.len() > 256 {
        return Err(EnvKeyError::TooLong);
    }
    if !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(EnvKeyError::Characters);
    }
    if raw.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(EnvKeyError::LeadingDigit);
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_are_dns_label_like() {
        assert_eq!(resource_name("app-db"), Ok("app-db"));
        assert_eq!(resource_name("9lives"), Ok("9lives"));
        assert_eq!(resource_name(""), Err(NameError::Empty));
        assert_eq!(resource_name(&"a".repeat(64)), Err(NameError::TooLong));
        assert_eq!(resource_name("App"), Err(NameError::Characters));
        assert_eq!(resource_name("a_b"), Err(NameError::Characters));
        assert_eq!(resource_name("-web"), Err(NameError::EdgeHyphen));
        assert_eq!(resource_name("web-"), Err(NameError::EdgeHyphen));
    }

    #[test]
    fn env_keys_are_shell_variables() {
        assert_eq!(env_key("LOG_LEVEL"), Ok("LOG_LEVEL"));
        assert_eq!(env_key("_x1"), Ok("_x1"));
        assert_eq!(env_key("1X"), Err(EnvKeyError::LeadingDigit));
        assert_eq!(env_key("A-B"), Err(EnvKeyError::Characters));
        assert_eq!(env_key(""), Err(EnvKeyError::Empty));
        assert_eq!(env_key(&"K".repeat(257)), Err(EnvKeyError::TooLong));
    }
}
