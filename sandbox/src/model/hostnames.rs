//! Custom hostnames bound to apps: the records a user publishes elsewhere
//! (`external_records`), the platform-owned records under a managed project
//! domain, and the binding itself (attach and deploys with `hosts=` alike).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::domains::{Zone, managed_zone_for};
use super::records::{self, NewRecord, Owner};
use crate::error::{ApiError, ApiResult};
use crate::ids::now_rfc3339;

pub const EXTERNAL: &str = "external_records";
pub const MANAGED: &str = "managed_project_domain";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DnsRecord {
    pub record_type: String,
    pub name: String,
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct ManagedDns {
    pub project_domain: String,
    /// `applied` or `failed`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Vec<DnsRecord>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Hostname {
    pub domain: String,
    pub dns_mode: String,
    /// `pending` until finalized, then `active`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_dns_status: Option<String>,
    pub created_at: String,
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The CloudFront-style edge target for an app (stable per app).
fn edge_target(app_id: &str) -> String {
    format!("d{}.cloudfront.net", &digest(&[app_id])[..14])
}

fn challenge(app_id: &str, host: &str) -> (String, String) {
    (
        format!("_cf-challenge.{host}"),
        format!("cf-challenge={}", &digest(&[app_id, host])[..32]),
    )
}

/// What a user must publish elsewhere for `host` (deterministic, so a
/// repeated attach answers the same records).
pub fn external_records(app_id: &str, host: &str) -> Vec<DnsRecord> {
    let (name, value) = challenge(app_id, host);
    vec![
        DnsRecord {
            record_type: "CNAME".into(),
            name: host.to_string(),
            value: edge_target(app_id),
        },
        DnsRecord {
            record_type: "TXT".into(),
            name,
            value,
        },
    ]
}

/// What the platform writes into a managed zone for `host`.
fn managed_records(app_id: &str, host: &str, apex: bool) -> Vec<DnsRecord> {
    let mut recs = external_records(app_id, host);
    if apex {
        recs[0].record_type = "A_ALIAS".into();
    }
    recs
}

/// Hostnames attached to an app, by name.
pub fn hostnames_of(conn: &Connection, app_id: &str) -> ApiResult<Vec<Hostname>> {
    Ok(conn
        .prepare_cached(
            "SELECT domain, dns_mode, status, managed_dns, created_at FROM hostnames
             WHERE app_id = ?1 ORDER BY domain",
        )?
        .query_map([app_id], |r| {
            Ok(Hostname {
                domain: r.get(0)?,
                dns_mode: r.get(1)?,
                status: r.get(2)?,
                managed_dns_status: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// 409 when a host is bound to another app or collides with a user record.
pub fn check_bindable(
    conn: &Connection,
    project_id: &str,
    app_id: &str,
    hosts: &[String],
) -> ApiResult<()> {
    for host in hosts {
        let owner: Option<String> = conn
            .query_row(
                "SELECT app_id FROM hostnames WHERE domain = ?1",
                [host],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(other) = owner
            && other != app_id
        {
            return Err(ApiError::conflict(format!(
                "hostname {host} is already attached to another app; detach it there first"
            )));
        }
        if let Some(zone) = managed_zone_for(conn, project_id, host)? {
            let clash: Option<(String, String)> = conn
                .query_row(
                    "SELECT id, type FROM records WHERE hosted_zone_id = ?1 AND name = ?2
                     AND owner = 'user' AND type IN ('A','AAAA','CNAME','A_ALIAS') LIMIT 1",
                    [&zone.hosted_zone_id, host],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((id, kind)) = clash {
                return Err(ApiError::conflict(format!(
                    "hostname {host} conflicts with your {kind} record {id} in {}; delete that record first",
                    zone.domain
                )));
            }
        }
    }
    Ok(())
}

/// Outcome of binding one host.
pub struct Bound {
    pub dns_mode: String,
    pub managed: Option<ManagedDns>,
}

/// Binds `host` to the app (re-entrant) and, under a managed project
/// domain, writes or converges its platform-owned records.
pub fn bind(
    conn: &Connection,
    project_id: &str,
    app_id: &str,
    host: &str,
    dns_failing: bool,
) -> ApiResult<Bound> {
    let zone = managed_zone_for(conn, project_id, host)?;
    let dns_mode = if zone.is_some() { MANAGED } else { EXTERNAL };
    bind_as(conn, app_id, host, dns_mode, zone, dns_failing)
}

/// [`bind`] with the mode chosen by the caller (`zone` is the managed zone
/// of `host`, if any).
pub fn bind_as(
    conn: &Connection,
    app_id: &str,
    host: &str,
    dns_mode: &str,
    zone: Option<Zone>,
    dns_failing: bool,
) -> ApiResult<Bound> {
    let managed = match zone.filter(|_| dns_mode == MANAGED) {
        None => {
            // Switching to external: the platform's records go away.
            records::delete_platform_records(conn, app_id, Some(host))?;
            None
        }
        Some(zone) if dns_failing => Some(ManagedDns {
            project_domain: zone.domain,
            status: "failed".into(),
            records: None,
            message: Some(
                "the hostname is bound but its DNS records could not be applied; repeat the same attach request to retry"
                    .into(),
            ),
        }),
        Some(zone) => {
            let recs = managed_records(app_id, host, host == zone.domain);
            for rec in &recs {
                records::upsert_platform_record(
                    conn,
                    &zone.hosted_zone_id,
                    NewRecord {
                        name: rec.name.clone(),
                        kind: rec.record_type.clone(),
                        ttl: 300,
                        values: vec![rec.value.clone()],
                    },
                    Owner::RuntimeApp(app_id),
                )?;
            }
            Some(ManagedDns {
                project_domain: zone.domain,
                status: "applied".into(),
                records: Some(recs),
                message: None,
            })
        }
    };
    let managed_status = managed.as_ref().map(|m| m.status.clone());
    conn.execute(
        "INSERT INTO hostnames (domain, app_id, dns_mode, status, managed_dns, created_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5)
         ON CONFLICT (domain) DO UPDATE SET dns_mode = ?3, managed_dns = ?4",
        params![host, app_id, dns_mode, managed_status, now_rfc3339()],
    )?;
    Ok(Bound {
        dns_mode: dns_mode.to_string(),
        managed,
    })
}

/// Marks an attached hostname active (re-entrant); answers its DNS mode.
/// 404 when it is not attached to the app, 409 while its managed records
/// have not been applied.
pub fn finalize(conn: &Connection, app_id: &str, host: &str) -> ApiResult<String> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT dns_mode, managed_dns FROM hostnames WHERE domain = ?1 AND app_id = ?2",
            [host, app_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (dns_mode, managed) = row.ok_or_else(|| {
        ApiError::not_found(format!(
            "hostname {host} is not attached to app {app_id}; attach it first"
        ))
    })?;
    if managed.as_deref() == Some("failed") {
        return Err(ApiError::conflict(format!(
            "the DNS records for {host} are not applied yet; repeat the attach request, then finalize"
        )));
    }
    conn.execute(
        "UPDATE hostnames SET status = 'active' WHERE domain = ?1",
        [host],
    )?;
    Ok(dns_mode)
}
