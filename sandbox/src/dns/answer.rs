//! What the sandbox's DNS servers answer, computed from the platform state
//! at query time (so a record created through the API is served at once).
//!
//! Two roles, on two listeners, like the real world's separate hosts:
//! - `Zones`: authoritative for every live hosted zone (SOA, its four NS,
//!   every record including platform-owned ones; `A_ALIAS` as `A`);
//! - `Registry`: the parent ("TLD registry") zones, holding the NS
//!   delegations the registrar simulation publishes.

use std::net::Ipv4Addr;
use std::str::FromStr;

use hickory_server::proto::op::ResponseCode;
use hickory_server::proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, TXT};
use hickory_server::proto::rr::{Name, RData, Record, RecordType};
use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Zones,
    Registry,
}

#[derive(Debug, Default)]
pub struct Answer {
    pub code: ResponseCode,
    pub authoritative: bool,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
}

const SOA_TTL: u32 = 900;
const NS_TTL: u32 = 172_800;

fn name(s: &str) -> Option<Name> {
    Name::from_str(&format!("{}.", s.trim_end_matches('.'))).ok()
}

fn soa(zone: &str, primary: &str, hostmaster: &str) -> Option<Record> {
    let rdata = SOA::new(
        name(primary)?,
        name(hostmaster)?,
        1,
        7200,
        900,
        1_209_600,
        86_400,
    );
    Some(Record::from_rdata(name(zone)?, SOA_TTL, RData::SOA(rdata)))
}

fn ns_records(zone: &str, servers: &[String]) -> Vec<Record> {
    let Some(owner) = name(zone) else {
        return Vec::new();
    };
    servers
        .iter()
        .filter_map(|s| name(s))
        .map(|n| Record::from_rdata(owner.clone(), NS_TTL, RData::NS(NS(n))))
        .collect()
}

/// `A_ALIAS` targets live outside the sandbox (CloudFront), so the
/// sandbox answers a stable documentation address (198.51.100.0/24)
/// derived from the target name.
pub fn alias_address(target: &str) -> Ipv4Addr {
    let h = Sha256::digest(target.as_bytes());
    Ipv4Addr::new(198, 51, 100, 1 + h[0] % 254)
}

fn rdata_of(kind: &str, value: &str) -> Option<(RecordType, RData)> {
    Some(match kind {
        "A" => (RecordType::A, RData::A(A(value.parse().ok()?))),
        "AAAA" => (RecordType::AAAA, RData::AAAA(AAAA(value.parse().ok()?))),
        "CNAME" => (RecordType::CNAME, RData::CNAME(CNAME(name(value)?))),
        "A_ALIAS" => (RecordType::A, RData::A(A(alias_address(value)))),
        "MX" => {
            let (pref, host) = value.split_once(' ')?;
            (
                RecordType::MX,
                RData::MX(MX::new(pref.parse().ok()?, name(host)?)),
            )
        }
        "TXT" => {
            // A character-string holds at most 255 bytes: longer texts go
            // out as several, split on bytes (a resolver joins them back;
            // splitting may cut a multi-byte character, which is fine).
            let chunks: Vec<&[u8]> = value.as_bytes().chunks(255).collect();
            (RecordType::TXT, RData::TXT(TXT::from_bytes(chunks)))
        }
        _ => return None,
    })
}

