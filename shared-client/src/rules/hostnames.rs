//! Host names.
//!
//! A host name is at least two labels of letters, digits and inner
//! hyphens, at most 253 characters; internationalised names are accepted
//! in Unicode or `xn--` form and come back as lower-case ASCII. What looks
//! like a name but is an address is refused: an all-numeric top-level
//! label (`1.2.3.4`, `127.1`) or anything a resolver would read as an IPv4
//! address (`0x7f.0.0.1`, `2130706433`).

/// Why a name is not a host name; `Display` says which rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostnameError {
    #[error("it is empty")]
    Empty,
    #[error("it is not a valid internationalised name (use its xn-- form or fix the spelling)")]
    BadIdn,
    #[error("it is longer than 253 characters")]
    TooLong,
    #[error("it needs at least two labels, like example.com")]
    OneLabel,
    #[error("every label must be 1 to 63 characters (no empty labels, no '..')")]
    LabelLength,
    #[error("labels hold letters, digits and inner hyphens only")]
    LabelCharacters,
    #[error("it is an IP address, not a host name: use a domain name")]
    IpLiteral,
    #[error("the last label (the top-level domain) cannot be all digits")]
    NumericTld,
}

/// A host name for a domain, a custom hostname or a nameserver: letters,
/// digits and inner hyphens only. Returns the normalised form.
pub fn hostname(raw: &str) -> Result<String, HostnameError> {
    normalise(raw, false)
}

/// A name a DNS record may point at (CNAME, MX and NS targets): a host
/// name whose labels may also hold underscores (`_acme.example.com`).
pub fn dns_target(raw: &str) -> Result<String, HostnameError> {
    normalise(raw, true)
}

fn normalise(raw: &str, underscores: bool) -> Result<String, HostnameError> {
    let trimmed = raw.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(HostnameError::Empty);
    }
    let name = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(trimmed).map_err(|_| HostnameError::BadIdn)?
    };
    if name.len() > 253 {
        return Err(HostnameError::TooLong);
    }
    if is_ipv4_literal(&name) {
        return Err(HostnameError::IpLiteral);
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(HostnameError::OneLabel);
    }
    for label in &labels {
        check_label(label, underscores)?;
    }
    let tld = labels[labels.len() - 1];
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HostnameError::NumericTld);
    }
    Ok(name)
}

fn check_label(label: &str, underscores: bool) -> Result<(), HostnameError> {
    if label.is_empty() || label.len() > 63 {
        return Err(HostnameError::LabelLength);
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || (underscores && b == b'_');
    if !label.bytes().all(allowed) || label.starts_with('-') || label.ends_with('-') {
        return Err(HostnameError::LabelCharacters);
    }
    // An A-label must decode to Unicode and encode back to itself.
    if label.starts_with("xn--") {
        let (unicode, decoded) = idna::domain_to_unicode(label);
        let round_trip = idna::domain_to_ascii(&unicode).ok();
        if decoded.is_err() || round_trip.as_deref() != Some(label) {
            return Err(HostnameError::BadIdn);
        }
    }
    Ok(())
}

/// An IPv4 address in any form `inet_aton` accepts: one to four parts,
/// each decimal, octal (leading 0) or hexadecimal (0x).
fn is_ipv4_literal(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 4 && parts.iter().all(|p| is_inet_number(p))
}

fn is_inet_number(part: &str) -> bool {
    let hex = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X"));
    match hex {
        Some(digits) => digits.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised() {
        assert_eq!(hostname("WWW.Example.COM.").unwrap(), "www.example.com");
        assert_eq!(hostname("bücher.example").unwrap(), "xn--bcher-kva.example");
        assert_eq!(
            hostname("xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            dns_target("_acme.example.com").unwrap(),
            "_acme.example.com"
        );
        assert_eq!(hostname("0x7f.example").unwrap(), "0x7f.example");
    }

    #[test]
    fn ip_literals_are_refused_in_every_form() {
        for ip in [
            "1.2.3.4",
            "1.2.3.4.",
            "127.1",
            "2130706433",
            "0x7f.0.0.1",
            "0x7f.1",
            "0177.0.0.01",
            "127.0.0.0x1",
        ] {
            assert_eq!(hostname(ip), Err(HostnameError::IpLiteral), "{ip}");
        }
        for other in ["::1", "[::1]", "[2001:db8::1]", "2001:db8::1"] {
            assert!(hostname(other).is_err(), "{other}");
        }
        assert_eq!(hostname("www.example.123"), Err(HostnameError::NumericTld));
        assert_eq!(hostname("1.2.3.4.5"), Err(HostnameError::NumericTld));
    }

    #[test]
    fn malformed_names_are_refused_with_the_rule() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}com", "abcdefghi.".repeat(26));
        let cases = [
            ("", HostnameError::Empty),
            (" . ", HostnameError::Empty),
            ("localhost", HostnameError::OneLabel),
            ("a..example.com", HostnameError::LabelLength),
            (".example.com", HostnameError::LabelLength),
            (long_label.as_str(), HostnameError::LabelLength),
            (long_name.as_str(), HostnameError::TooLong),
            ("-a.example.com", HostnameError::LabelCharacters),
            ("a-.example.com", HostnameError::LabelCharacters),
            ("*.example.com", HostnameError::LabelCharacters),
            ("a b.example.com", HostnameError::LabelCharacters),
            ("_acme.example.com", HostnameError::LabelCharacters),
            ("a/b.example.com", HostnameError::LabelCharacters),
            ("xn--zz.example", HostnameError::BadIdn),
        ];
        for (raw, want) in cases {
            assert_eq!(hostname(raw), Err(want.clone()), "{raw:?}");
        }
        assert!(hostname("\u{0}.example").is_err());
    }
}
