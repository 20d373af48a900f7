//! A zone file read into record sets, each checked with the platform's
//! rules. Master files go through hickory's RFC 1035 parser (relative and
//! absolute names, `@`, `$ORIGIN`, `$TTL`, parentheses, multi-string TXT);
//! the SOA and the apex NS records are skipped with a notice (the platform
//! serves its own); `$INCLUDE` is refused (a file must not read others).
//! The JSON form is what [`super::export::json`] writes.

use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::txt::Parser;

use super::export::ALIAS_MARK;
use super::{RecordSet, ZoneJson};
use crate::rules::RecordError;

/// What a file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Read {
    pub sets: Vec<RecordSet>,
    /// What was skipped, and why.
    pub notices: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the zone file does not parse: {0}")]
    Syntax(String),
    #[error(
        "line {0}: $INCLUDE is not followed (a zone file here must not read other files): \
         paste the included records into this file"
    )]
    Include(usize),
    #[error("{name} {kind}: {why}")]
    Record {
        name: String,
        kind: String,
        why: RecordError,
    },
    #[error(
        "{name} {kind}: the platform has no {kind} records (it serves A, AAAA, CNAME, MX, TXT \
         and the apex alias A_ALIAS); remove it from the file"
    )]
    Unsupported { name: String, kind: String },
    #[error("the JSON zone does not parse: {0}")]
    Json(String),
    #[error("the file is for {found}, not {zone}")]
    OtherZone { zone: String, found: String },
    #[error("{path}: {why}")]
    File { path: String, why: String },
}

/// A zone file holds at most this much (a zone of 100,000 records is
/// well under it).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `path` as a zone file: text, at most [`MAX_FILE_BYTES`].
pub fn file(path: &std::path::Path) -> Result<String, ReadError> {
    let fail = |why: String| ReadError::File {
        path: path.display().to_string(),
        why,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| fail(e.to_string()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(fail(format!(
            "{size} bytes: a zone file holds at most {MAX_FILE_BYTES}"
        )));
    }
    std::fs::read_to_string(path).map_err(|e| fail(format!("{e} (is it a text file?)")))
}

/// The JSON form when the file starts with `{`, else a master file.
pub fn any(zone: &str, text: &str) -> Result<Read, ReadError> {
    if text.trim_start().starts_with('{') {
        json(zone, text)
    } else {
        bind(zone, text)
    }
}

pub fn json(zone: &str, text: &str) -> Result<Read, ReadError> {
    let form: ZoneJson = serde_json::from_str(text).map_err(|e| ReadError::Json(e.to_string()))?;
    if !form.zone.trim_end_matches('.').eq_ignore_ascii_case(zone) {
        return Err(ReadError::OtherZone {
            zone: zone.into(),
            found: form.zone,
        });
    }
    let sets = form
        .records
        .iter()
        .map(|s| checked(zone, &s.name, &s.kind, s.ttl, &s.values))
        .collect::<Result<_, _>>()?;
    Ok(Read {
        sets,
        notices: Vec::new(),
    })
}

fn checked(
    zone: &str,
    name: &str,
    kind: &str,
    ttl: u32,
    values: &[String],
) -> Result<RecordSet, ReadError> {
    RecordSet::checked(zone, name, kind, ttl, values).map_err(|why| ReadError::Record {
        name: name.to_string(),
        kind: kind.to_string(),
        why,
    })
}

pub fn bind(zone: &str, text: &str) -> Result<Read, ReadError> {
    let mut read = Read::default();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.len() >= 8 && trimmed[..8].eq_ignore_ascii_case("$INCLUDE") {
            return Err(ReadError::Include(i + 1));
        }
        if let Some(alias) = trimmed.strip_prefix(ALIAS_MARK) {
            read.sets.push(alias_line(zone, alias)?);
        }
    }
    let origin = Name::from_ascii(format!("{zone}."))
        .map_err(|e| ReadError::Syntax(format!("the zone name {zone}: {e}")))?;
    let flat = flatten_parentheses(text);
    let (_, sets) = Parser::new(flat.as_str(), None, Some(origin))
        .parse()
        .map_err(|e| ReadError::Syntax(e.to_string()))?;
    for set in sets.values() {
        let name = set.name().to_ascii();
        let kind = set.record_type();
        let apex = name.trim_end_matches('.').eq_ignore_ascii_case(zone);
        match kind {
            RecordType::SOA => read
                .notices
                .push("skipped the SOA record: the platform serves its own".into()),
            RecordType::NS if apex => read.notices.push(
                "skipped the apex NS records: the platform's nameservers serve the zone".into(),
            ),
            RecordType::A
            | RecordType::AAAA
            | RecordType::CNAME
            | RecordType::MX
            | RecordType::TXT => {
                let values: Vec<String> = set
                    .records_without_rrsigs()
                    .map(|r| value(&r.data))
                    .collect::<Result<_, _>>()
                    .map_err(|why| ReadError::Syntax(format!("{name} {kind}: {why}")))?;
                read.sets
                    .push(checked(zone, &name, &kind.to_string(), set.ttl(), &values)?);
            }
            other => {
                return Err(ReadError::Unsupported {
                    name,
                    kind: other.to_string(),
                });
            }
        }
    }
    Ok(read)
}

