//! DNS records: types, names inside a zone, TTLs and per-type values.
//!
//! The types are the ones the contract lists; the platform has no `NS`,
//! `CAA` or `SRV` records. Limits the contract does not state (TTL range,
//! TXT length, values per record) are *assumed*.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::RangeInclusive;

use super::hostnames::{HostnameError, dns_target};

/// Record types the platform accepts, in the order a form offers them.
pub const TYPES: &[&str] = crate::enums::RecordType::NAMES;

/// *Assumed*: seconds.
pub const TTL_RANGE: RangeInclusive<u32> = 60..=86_400;

/// What the platform uses when no TTL is given.
pub const DEFAULT_TTL: u32 = 300;

/// *Assumed*.
pub const MAX_VALUES: usize = 100;

/// *Assumed*: characters of one TXT value (the wire splits it into
/// 255-byte strings).
pub const MAX_TXT_CHARS: usize = 4000;

/// Why a record is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("not a supported type: use one of A, AAAA, CNAME, MX, TXT, A_ALIAS")]
    UnsupportedType,
    #[error("the name is empty: use @ for the zone apex")]
    EmptyName,
    #[error("the name is outside the zone {zone}")]
    OutsideZone { zone: String },
    #[error("the full name is longer than 253 characters")]
    NameTooLong,
    #[error(
        "every name label must be 1-63 letters, digits, hyphens or underscores (or a leading *)"
    )]
    NameLabel,
    #[error("TTL {0} is out of range: use 60 to 86400 seconds")]
    TtlRange(u32),
    #[error("a {kind} record needs at least one value")]
    NoValues { kind: &'static str },
    #[error("a record holds at most {MAX_VALUES} values")]
    TooManyValues,
    #[error("a {kind} record takes exactly one value (it has {count})")]
    NotSingle { kind: &'static str, count: usize },
    #[error("a CNAME cannot sit at the zone apex (@): use A_ALIAS there")]
    CnameAtApex,
    #[error("A_ALIAS is the apex alias: its name must be @; use CNAME for subdomains")]
    AliasOffApex,
    /// The value at `index` (from 0) breaks its type's rule.
    #[error("value {} {why}", index + 1)]
    Value { index: usize, why: ValueError },
}

/// Why one value is refused for its type; reads after the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("is not an IPv4 address (like 192.0.2.10)")]
    Ipv4,
    #[error("is not an IPv6 address (like 2001:db8::1)")]
    Ipv6,
    #[error("is not a hostname: {0}")]
    Hostname(HostnameError),
    #[error("is not \"<preference> <mail host>\", like \"10 mail.example.com\"")]
    MxShape,
    #[error("has a preference that is not 0 to 65535; write \"<preference> <mail host>\"")]
    MxPreference,
    #[error("has a mail host that is not a hostname: {0}")]
    MxHost(HostnameError),
    #[error("is empty: TXT values hold 1 to {MAX_TXT_CHARS} printable characters")]
    TxtEmpty,
    #[error("holds control characters: TXT values hold printable text only")]
    TxtControl,
    #[error(
        "is {0} characters long: TXT values hold at most {MAX_TXT_CHARS} \
         (the platform splits them into 255-byte strings)"
    )]
    TxtTooLong(usize),
}

/// The record type, case-insensitive, as the platform spells it.
pub fn record_type(raw: &str) -> Result<&'static str, RecordError> {
    let wanted = raw.trim();
    TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(wanted))
        .copied()
        .ok_or(RecordError::UnsupportedType)
}

/// The record name as the platform stores it: `www` → `www.zone`, `@` →
/// `zone`; a name ending in the zone (or with a trailing dot) is taken as
/// fully qualified and must lie inside the zone.
pub fn qualify(zone: &str, raw: &str) -> Result<String, RecordError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(RecordError::EmptyName);
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
        return Err(RecordError::OutsideZone {
            zone: zone.to_string(),
        });
    } else {
        format!("{name}.{zone}")
    };
    if fqdn.len() > 253 {
        return Err(RecordError::NameTooLong);
    }
    let label_ok = |(i, label): (usize, &str)| {
        !label.is_empty()
            && label.len() <= 63
            && ((label == "*" && i == 0)
                || label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    };
    if !fqdn.split('.').enumerate().all(label_ok) {
        return Err(RecordError::NameLabel);
    }
    Ok(fqdn)
}

/// A TTL in whole seconds within [`TTL_RANGE`].
pub fn check_ttl(ttl: u32) -> Result<u32, RecordError> {
    if TTL_RANGE.contains(&ttl) {
        Ok(ttl)
    } else {
        Err(RecordError::TtlRange(ttl))
    }
}

