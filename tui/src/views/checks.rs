//! What the forms check before anything is sent: record fields, database
//! names, environment keys, domains and hostnames, each by the platform's
//! rule in `comwit_client::rules` (the sandbox answers 400 by the same
//! rules), so a typo is explained in the form (which stays open) instead
//! of coming back after a round trip, and the form and the API never
//! disagree. Messages quote a bounded excerpt of what was typed.

use comwit_client::excerpt::quoted;
use comwit_client::rules::{self, RecordError};

pub use comwit_client::rules::{DEFAULT_TTL, TTL_RANGE, TYPES, clash, relative};

/// A record the form accepted, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// As typed (relative, `@`, or fully qualified): the API qualifies it.
    pub name: String,
    /// The fully qualified name, for local conflict checks.
    pub fqdn: String,
    pub kind: String,
    pub ttl: u32,
    pub values: Vec<String>,
}

/// Checks the form's fields for a record in `zone`. `values` holds one
/// value per line; blank lines are ignored.
pub fn record(
    zone: &str,
    name: &str,
    kind: &str,
    ttl: &str,
    values: &str,
) -> Result<Draft, String> {
    let kind =
        rules::record_type(kind).map_err(|why| format!("{} is {why}", quoted(kind.trim())))?;
    let fqdn = rules::qualify(zone, name).map_err(|why| why.to_string())?;
    let ttl = self::ttl(ttl)?;
    let values: Vec<&str> = values
        .lines()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let normalised = rules::check_values(kind, zone, &fqdn, &values).map_err(|e| match e {
        // A one-value record needs no "value 1".
        RecordError::Value { index, why } if rules::is_single(kind) => {
            format!("{} {why}", quoted(values[index]))
        }
        RecordError::Value { index, why } => {
            format!("value {} {} {why}", index + 1, quoted(values[index]))
        }
        other => other.to_string(),
    })?;
    Ok(Draft {
        name: name.trim().to_string(),
        fqdn,
        kind: kind.to_string(),
        ttl,
        values: normalised,
    })
}

/// The TTL as typed: whole seconds within [`TTL_RANGE`].
pub fn ttl(ttl: &str) -> Result<u32, String> {
    let (lo, hi) = (TTL_RANGE.start(), TTL_RANGE.end());
    let seconds = ttl.trim().parse::<u32>().map_err(|_| {
        format!(
            "TTL {} is not a whole number of seconds ({lo} to {hi})",
            quoted(ttl.trim())
        )
    })?;
    rules::check_ttl(seconds).map_err(|why| why.to_string())
}

/// An app or database name (a resource name).
pub fn resource_name(name: &str) -> Result<(), String> {
    rules::resource_name(name)
        .map(drop)
        .map_err(|why| format!("{}: {why}", quoted(name)))
}

/// An environment variable's key.
pub fn env_key(key: &str) -> Result<(), String> {
    rules::env_key(key)
        .map(drop)
        .map_err(|why| format!("{}: {why}", quoted(key)))
}