fn lower(q: &Name) -> String {
    q.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

pub fn answer(
    conn: &Connection,
    role: Role,
    qname: &Name,
    qtype: RecordType,
) -> rusqlite::Result<Answer> {
    let q = lower(qname);
    match role {
        Role::Zones => zones(conn, &q, qtype),
        Role::Registry => registry(conn, &q, qtype),
    }
}

fn zones(conn: &Connection, q: &str, qtype: RecordType) -> rusqlite::Result<Answer> {
    let zone: Option<(String, String, String)> = conn
        .query_row(
            "SELECT domain, hosted_zone_id, nameservers FROM domains
             WHERE deleted_at IS NULL AND (?1 = domain OR substr(?1, -length(domain) - 1) = '.' || domain)
             ORDER BY length(domain) DESC LIMIT 1",
            [q],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((zone, zone_id, ns)) = zone else {
        // Not ours: refuse, as an authoritative-only server does.
        return Ok(Answer {
            code: ResponseCode::Refused,
            ..Answer::default()
        });
    };
    let servers: Vec<String> = serde_json::from_str(&ns).unwrap_or_default();
    let soa_rec = soa(
        &zone,
        servers.first().map(String::as_str).unwrap_or("ns.invalid"),
        &format!("hostmaster.{zone}"),
    );
    let mut ans = Answer {
        code: ResponseCode::NoError,
        authoritative: true,
        ..Answer::default()
    };
    if q == zone && matches!(qtype, RecordType::SOA | RecordType::ANY) {
        ans.answers.extend(soa_rec.clone());
    }
    if q == zone && matches!(qtype, RecordType::NS | RecordType::ANY) {
        ans.answers.extend(ns_records(&zone, &servers));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT type, ttl, vals FROM records WHERE hosted_zone_id = ?1 AND name = ?2",
    )?;
    let mut rows: Vec<(String, u32, String)> = stmt
        .query_map([&zone_id, &q.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    if rows.is_empty() && q != zone && !has_descendants(conn, &zone_id, q)? {
        rows = wildcard_rows(conn, &zone_id, &zone, q)?;
    }
    let owner = name(q).expect("a name that matched a zone parses");
    let name_exists = !rows.is_empty() || q == zone;
    for (kind, ttl, vals) in &rows {
        let values: Vec<String> = serde_json::from_str(vals).unwrap_or_default();
        for v in values {
            let Some((rtype, rdata)) = rdata_of(kind, &v) else {
                continue;
            };
            // A CNAME answers every type; otherwise the type must match.
            if rtype == qtype || qtype == RecordType::ANY || rtype == RecordType::CNAME {
                ans.answers
                    .push(Record::from_rdata(owner.clone(), *ttl, rdata));
            }
        }
    }
    if ans.answers.is_empty() {
        // NODATA or NXDOMAIN, with the SOA for negative caching.
        ans.authority.extend(soa_rec);
        if !name_exists && !has_descendants(conn, &zone_id, q)? {
            ans.code = ResponseCode::NXDomain;
        }
    }
    Ok(ans)
}

/// The records of the wildcard that covers `q`, a name with nothing of its
/// own (RFC 4592): `*.` under `q`'s closest encloser, the nearest
/// ancestor that exists (holds records, has descendants, or is the apex).
/// Their answers carry `q` as owner, as the caller gives them.
fn wildcard_rows(
    conn: &Connection,
    zone_id: &str,
    zone: &str,
    q: &str,
) -> rusqlite::Result<Vec<(String, u32, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT type, ttl, vals FROM records WHERE hosted_zone_id = ?1 AND name = ?2",
    )?;
    let mut ancestor = q;
    while let Some((_, parent)) = ancestor.split_once('.') {
        ancestor = parent;
        let exists = ancestor == zone
            || stmt.exists([zone_id, ancestor])?
            || has_descendants(conn, zone_id, ancestor)?;
        if exists {
            let wildcard = format!("*.{ancestor}");
            return stmt
                .query_map([zone_id, wildcard.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect();
        }
        if ancestor == zone {
            break;
        }
    }
    Ok(Vec::new())
}

/// An empty non-terminal (e.g. `b.example.com` when only `a.b.example.com`
/// exists) is NODATA, not NXDOMAIN.
fn has_descendants(conn: &Connection, zone_id: &str, q: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM records WHERE hosted_zone_id = ?1 AND substr(name, -length(?2) - 1) = '.' || ?2)",
        [zone_id, q],
        |r| r.get(0),
    )
}

/// The registry's own (made-up) servers for a TLD.
fn registry_servers(tld: &str) -> Vec<String> {
    vec![format!("a.nic.{tld}"), format!("b.nic.{tld}")]
}

fn registry(conn: &Connection, q: &str, qtype: RecordType) -> rusqlite::Result<Answer> {
    let tld = q.rsplit('.').next().unwrap_or(q).to_string();
    let servers = registry_servers(&tld);
    let soa_rec = soa(&tld, &servers[0], &format!("hostmaster.nic.{tld}"));
    let mut ans = Answer {
        code: ResponseCode::NoError,
        authoritative: true,
        ..Answer::default()
    };
    if q == tld {
        match qtype {
            RecordType::SOA => ans.answers.extend(soa_rec),
            RecordType::NS => ans.answers.extend(ns_records(&tld, &servers)),
            _ => ans.authority.extend(soa_rec),
        }
        return Ok(ans);
    }
    // The delegation that covers q: the registered domain q is in.
    let delegation: Option<(String, String)> = conn
        .query_row(
            "SELECT domain, nameservers FROM registrar
             WHERE ?1 = domain OR substr(?1, -length(domain) - 1) = '.' || domain
             ORDER BY length(domain) DESC LIMIT 1",
            [q],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match delegation {
        Some((domain, ns)) => {
            // A referral: not authoritative, NS in the authority section.
            let ns: Vec<String> = serde_json::from_str(&ns).unwrap_or_default();
            ans.authoritative = false;
            ans.authority = ns_records(&domain, &ns);
        }
        None => {
            ans.code = ResponseCode::NXDomain;
            ans.authority.extend(soa_rec);
        }
    }
    Ok(ans)
}