/// Checks the values of a `kind` record at `fqdn` (see [`qualify`]) in
/// `zone` and returns them normalised the way the platform stores them.
pub fn check_values<V: AsRef<str>>(
    kind: &'static str,
    zone: &str,
    fqdn: &str,
    values: &[V],
) -> Result<Vec<String>, RecordError> {
    if values.is_empty() {
        return Err(RecordError::NoValues { kind });
    }
    if values.len() > MAX_VALUES {
        return Err(RecordError::TooManyValues);
    }
    if is_single(kind) && values.len() != 1 {
        return Err(RecordError::NotSingle {
            kind,
            count: values.len(),
        });
    }
    if kind == "CNAME" && fqdn == zone {
        return Err(RecordError::CnameAtApex);
    }
    if kind == "A_ALIAS" && fqdn != zone {
        return Err(RecordError::AliasOffApex);
    }
    values
        .iter()
        .enumerate()
        .map(|(index, v)| {
            check_value(kind, v.as_ref()).map_err(|why| RecordError::Value { index, why })
        })
        .collect()
}

/// Whether a record of `kind` holds exactly one value.
pub fn is_single(kind: &str) -> bool {
    matches!(kind, "CNAME" | "A_ALIAS")
}

/// One value of a `kind` record (one of [`TYPES`]), normalised.
pub fn check_value(kind: &str, v: &str) -> Result<String, ValueError> {
    let v = v.trim();
    match kind {
        "A" => v
            .parse::<Ipv4Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| ValueError::Ipv4),
        "AAAA" => v
            .parse::<Ipv6Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| ValueError::Ipv6),
        "CNAME" | "A_ALIAS" => dns_target(v).map_err(ValueError::Hostname),
        "MX" => match v.split_whitespace().collect::<Vec<_>>().as_slice() {
            [pref, host] => {
                let pref: u16 = pref.parse().map_err(|_| ValueError::MxPreference)?;
                let host = dns_target(host).map_err(ValueError::MxHost)?;
                Ok(format!("{pref} {host}"))
            }
            _ => Err(ValueError::MxShape),
        },
        _ => check_txt(v),
    }
}

fn check_txt(v: &str) -> Result<String, ValueError> {
    let chars = v.chars().count();
    if chars == 0 {
        Err(ValueError::TxtEmpty)
    } else if v.chars().any(char::is_control) {
        Err(ValueError::TxtControl)
    } else if chars > MAX_TXT_CHARS {
        Err(ValueError::TxtTooLong(chars))
    } else {
        Ok(v.to_string())
    }
}

/// The short form of a record name inside `zone`: `www.zone` → `www`,
/// `zone` → `@`.
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

/// Why two records cannot share a name. The platform answers a write
/// that would make such a pair with 409; each reason reads as the rule and
/// its fix, after the name of the record already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Clash {
    #[error("a name holds one record of each type: edit that record instead")]
    SameType,
    #[error(
        "a CNAME shares its name with no other record: delete one of the two first, \
         or use A/AAAA records instead of the CNAME"
    )]
    Cname,
    /// The apex alias answers the apex's addresses itself (it is served
    /// as the addresses of its target), so plain addresses beside it
    /// would contradict it.
    #[error(
        "the apex alias (A_ALIAS) answers the apex's addresses itself, so A and AAAA \
         records cannot sit beside it: delete the A/AAAA records at @ first, or drop the alias"
    )]
    AliasBesideAddress,
}

/// Whether a record of `kind` at `fqdn` collides with an existing record
/// `other_kind` at `other_name`, and why: same name and type, a CNAME on
/// either side, or the apex alias beside an A or AAAA record.
pub fn clash(fqdn: &str, kind: &str, other_name: &str, other_kind: &str) -> Option<Clash> {
    if !other_name.trim_end_matches('.').eq_ignore_ascii_case(fqdn) {
        return None;
    }
    let address = |k: &str| matches!(k, "A" | "AAAA");
    if other_kind == kind {
        Some(Clash::SameType)
    } else if kind == "CNAME" || other_kind == "CNAME" {
        Some(Clash::Cname)
    } else if (kind == "A_ALIAS" && address(other_kind))
        || (other_kind == "A_ALIAS" && address(kind))
    {
        Some(Clash::AliasBesideAddress)
    } else {
        None
    }
}