/// A domain to add to a project or a hostname to attach to an app;
/// returns the name as it will be sent (lower-case, punycode).
pub fn hostname(typed: &str) -> Result<String, String> {
    rules::hostname(typed)
        .map_err(|why| format!("{} is not a host name: {why}", quoted(typed.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: &str = "shop.example";

    fn ok(kind: &str, name: &str, values: &str) -> Draft {
        record(Z, name, kind, "300", values).unwrap_or_else(|e| panic!("{kind} {values:?}: {e}"))
    }

    fn err(kind: &str, name: &str, values: &str) -> String {
        match record(Z, name, kind, "300", values) {
            Ok(d) => panic!("{kind} {values:?} was accepted: {d:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_records_take_ipv4_addresses_one_per_line() {
        let d = ok("A", "www", "192.0.2.1\n\n 192.0.2.2 ");
        assert_eq!(d.values, vec!["192.0.2.1", "192.0.2.2"]);
        assert_eq!(d.fqdn, "www.shop.example");
        assert!(err("A", "www", "192.0.2.300").contains("IPv4"));
        assert!(err("A", "www", "2001:db8::1").contains("IPv4"));
        let e = err("A", "www", "192.0.2.1\nnope");
        assert!(e.starts_with("value 2 "), "{e}");
    }

    #[test]
    fn aaaa_records_take_ipv6_addresses() {
        assert_eq!(ok("AAAA", "@", "2001:DB8:0::1").values, vec!["2001:db8::1"]);
        assert!(err("AAAA", "@", "192.0.2.1").contains("IPv6"));
    }

    #[test]
    fn cname_is_one_hostname_and_never_at_the_apex() {
        assert_eq!(
            ok("CNAME", "docs", "Host.Example.NET.").values,
            vec!["host.example.net"]
        );
        assert!(err("CNAME", "docs", "a.example\nb.example").contains("exactly one"));
        assert!(err("CNAME", "docs", "not a host").contains("hostname"));
        assert!(err("CNAME", "docs", "localhost").contains("two labels"));
        assert!(err("CNAME", "@", "a.example.net").contains("apex"));
        assert!(err("CNAME", "shop.example", "a.example.net").contains("apex"));
    }

    #[test]
    fn a_alias_lives_only_at_the_apex() {
        ok("A_ALIAS", "@", "lb.example.net");
        assert!(err("A_ALIAS", "www", "lb.example.net").contains("must be @"));
    }

    #[test]
    fn mx_is_preference_then_host() {
        assert_eq!(
            ok("MX", "@", "10  Mail.Shop.Example.").values,
            vec!["10 mail.shop.example"]
        );
        assert!(err("MX", "@", "mail.shop.example").contains("<preference> <mail host>"));
        assert!(err("MX", "@", "high mail.shop.example").contains("0 to 65535"));
        assert!(err("MX", "@", "70000 mail.shop.example").contains("0 to 65535"));
        assert!(err("MX", "@", "10 mail").contains("two labels"));
        assert!(err("MX", "@", "10 a.example extra").contains("<preference>"));
    }

    #[test]
    fn txt_is_any_printable_text_within_the_limit() {
        ok("TXT", "@", "v=spf1 include:mail.shop.example -all");
        ok("TXT", "_dmarc", &"x".repeat(4000));
        assert!(err("TXT", "@", &"x".repeat(4001)).contains("at most 4000"));
        assert!(err("TXT", "@", "\n \n").contains("at least one value"));
        assert!(err("TXT", "@", "tab\there").contains("control characters"));
    }

    #[test]
    fn ttl_is_whole_seconds_in_range() {
        assert_eq!(ttl(" 3600 "), Ok(3600));
        assert_eq!(ttl("60"), Ok(60));
        assert!(ttl("59").unwrap_err().contains("60 to 86400"));
        assert!(ttl("86401").unwrap_err().contains("out of range"));
        assert!(ttl("5m").unwrap_err().contains("whole number"));
        assert!(ttl("").is_err());
        assert!(record(Z, "www", "A", "-1", "192.0.2.1").is_err());
    }

    #[test]
    fn types_outside_the_contract_are_refused() {
        for kind in ["NS", "CAA", "SRV", "PTR"] {
            assert!(
                err(kind, "www", "x").contains("not a supported type"),
                "{kind}"
            );
        }
        assert_eq!(
            ok("a", "www", "192.0.2.1").kind,
            "A",
            "types are case-insensitive"
        );
    }

    #[test]
    fn names_are_checked_in_the_form() {
        assert_eq!(ok("A", "WWW", "192.0.2.1").fqdn, "www.shop.example");
        assert_eq!(ok("A", "WWW", "192.0.2.1").name, "WWW", "sent as typed");
        assert!(err("A", " ", "192.0.2.1").contains("use @"));
        assert!(err("A", "www.other.example.", "192.0.2.1").contains("outside"));
        assert!(err("A", "bad name", "192.0.2.1").contains("label"));
    }

    #[test]
    fn form_errors_quote_a_bounded_excerpt() {
        let hostile = "<b>".repeat(10_000);
        let e = err("A", "www", &hostile);
        assert!(e.len() < 300, "{} bytes", e.len());
        assert!(e.contains("IPv4"), "{e}");
    }

    #[test]
    fn names_and_keys_are_explained_in_the_form() {
        assert!(resource_name("app-db").is_ok());
        assert!(resource_name("App DB").unwrap_err().contains("lower-case"));
        assert!(env_key("API_BASE").is_ok());
        assert!(env_key("1X").unwrap_err().contains("digit"));
        assert!(env_key("A-B").unwrap_err().contains("underscores"));
        assert_eq!(
            hostname(" WWW.Shop.Example. "),
            Ok("www.shop.example".into())
        );
        assert!(hostname("localhost").unwrap_err().contains("\"localhost\""));
    }
}
