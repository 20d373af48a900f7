//! DNS records of a project domain's zone: the row, the platform's rules
//! for names, types, TTLs and values (a 400 quotes what it refuses), the
//! conflicts between records, and the records the platform owns for app
//! hostnames.

use comwit_client::rules::{self, RecordError};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

use super::domains::{Domain, MANAGED};
use crate::error::{ApiError, ApiResult, quoted};
use crate::ids::{new_id, now_rfc3339};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Record {
    pub id: String,
    /// Fully qualified, no trailing dot.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub ttl: u32,
    pub values: Vec<String>,
    /// `user` or `platform_app`.
    pub owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_resource_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_resource_id: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub created_at: String,
}

/// A record the platform writes for an app hostname.
pub struct NewRecord {
    pub name: String,
    pub kind: String,
    pub ttl: u32,
    pub values: Vec<String>,
}

/// Who owns a platform record.
pub enum Owner<'a> {
    RuntimeApp(&'a str),
}

const COLUMNS: &str = "id, name, type, ttl, vals, owner, owner_resource_type, owner_resource_id, status, last_error, created_at";

fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    let vals: String = r.get(4)?;
    Ok(Record {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        ttl: r.get(3)?,
        values: serde_json::from_str(&vals).unwrap_or_default(),
        owner: r.get(5)?,
        owner_resource_type: r.get(6)?,
        owner_resource_id: r.get(7)?,
        status: r.get(8)?,
        last_error: r.get(9)?,
        created_at: r.get(10)?,
    })
}

/// Every record of a zone, by name and type.
pub fn records_of_zone(conn: &Connection, zone_id: &str) -> ApiResult<Vec<Record>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM records WHERE hosted_zone_id = ?1 ORDER BY name, type, id"
        ))?
        .query_map([zone_id], record_from_row)?
        .collect::<Result<_, _>>()?)
}

fn json(values: &[String]) -> String {
    serde_json::to_string(values).expect("strings serialise")
}

/// Writes (or converges) one platform-owned record: matched on zone, name,
/// type and owning app, so a repeated attach never duplicates.
pub fn upsert_platform_record(
    conn: &Connection,
    zone_id: &str,
    rec: NewRecord,
    owner: Owner<'_>,
) -> ApiResult<()> {
    let Owner::RuntimeApp(app_id) = owner;
    let updated = conn.execute(
        "UPDATE records SET vals = ?5, ttl = ?6, status = 'in_sync', last_error = NULL
         WHERE hosted_zone_id = ?1 AND name = ?2 AND type = ?3 AND owner = 'platform_app'
           AND owner_resource_id = ?4",
        params![
            zone_id,
            rec.name,
            rec.kind,
            app_id,
            json(&rec.values),
            rec.ttl
        ],
    )?;
    if updated == 0 {
        conn.execute(
            "INSERT INTO records (id, hosted_zone_id, name, type, ttl, vals, owner,
                                  owner_resource_type, owner_resource_id, status, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'platform_app', 'runtime_app', ?7, 'in_sync', ?8)",
            params![
                new_id("dnsrec_"),
                zone_id,
                rec.name,
                rec.kind,
                rec.ttl,
                json(&rec.values),
                app_id,
                now_rfc3339()
            ],
        )?;
    }
    Ok(())
}

/// Removes an app's platform records, for one host or all of them.
pub fn delete_platform_records(
    conn: &Connection,
    app_id: &str,
    host: Option<&str>,
) -> ApiResult<usize> {
    Ok(match host {
        Some(host) => conn.execute(
            "DELETE FROM records WHERE owner = 'platform_app' AND owner_resource_id = ?1
             AND (name = ?2 OR name = '_cf-challenge.' || ?2)",
            [app_id, host],
        )?,
        None => conn.execute(
            "DELETE FROM records WHERE owner = 'platform_app' AND owner_resource_id = ?1",
            [app_id],
        )?,
    })
}

/// The record name inside `zone`, by the platform rule; a 400 quotes it.
pub fn qualify(zone: &str, raw: &str) -> ApiResult<String> {
    rules::qualify(zone, raw).map_err(|why| {
        ApiError::bad_request(format!("invalid record name {}: {why}", quoted(raw.trim())))
    })
}

/// The record type as the platform spells it; a 400 quotes what was sent.
pub fn record_type(raw: &str) -> ApiResult<&'static str> {
    rules::record_type(raw).map_err(|why| {
        ApiError::bad_request(format!("unsupported record type {}: {why}", quoted(raw)))
    })
}

/// Checks every value for its type; a 400 quotes the value it refuses.
pub fn validate(
    kind: &'static str,
    zone: &str,
    name: &str,
    values: &[String],
) -> ApiResult<Vec<String>> {
    rules::check_values(kind, zone, name, values).map_err(|e| match e {
        RecordError::Value { index, why } => ApiError::bad_request(format!(
            "invalid {kind} value {}: it {why}",
            quoted(values[index].trim())
        )),
        other => ApiError::bad_request(other.to_string()),
    })
}

/// The TTL within the platform's bounds, else 400.
pub fn check_ttl(ttl: u32) -> ApiResult<u32> {
    rules::check_ttl(ttl).map_err(|why| ApiError::bad_request(why.to_string()))
}