/// The text with each parenthesised group on one line, comments inside
/// dropped. hickory 0.26's lexer keeps the quotes of a quoted string
/// inside parentheses and drops its spaces (`( "a b" )` reads as `"ab"`),
/// and providers write long TXT records exactly that way.
fn flatten_parentheses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut depth, mut quoted, mut escaped, mut comment) = (0u32, false, false, false);
    for c in text.chars() {
        if comment {
            if c == '\n' {
                comment = false;
                out.push(if depth > 0 { ' ' } else { '\n' });
            }
            continue;
        }
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                comment = true;
                continue;
            }
            '(' if !quoted => {
                depth += 1;
                out.push(' ');
                continue;
            }
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                out.push(' ');
                continue;
            }
            '\n' if depth > 0 => {
                out.push(' ');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// `name ttl target` after [`ALIAS_MARK`].
fn alias_line(zone: &str, rest: &str) -> Result<RecordSet, ReadError> {
    let parts: Vec<&str> = rest.split_whitespace().collect();
    let [name, ttl, target] = parts.as_slice() else {
        return Err(ReadError::Syntax(format!(
            "{ALIAS_MARK} needs \"<name> <ttl> <target>\", not {rest:?}"
        )));
    };
    let ttl = ttl
        .parse()
        .map_err(|_| ReadError::Syntax(format!("{ALIAS_MARK}: {ttl:?} is not a TTL")))?;
    checked(zone, name, "A_ALIAS", ttl, &[target.to_string()])
}

/// One value as the platform writes it.
pub(super) fn value(data: &RData) -> Result<String, String> {
    Ok(match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::CNAME(c) => c.0.to_ascii().trim_end_matches('.').to_string(),
        RData::MX(mx) => format!(
            "{} {}",
            mx.preference,
            mx.exchange.to_ascii().trim_end_matches('.')
        ),
        RData::TXT(t) => {
            let bytes: Vec<u8> = t.txt_data.iter().flat_map(|s| s.iter().copied()).collect();
            String::from_utf8(bytes).map_err(|_| "a TXT value is not UTF-8 text".to_string())?
        }
        other => return Err(format!("unexpected data {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = include_str!("../../tests/fixtures/provider-export.zone");

    fn set<'a>(read: &'a Read, name: &str, kind: &str) -> &'a RecordSet {
        read.sets
            .iter()
            .find(|s| s.name == name && s.kind == kind)
            .unwrap_or_else(|| panic!("no {name} {kind} in {:?}", read.sets))
    }

    #[test]
    fn a_provider_export_reads_into_the_platform_s_record_sets() {
        let read = bind("shop.example", EXPORT).unwrap();
        assert_eq!(read.sets.len(), 7, "{:?}", read.sets);
        assert_eq!(read.notices.len(), 2, "SOA and apex NS: {:?}", read.notices);
        let apex = set(&read, "shop.example", "A");
        assert_eq!((apex.ttl, apex.values.len()), (300, 2));
        assert_eq!(
            set(&read, "www.shop.example", "CNAME").values,
            ["shop.example"]
        );
        assert_eq!(
            set(&read, "www.shop.example", "CNAME").ttl,
            3600,
            "$TTL applies"
        );
        assert_eq!(set(&read, "*.preview.shop.example", "A").ttl, 600);
        let mx = &set(&read, "shop.example", "MX").values;
        assert!(mx.contains(&"10 mail.example.com".to_string()), "{mx:?}");
        let dkim = &set(&read, "google._domainkey.shop.example", "TXT").values[0];
        assert!(
            dkim.len() > 255 && !dkim.contains('"'),
            "strings joined: {dkim}"
        );
    }

    #[test]
    fn include_other_types_and_bad_records_are_refused_by_line_or_name() {
        let err = bind(
            "shop.example",
            "$ORIGIN shop.example.\n$INCLUDE /etc/passwd\n",
        );
        assert!(matches!(err, Err(ReadError::Include(2))), "{err:?}");
        let err = bind(
            "shop.example",
            "$TTL 300\n_sip._tcp IN SRV 10 5 5060 sip.example.com.\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("has no SRV records"), "{err}");
        let err = bind("shop.example", "$TTL 30\nwww IN A 192.0.2.1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("TTL 30 is out of range"), "{err}");
        let err = bind("shop.example", "$TTL 300\nother.example. IN A 192.0.2.1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside the zone"), "{err}");
    }

    #[test]
    fn parenthesised_strings_keep_their_spaces_and_semicolons() {
        let text = "$TTL 300\n@ IN TXT ( \"a b; c\" ; a comment\n  \"d\" )\nwww IN A 192.0.2.1\n";
        let read = bind("shop.example", text).unwrap();
        assert_eq!(set(&read, "shop.example", "TXT").values, ["a b; cd"]);
        assert_eq!(set(&read, "www.shop.example", "A").values, ["192.0.2.1"]);
    }
}
