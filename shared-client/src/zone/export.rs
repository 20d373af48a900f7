//! A zone's records as an RFC 1035 master file (relative names under
//! `$ORIGIN`, a `$TTL`, MX preference, TXT split into 255-byte strings)
//! or as JSON. Platform-owned records are written as comments marked
//! locked. `A_ALIAS`, which no master-file type expresses, is written as
//! a `;@comwit` line that [`super::read`] reads back.

use std::fmt::Write as _;

use super::{RecordSet, ZoneJson};
use crate::models::Record;
use crate::rules::{DEFAULT_TTL, relative};

/// The mark of an `A_ALIAS` line (a comment to any other reader).
pub const ALIAS_MARK: &str = ";@comwit A_ALIAS";
/// How a locked platform record's comment starts.
pub const LOCKED_MARK: &str = "; locked (platform record, managed for an app):";

/// The master file of `zone` holding `records`.
pub fn bind(zone: &str, records: &[Record]) -> String {
    let (locked, own): (Vec<&Record>, Vec<&Record>) =
        records.iter().partition(|r| r.is_platform_owned());
    let mut out = String::new();
    let _ = writeln!(out, "; {zone}: the records of this zone on Comwit Cloud.");
    let _ = writeln!(out, "$ORIGIN {zone}.");
    let _ = writeln!(out, "$TTL {DEFAULT_TTL}");
    let mut sets: Vec<RecordSet> = own.iter().map(|r| RecordSet::of(r)).collect();
    sets.sort_by_key(RecordSet::key);
    for set in &sets {
        out.push_str(&lines(zone, set));
    }
    if !locked.is_empty() {
        out.push('\n');
        for record in locked {
            for line in lines(zone, &RecordSet::of(record)).lines() {
                let _ = writeln!(out, "{LOCKED_MARK} {line}");
            }
        }
    }
    out
}

/// The JSON form of `zone` holding `records`.
pub fn json(zone: &str, records: &[Record]) -> String {
    let (locked, own): (Vec<&Record>, Vec<&Record>) =
        records.iter().partition(|r| r.is_platform_owned());
    let mut records: Vec<RecordSet> = own.into_iter().map(RecordSet::of).collect();
    records.sort_by_key(RecordSet::key);
    let form = ZoneJson {
        zone: zone.to_string(),
        records,
        locked: locked.into_iter().map(RecordSet::of).collect(),
    };
    serde_json::to_string_pretty(&form).expect("zones serialise") + "\n"
}

/// One line per value of `set`.
fn lines(zone: &str, set: &RecordSet) -> String {
    let name = relative(zone, &set.name);
    let mut out = String::new();
    for value in &set.values {
        let rdata = match set.kind.as_str() {
            "CNAME" => absolute(value),
            "MX" => match value.split_once(' ') {
                Some((pref, host)) => format!("{pref} {}", absolute(host)),
                None => value.clone(),
            },
            "TXT" => txt(value),
            _ => value.clone(),
        };
        if set.kind == "A_ALIAS" {
            let _ = writeln!(out, "{ALIAS_MARK} {name} {} {}", set.ttl, absolute(value));
        } else {
            let _ = writeln!(out, "{name:<24} {:<6} IN {:<5} {rdata}", set.ttl, set.kind);
        }
    }
    out
}

/// A host name with its trailing dot (so the file does not append the
/// origin to it).
fn absolute(host: &str) -> String {
    format!("{}.", host.trim_end_matches('.'))
}

/// A TXT value as quoted strings of at most 255 bytes each (cut on
/// character boundaries), `"` and `\` escaped.
fn txt(value: &str) -> String {
    let mut parts = Vec::new();
    let mut part = String::new();
    for c in value.chars() {
        if part.len() + c.len_utf8() > 255 {
            parts.push(std::mem::take(&mut part));
        }
        part.push(c);
    }
    parts.push(part);
    parts
        .iter()
        .map(|p| format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record type, a long TXT, a wildcard and a platform record,
    /// exported in both forms and read back: the same record sets.
    #[test]
    fn every_type_reads_back_as_exported_in_both_forms() {
        let long = format!("v=DKIM1; p={}", "k\"\\".repeat(120));
        let records: Vec<Record> = serde_json::from_value(serde_json::json!([
            {"id": "1", "name": "shop.example", "type": "A_ALIAS", "ttl": 300, "values": ["lb.example.net"]},
            {"id": "2", "name": "shop.example", "type": "MX", "ttl": 3600, "values": ["10 mx1.example.com", "20 mx2.example.com"]},
            {"id": "3", "name": "v6.shop.example", "type": "AAAA", "ttl": 300, "values": ["2001:db8::1"]},
            {"id": "4", "name": "*.preview.shop.example", "type": "A", "ttl": 600, "values": ["192.0.2.1", "192.0.2.2"]},
            {"id": "5", "name": "k._domainkey.shop.example", "type": "TXT", "ttl": 300, "values": [long]},
            {"id": "6", "name": "docs.shop.example", "type": "CNAME", "ttl": 300, "values": ["docs.example.net"]},
            {"id": "7", "name": "www.shop.example", "type": "CNAME", "ttl": 300, "values": ["cdn.example.net"], "owner": "platform_app"},
        ]))
        .unwrap();
        let own: Vec<RecordSet> = records
            .iter()
            .filter(|r| !r.is_platform_owned())
            .map(RecordSet::of)
            .collect();
        for written in [
            bind("shop.example", &records),
            json("shop.example", &records),
        ] {
            let read = super::super::read::any("shop.example", &written).unwrap();
            let mut got = read.sets.clone();
            got.sort_by_key(RecordSet::key);
            let mut want = own.clone();
            want.sort_by_key(RecordSet::key);
            assert_eq!(got.len(), want.len(), "{written}");
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    g.key() == w.key() && g.ttl == w.ttl && g.same_values(w),
                    "{g:?} {w:?}\n{written}"
                );
            }
        }
    }

    #[test]
    fn long_txt_values_split_into_quoted_strings_of_255_bytes() {
        let long = "v".repeat(300);
        let written = txt(&long);
        assert_eq!(
            written,
            format!("\"{}\" \"{}\"", "v".repeat(255), "v".repeat(45))
        );
        assert_eq!(txt("say \"hi\""), "\"say \\\"hi\\\"\"");
    }
}