/// 409 until delegation is complete: records change only in a managed zone.
pub fn require_managed(dom: &Domain) -> ApiResult<()> {
    if dom.status == MANAGED {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "{} is {}: records can be created or changed only once delegation is complete; \
             point the registrar at the zone's nameservers, then run the delegation check",
            dom.domain, dom.status
        )))
    }
}

/// Conflicts with existing records at `name` (by the platform's rule,
/// [`rules::clash`]): platform-owned ones, a same type record of the
/// user's, CNAME exclusivity, and the apex alias beside addresses.
pub fn check_conflicts(
    conn: &Connection,
    zone_id: &str,
    name: &str,
    kind: &str,
    except: Option<&str>,
) -> ApiResult<()> {
    let others: Vec<(String, String, String)> = conn
        .prepare_cached(
            "SELECT id, type, owner FROM records WHERE hosted_zone_id = ?1 AND name = ?2",
        )?
        .query_map([zone_id, name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, other_kind, owner) in others {
        if Some(id.as_str()) == except {
            continue;
        }
        let Some(clash) = rules::clash(name, kind, name, &other_kind) else {
            continue;
        };
        if owner == "platform_app" {
            return Err(ApiError::conflict(format!(
                "{name} {other_kind} is managed by the platform for an app hostname ({id}); \
                 detach the hostname from the app instead"
            )));
        }
        return Err(ApiError::conflict(match clash {
            rules::Clash::SameType => {
                format!("a {kind} record for {name} already exists ({id}); update it instead")
            }
            other => format!("{name} already has a {other_kind} record ({id}); {other}"),
        }));
    }
    Ok(())
}

/// The record `id` of the zone, if it is there.
pub fn load_record(conn: &Connection, zone_id: &str, id: &str) -> ApiResult<Option<Record>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM records WHERE hosted_zone_id = ?1 AND id = ?2"
        ))?
        .query_row([zone_id, id], record_from_row)
        .optional()?)
}

/// 409 for a record the platform owns (it follows the app hostname).
pub fn refuse_platform(rec: &Record) -> ApiResult<()> {
    if rec.owner == "platform_app" {
        Err(ApiError::conflict(format!(
            "record {} is owned by the platform for app {}; detach the app hostname instead of editing it",
            rec.id,
            rec.owner_resource_id.as_deref().unwrap_or("?")
        )))
    } else {
        Ok(())
    }
}

/// Adds a user-owned record to the zone.
pub fn insert_user_record(conn: &Connection, zone_id: &str, record: &Record) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO records (id, hosted_zone_id, name, type, ttl, vals, owner, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'user', 'in_sync', ?7)",
        params![
            record.id,
            zone_id,
            record.name,
            record.kind,
            record.ttl,
            json(&record.values),
            record.created_at
        ],
    )?;
    Ok(())
}

/// Replaces a record's name, type, TTL and values.
pub fn update_record(
    conn: &Connection,
    record_id: &str,
    name: &str,
    kind: &str,
    ttl: u32,
    values: &[String],
) -> ApiResult<()> {
    conn.execute(
        "UPDATE records SET name = ?2, type = ?3, ttl = ?4, vals = ?5, status = 'in_sync' WHERE id = ?1",
        params![record_id, name, kind, ttl, json(values)],
    )?;
    Ok(())
}

/// Deletes a record by id.
pub fn delete_record(conn: &Connection, record_id: &str) -> ApiResult<()> {
    conn.execute("DELETE FROM records WHERE id = ?1", [record_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_qualified() {
        assert_eq!(qualify("example.com", "@").unwrap(), "example.com");
        assert_eq!(qualify("example.com", "www").unwrap(), "www.example.com");
        assert_eq!(
            qualify("example.com", "WWW.example.com.").unwrap(),
            "www.example.com"
        );
        assert_eq!(
            qualify("example.com", "www.example.com").unwrap(),
            "www.example.com"
        );
        assert!(qualify("example.com", "www.other.org.").is_err());
        assert_eq!(
            qualify("example.com", "*.dev").unwrap(),
            "*.dev.example.com"
        );
    }

    #[test]
    fn values_are_checked_per_type() {
        let ok =
            |k: &'static str, n: &str, v: &str| validate(k, "example.com", n, &[v.to_string()]);
        assert!(ok("A", "example.com", "192.0.2.1").is_ok());
        assert!(ok("A", "example.com", "2001:db8::1").is_err());
        assert!(ok("AAAA", "example.com", "2001:db8::1").is_ok());
        assert!(ok("CNAME", "www.example.com", "target.example.net.").is_ok());
        assert!(ok("CNAME", "example.com", "target.example.net").is_err());
        assert!(ok("MX", "example.com", "10 mail.example.com").is_ok());
        assert!(ok("MX", "example.com", "mail.example.com").is_err());
        assert!(ok("A_ALIAS", "example.com", "d1.cloudfront.net").is_ok());
        assert!(ok("A_ALIAS", "www.example.com", "d1.cloudfront.net").is_err());
        assert!(record_type("SRV").is_err());
        assert_eq!(record_type(" a_alias ").unwrap(), "A_ALIAS");
        let err = ok("A", "example.com", "not-an-ip").unwrap_err();
        assert!(err.detail().contains("not-an-ip"));
    }
}
