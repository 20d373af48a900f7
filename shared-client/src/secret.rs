//! Secrets that never print themselves.

use std::fmt;

/// A token or other secret. `Debug` and `Display` show only a short,
/// redacted form (`cwt_…abcd`); `expose` is the one way to the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the few places that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `cwt_…abcd`: the prefix up to the first `_` and the last four
    /// characters, enough to tell tokens apart and nothing more.
    pub fn redacted(&self) -> String {
        let s = self.0.as_str();
        let prefix = s
            .find('_')
            .map(|i| &s[..=i])
            .filter(|p| p.len() <= 8)
            .unwrap_or("");
        let chars: Vec<char> = s.chars().collect();
        if chars.len() < 12 {
            return format!("{prefix}…");
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{prefix}…{tail}")
    }

    /// User (`cwt_`) or operator token.
    pub fn kind(&self) -> TokenKind {
        if self.0.starts_with("cwt_") {
            TokenKind::User
        } else {
            TokenKind::Operator
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

/// Which class of token a client holds, so front ends can show it and
/// know whether operator routes are reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A scoped `cwt_` personal access token.
    User,
    /// The platform's operator token (`PLATFORM_API_SERVER_TOKEN`).
    Operator,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenKind::User => "user token",
            TokenKind::Operator => "operator token",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_their_value() {
        let s = Secret::new("cwt_0123456789abcdef0123456789abcdef01234567");
        assert_eq!(format!("{s}"), "cwt_…4567");
        assert_eq!(format!("{s:?}"), "Secret(cwt_…4567)");
        assert!(!format!("{s:?} {s} {s:#?}").contains("0123456789abcdef"));
        assert_eq!(Secret::new("short").to_string(), "…");
        assert_eq!(s.kind(), TokenKind::User);
        assert_eq!(
            Secret::new("cwop_abcdef0123456789").kind(),
            TokenKind::Operator
        );
    }
}