/// Would a record of `kind` at `fqdn` collide with an existing one? See
/// [`clash`] for why.
pub fn clashes(fqdn: &str, kind: &str, other_name: &str, other_kind: &str) -> bool {
    clash(fqdn, kind, other_name, other_kind).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: &str = "shop.example";

    fn values(kind: &str, name: &str, values: &[&str]) -> Result<Vec<String>, RecordError> {
        let kind = record_type(kind)?;
        check_values(kind, Z, &qualify(Z, name)?, values)
    }

    #[test]
    fn values_are_normalised_per_type() {
        let ok = |k, n, v: &[&str]| values(k, n, v).unwrap_or_else(|e| panic!("{k} {v:?}: {e}"));
        assert_eq!(ok("a", "www", &[" 192.0.2.1 "]), ["192.0.2.1"]);
        assert_eq!(ok("AAAA", "@", &["2001:DB8:0::1"]), ["2001:db8::1"]);
        assert_eq!(
            ok("CNAME", "docs", &["Host.Example.NET."]),
            ["host.example.net"]
        );
        assert_eq!(
            ok("CNAME", "docs", &["bücher.example"]),
            ["xn--bcher-kva.example"]
        );
        assert_eq!(
            ok("MX", "@", &["10  Mail.Shop.Example."]),
            ["10 mail.shop.example"]
        );
        assert_eq!(
            ok("TXT", "_dmarc", &["v=DMARC1; p=none"]),
            ["v=DMARC1; p=none"]
        );
        ok("TXT", "@", &["é".repeat(MAX_TXT_CHARS).as_str()]);
    }

    #[test]
    fn each_rule_has_its_error() {
        let err = |k, n, v: &[&str]| values(k, n, v).unwrap_err();
        let value = |index, why| RecordError::Value { index, why };
        assert_eq!(err("SRV", "www", &["x"]), RecordError::UnsupportedType);
        assert_eq!(err("A", "www", &[]), RecordError::NoValues { kind: "A" });
        assert_eq!(
            err("A", "www", &["192.0.2.1", "no"]),
            value(1, ValueError::Ipv4)
        );
        assert_eq!(
            err("AAAA", "www", &["192.0.2.1"]),
            value(0, ValueError::Ipv6)
        );
        assert_eq!(err("CNAME", "@", &["a.example"]), RecordError::CnameAtApex);
        assert_eq!(
            err("A_ALIAS", "www", &["a.example"]),
            RecordError::AliasOffApex
        );
        assert_eq!(
            err("CNAME", "d", &["a.example", "b.example"]),
            RecordError::NotSingle {
                kind: "CNAME",
                count: 2
            }
        );
        assert_eq!(
            err("MX", "@", &["mail.example"]),
            value(0, ValueError::MxShape)
        );
        assert_eq!(
            err("MX", "@", &["70000 m.example"]),
            value(0, ValueError::MxPreference)
        );
        let long = "x".repeat(MAX_TXT_CHARS + 1);
        assert_eq!(
            err("TXT", "@", &[long.as_str()]),
            value(0, ValueError::TxtTooLong(MAX_TXT_CHARS + 1))
        );
        assert_eq!(err("TXT", "@", &["a\tb"]), value(0, ValueError::TxtControl));
        assert_eq!(err("TXT", "@", &[" "]), value(0, ValueError::TxtEmpty));
        assert_eq!(check_ttl(59), Err(RecordError::TtlRange(59)));
        assert_eq!(check_ttl(86_400), Ok(86_400));
    }

    #[test]
    fn errors_never_quote_the_value() {
        let hostile = format!("{}\u{7}", "<script>".repeat(1000));
        for kind in TYPES {
            let zone_name = if *kind == "A_ALIAS" { "@" } else { "www" };
            let e = values(kind, zone_name, &[hostile.as_str()]).unwrap_err();
            assert!(!e.to_string().contains("<script>"), "{kind}: {e}");
        }
    }

    #[test]
    fn names_qualify_inside_the_zone() {
        assert_eq!(qualify(Z, "@").unwrap(), "shop.example");
        assert_eq!(qualify(Z, "WWW").unwrap(), "www.shop.example");
        assert_eq!(qualify(Z, "www.shop.example.").unwrap(), "www.shop.example");
        assert_eq!(qualify(Z, "www.shop.example").unwrap(), "www.shop.example");
        assert_eq!(qualify(Z, "*.dev").unwrap(), "*.dev.shop.example");
        assert_eq!(qualify(Z, "_acme").unwrap(), "_acme.shop.example");
        assert_eq!(qualify(Z, " "), Err(RecordError::EmptyName));
        assert!(matches!(
            qualify(Z, "www.other.example."),
            Err(RecordError::OutsideZone { .. })
        ));
        assert_eq!(qualify(Z, "bad name"), Err(RecordError::NameLabel));
        assert_eq!(qualify(Z, "a..b"), Err(RecordError::NameLabel));
        assert_eq!(qualify(Z, "a.*"), Err(RecordError::NameLabel));
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

    #[test]
    fn each_clash_has_its_reason_in_either_direction() {
        let (www, apex) = ("www.shop.example", "shop.example");
        assert_eq!(clash(www, "A", www, "A"), Some(Clash::SameType));
        assert_eq!(clash(www, "CNAME", www, "A"), Some(Clash::Cname));
        assert_eq!(clash(www, "MX", www, "CNAME"), Some(Clash::Cname));
        for address in ["A", "AAAA"] {
            assert_eq!(
                clash(apex, "A_ALIAS", "shop.example.", address),
                Some(Clash::AliasBesideAddress),
                "an alias where {address} records are"
            );
            assert_eq!(
                clash(apex, address, apex, "A_ALIAS"),
                Some(Clash::AliasBesideAddress),
                "{address} where the alias is"
            );
        }
        assert_eq!(
            clash(apex, "A_ALIAS", apex, "TXT"),
            None,
            "TXT and MX live beside it"
        );
        assert_eq!(clash(apex, "MX", apex, "A_ALIAS"), None);
        assert!(
            Clash::AliasBesideAddress
                .to_string()
                .contains("delete the A/AAAA")
        );
    }
}
