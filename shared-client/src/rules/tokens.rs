//! The form of a user token: `cwt_` followed by hex digits (the
//! authentication page: "cwt_ followed by a hex string"). Checked before a
//! pasted token is sent anywhere, so a truncated or decorated paste is
//! named as such instead of coming back as a bare 401.

use std::fmt;

pub const USER_TOKEN_PREFIX: &str = "cwt_";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Nothing was given.
    Empty,
    /// Text around the token (`Bearer `, quotes, spaces).
    Decorated,
    /// `cwt_` and nothing after it.
    NoDigits,
    /// A character after `cwt_` (1-based position in the token) is not hex.
    NotHex { at: usize },
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Empty => write!(f, "paste a token first"),
            TokenError::Decorated => write!(
                f,
                "paste only the token: it starts with cwt_, without \"Bearer\", quotes or spaces"
            ),
            TokenError::NoDigits => write!(
                f,
                "the token stops after cwt_: the hex digits that follow are missing; copy it whole"
            ),
            TokenError::NotHex { at } => write!(
                f,
                "a cwt_ token is cwt_ followed by hex digits (0-9, a-f), but character {at} is not \
                 one: copy the token again from the console"
            ),
        }
    }
}

impl std::error::Error for TokenError {}

/// Checks a user token's form. Text without the `cwt_` prefix anywhere is
/// not a user token at all (an operator token has no fixed form), so only
/// `Empty` and `Decorated` apply to it.
pub fn user_token(text: &str) -> Result<(), TokenError> {
    if text.is_empty() {
        return Err(TokenError::Empty);
    }
    let Some(digits) = text.strip_prefix(USER_TOKEN_PREFIX) else {
        let decorated = text.contains(USER_TOKEN_PREFIX) || text.contains(char::is_whitespace);
        return if decorated {
            Err(TokenError::Decorated)
        } else {
            Ok(())
        };
    };
    if digits.is_empty() {
        return Err(TokenError::NoDigits);
    }
    match digits.chars().position(|c| !c.is_ascii_hexdigit()) {
        Some(i) if digits[i..].starts_with(char::is_whitespace) => Err(TokenError::Decorated),
        Some(i) => Err(TokenError::NotHex {
            at: USER_TOKEN_PREFIX.len() + i + 1,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_token_is_the_prefix_and_hex() {
        assert_eq!(user_token(&format!("cwt_{}", "0a".repeat(20))), Ok(()));
        assert_eq!(user_token(""), Err(TokenError::Empty));
        assert_eq!(user_token("cwt_"), Err(TokenError::NoDigits));
        assert_eq!(user_token("cwt_00zz"), Err(TokenError::NotHex { at: 7 }));
        assert_eq!(user_token("Bearer cwt_00"), Err(TokenError::Decorated));
        assert_eq!(user_token("\"cwt_00\""), Err(TokenError::Decorated));
        assert_eq!(user_token("cwt_00 trailing"), Err(TokenError::Decorated));
        assert_eq!(user_token("an-operator-secret"), Ok(()), "no fixed form");
        assert!(
            TokenError::NotHex { at: 7 }
                .to_string()
                .contains("character 7")
        );
    }
}
