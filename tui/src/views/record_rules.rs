//! What a DNS record must look like before it is sent: the record form
//! checks here first so a typo is explained in the form (which stays open)
//! instead of coming back as a 400 after a round trip.
//!
//! The types are the ones the contract lists (`A`, `AAAA`, `CNAME`, `TXT`,
//! `MX`, `A_ALIAS`); the platform has no `NS`, `CAA` or `SRV` records, so
//! the form does not offer them. Limits the contract does not state (TTL
//! range, TXT length, values per record) follow the sandbox, which is the
//! project's reading of the platform; they live here, in one place.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::RangeInclusive;

/// Record types the platform accepts, in the order the form offers them.
pub const TYPES: &[&str] = &["A", "AAAA", "CNAME", "MX", "TXT", "A_ALIAS"];

/// *Assumed*: seconds; the contract is silent, the sandbox enforces this.
pub const TTL_RANGE: RangeInclusive<u32> = 60..=86_400;

/// What the platform uses when no TTL is given; the form's starting value.
pub const DEFAULT_TTL: u32 = 300;

/// *Assumed*: the sandbox's limits.
const MAX_VALUES: usize = 100;
const MAX_TXT_CHARS: usize = 4000;

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
pub fn check(zone: &str, name: &str, kind: &str, ttl: &str, values: &str) -> Result<Draft, String> {
    let kind = kind.trim().to_ascii_uppercase();
    if !TYPES.contains(&kind.as_str()) {
        return Err(format!(
            "{kind:?} is not a supported type: use one of {}",
            TYPES.join(", ")
        ));
    }
    let fqdn = qualify(zone, name)?;
    let ttl = check_ttl(ttl)?;
    let values: Vec<&str> = values
        .lines()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Err(format!("a {kind} record needs at least one value"));
    }
    if values.len() > MAX_VALUES {
        return Err(format!("a record holds at most {MAX_VALUES} values"));
    }
    let single = matches!(kind.as_str(), "CNAME" | "A_ALIAS");
    if single && values.len() != 1 {
        return Err(format!(
            "a {kind} record takes exactly one value (it has {})",
            values.len()
        ));
    }
    if kind == "CNAME" && fqdn == zone {
        return Err("a CNAME cannot sit at the zone apex (@): use A_ALIAS there".into());
    }
    if kind == "A_ALIAS" && fqdn != zone {
        return Err(
            "A_ALIAS is the apex alias: its name must be @; use CNAME for subdomains".into(),
        );
    }
    let values = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            check_value(&kind, v).map_err(|why| {
                if single {
                    why
                } else {
                    format!("value {} {why}", i + 1)
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Draft {
        name: name.trim().to_string(),
        fqdn,
        kind,
        ttl,
        values,
    })
}

/// The TTL as typed: whole seconds within [`TTL_RANGE`].
pub fn check_ttl(ttl: &str) -> Result<u32, String> {
    let (lo, hi) = (TTL_RANGE.start(), TTL_RANGE.end());
    match ttl.trim().parse::<u32>() {
        Ok(n) if TTL_RANGE.contains(&n) => Ok(n),
        Ok(n) => Err(format!("TTL {n} is out of range: use {lo} to {hi} seconds")),
        Err(_) => Err(format!(
            "TTL {:?} is not a whole number of seconds ({lo} to {hi})",
            ttl.trim()
        )),
    }
}

/// One value, normalised the way the platform stores it.
pub fn check_value(kind: &str, v: &str) -> Result<String, String> {
    let v = v.trim();
    match kind {
        "A" => v
            .parse::<Ipv4Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| format!("{v:?} is not an IPv4 address (like 192.0.2.10)")),
        "AAAA" => v
            .parse::<Ipv6Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| format!("{v:?} is not an IPv6 address (like 2001:db8::1)")),
        "CNAME" | "A_ALIAS" => hostname(v).map_err(|why| format!("{v:?} is not a hostname: {why}")),
        "MX" => {
            let parts: Vec<&str> = v.split_whitespace().collect();
            let usage = "write \"<preference> <mail host>\", like \"10 mail.example.com\"";
            match parts.as_slice() {
                [pref, host] => {
                    let pref: u16 = pref.parse().map_err(|_| {
                        format!("{v:?}: the preference {pref:?} must be 0 to 65535; {usage}")
                    })?;
                    let host = hostname(host).map_err(|why| format!("{v:?}: {why}; {usage}"))?;
                    Ok(format!("{pref} {host}"))
                }
                _ => Err(format!("{v:?}: {usage}")),
            }
        }
        "TXT" => {
            if v.chars().any(char::is_control) {
                Err("TXT values hold printable text only".into())
            } else if v.chars().count() > MAX_TXT_CHARS {
                Err(format!(
                    "is {} characters long: TXT values hold at most {MAX_TXT_CHARS} \
                     (the platform splits them into 255-byte strings)",
                    v.chars().count()
                ))
            } else {
                Ok(v.to_string())
            }
        }
        other => Err(format!("{other:?} is not a supported type")),
    }
}

/// A hostname value (CNAME target, mail host), by the platform's rule:
/// lowercased, without the trailing dot.
pub fn hostname(raw: &str) -> Result<String, String> {
    comwit_client::names::dns_target(raw).map_err(|e| e.to_string())
}

/// The record name as the platform will store it: `www` → `www.zone`,
/// `@` → `zone`; a name ending in the zone (or with a trailing dot) is
/// taken as fully qualified and must lie inside the zone.
pub fn qualify(zone: &str, raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("the name is empty: use @ for the zone apex".into());
    }
    if raw == "@" {
        return Ok(zone.to_string());
    }
    let lower = raw.to_ascii_lowercase();
    let (name, absolute) = match lower.strip_suffix('.') {
        Some(n) => (n.to_string(), true),
        None => (lower.clone(), false),
    };
    let inside = name == zone || name.ends_with(&format!(".{zone}"));
    let fqdn = if inside {
        name
    } else if absolute {
        return Err(format!("{raw:?} is outside the zone {zone}"));
    } else {
        format!("{name}.{zone}")
    };
    if fqdn.len() > 253 {
        return Err("the full name is longer than 253 characters".into());
    }
    for (i, label) in fqdn.split('.').enumerate() {
        let ok = !label.is_empty()
            && label.len() <= 63
            && ((label == "*" && i == 0)
                || label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        if !ok {
            return Err(format!(
                "name label {label:?} must be 1-63 letters, digits, hyphens or underscores (or a leading *)"
            ));
        }
    }
    Ok(fqdn)
}

/// The short form of a record name inside `zone`: `www.zone` → `www`,
/// `zone` → `@` (what the form and the table show).
pub fn relative(zone: &str, fqdn: &str) -> String {
    let name = fqdn.trim_end_matches('.');
    if name.eq_ignore_ascii_case(zone) {
        "@".into()
    } else {
        name.strip_suffix(&format!(".{zone}"))
            .unwrap_or(name)
            .to_string()
    }
}

/// Would a record of `kind` at `fqdn` collide with this existing one?
/// Same name and same type, or a CNAME on either side (a CNAME cannot
/// share its name). The platform answers such writes with 409.
pub fn clashes(fqdn: &str, kind: &str, other_name: &str, other_kind: &str) -> bool {
    other_name.trim_end_matches('.').eq_ignore_ascii_case(fqdn)
        && (other_kind == kind || kind == "CNAME" || other_kind == "CNAME")
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: &str = "shop.example";

    fn ok(kind: &str, name: &str, values: &str) -> Draft {
        check(Z, name, kind, "300", values).unwrap_or_else(|e| panic!("{kind} {values:?}: {e}"))
    }

    fn err(kind: &str, name: &str, values: &str) -> String {
        match check(Z, name, kind, "300", values) {
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
        assert!(check_value("TXT", "tab\there").is_err());
    }

    #[test]
    fn ttl_is_whole_seconds_in_range() {
        assert_eq!(check_ttl(" 3600 "), Ok(3600));
        assert_eq!(check_ttl("60"), Ok(60));
        assert!(check_ttl("59").unwrap_err().contains("60 to 86400"));
        assert!(check_ttl("86401").unwrap_err().contains("out of range"));
        assert!(check_ttl("5m").unwrap_err().contains("whole number"));
        assert!(check_ttl("").is_err());
        assert!(check(Z, "www", "A", "-1", "192.0.2.1").is_err());
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
    fn names_qualify_inside_the_zone() {
        assert_eq!(qualify(Z, "@").unwrap(), "shop.example");
        assert_eq!(qualify(Z, "WWW").unwrap(), "www.shop.example");
        assert_eq!(qualify(Z, "www.shop.example.").unwrap(), "www.shop.example");
        assert_eq!(qualify(Z, "*.dev").unwrap(), "*.dev.shop.example");
        assert_eq!(
            qualify(Z, "_acme-challenge").unwrap(),
            "_acme-challenge.shop.example"
        );
        assert!(qualify(Z, "").unwrap_err().contains("use @"));
        assert!(
            qualify(Z, "www.other.example.")
                .unwrap_err()
                .contains("outside")
        );
        assert!(qualify(Z, "bad name").is_err());
        assert!(qualify(Z, "a..b").is_err());
        assert_eq!(relative(Z, "www.shop.example"), "www");
        assert_eq!(relative(Z, "shop.example."), "@");
        assert_eq!(relative(Z, "elsewhere.example"), "elsewhere.example");
    }

    #[test]
    fn clashes_follow_the_platform_rules() {
        let www = "www.shop.example";
        assert!(clashes(www, "CNAME", "www.shop.example.", "CNAME"));
        assert!(clashes(www, "A", www, "CNAME"), "a CNAME owns its name");
        assert!(clashes(www, "CNAME", www, "TXT"));
        assert!(!clashes(www, "TXT", www, "A"), "different types coexist");
        assert!(!clashes(www, "A", "api.shop.example", "A"));
    }
}
