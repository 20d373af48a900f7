//! Project domains (Route 53 style delegated zones): the row, its status,
//! and the managed zone a hostname falls under.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::ids::now_rfc3339;

pub const PENDING: &str = "pending_delegation";
pub const MANAGED: &str = "managed";
/// The only live `dns_mode` of a project domain.
pub const DELEGATED_MODE: &str = "route53_delegated";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Domain {
    pub domain: String,
    pub dns_mode: String,
    /// `pending_delegation` or `managed`.
    pub status: String,
    pub hosted_zone_id: String,
    pub nameservers: Vec<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
}

/// A live hosted zone.
#[derive(Debug, Clone)]
pub struct Zone {
    pub domain: String,
    pub hosted_zone_id: String,
}

const COLUMNS: &str =
    "domain, dns_mode, status, hosted_zone_id, nameservers, created_at, checked_at";

/// A [`Domain`] from [`COLUMNS`] starting at column `at`.
fn domain_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Domain> {
    let ns: String = r.get(at + 4)?;
    Ok(Domain {
        domain: r.get(at)?,
        dns_mode: r.get(at + 1)?,
        status: r.get(at + 2)?,
        hosted_zone_id: r.get(at + 3)?,
        nameservers: serde_json::from_str(&ns).unwrap_or_default(),
        created_at: r.get(at + 5)?,
        checked_at: r.get(at + 6)?,
    })
}

fn domain_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Domain> {
    domain_at(r, 0)
}

/// The live domain `domain` of a project, 404 otherwise.
pub fn load_domain(conn: &Connection, project_id: &str, domain: &str) -> ApiResult<Domain> {
    let name = crate::names::hostname(domain)?;
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM domains WHERE project_id = ?1 AND domain = ?2 AND deleted_at IS NULL"
    ))?
    .query_row([project_id, &name], domain_from_row)
    .optional()?
    .ok_or_else(|| ApiError::not_found(format!("domain {name} not found in project {project_id}")))
}

/// The live domains of a project, by name.
pub fn domains_of(conn: &Connection, project_id: &str) -> ApiResult<Vec<Domain>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM domains WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY domain"
        ))?
        .query_map([project_id], domain_from_row)?
        .collect::<Result<_, _>>()?)
}

/// The live domain named `name` in any project, with that project's id.
pub fn onboarded(conn: &Connection, name: &str) -> ApiResult<Option<(String, Domain)>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT project_id, {COLUMNS} FROM domains WHERE domain = ?1 AND deleted_at IS NULL"
            ),
            [name],
            |r| Ok((r.get(0)?, domain_at(r, 1)?)),
        )
        .optional()?)
}

/// How many live domains a project has (for its limit).
pub fn live_domain_count(conn: &Connection, project_id: &str) -> ApiResult<u32> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM domains WHERE project_id = ?1 AND deleted_at IS NULL",
        [project_id],
        |r| r.get(0),
    )?)
}

/// Adds a domain row (its zone starts empty).
pub fn insert_domain(tx: &Transaction<'_>, project_id: &str, domain: &Domain) -> ApiResult<()> {
    tx.execute(
        "INSERT INTO domains (project_id, domain, dns_mode, status, hosted_zone_id, nameservers, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            project_id,
            domain.domain,
            domain.dns_mode,
            domain.status,
            domain.hosted_zone_id,
            serde_json::to_string(&domain.nameservers).expect("strings serialise"),
            domain.created_at
        ],
    )?;
    Ok(())
}

/// Records the outcome of a delegation check.
pub fn set_status(
    conn: &Connection,
    hosted_zone_id: &str,
    status: &str,
    checked_at: &str,
) -> ApiResult<()> {
    conn.execute(
        "UPDATE domains SET status = ?2, checked_at = ?3 WHERE hosted_zone_id = ?1",
        params![hosted_zone_id, status, checked_at],
    )?;
    Ok(())
}

/// Removes a domain: all its records (platform-owned too), the managed
/// DNS of hostnames under it, and the row (soft delete; re-adding later
/// gets a new zone and nameservers). Answers how many records went.
pub fn delete_domain(tx: &Transaction<'_>, dom: &Domain) -> ApiResult<usize> {
    let removed = tx.execute(
        "DELETE FROM records WHERE hosted_zone_id = ?1",
        [&dom.hosted_zone_id],
    )?;
    // Hostnames that relied on this zone lose their managed records.
    tx.execute(
        "UPDATE hostnames SET managed_dns = 'failed'
         WHERE dns_mode = 'managed_project_domain' AND (domain = ?1 OR substr(domain, -length(?1) - 1) = '.' || ?1)",
        [&dom.domain],
    )?;
    tx.execute(
        "UPDATE domains SET deleted_at = ?2 WHERE hosted_zone_id = ?1",
        params![dom.hosted_zone_id, now_rfc3339()],
    )?;
    Ok(removed)
}

/// The most specific `managed` project domain that `host` is the apex or a
/// subdomain of.
pub fn managed_zone_for(
    conn: &Connection,
    project_id: &str,
    host: &str,
) -> ApiResult<Option<Zone>> {
    let mut stmt = conn.prepare_cached(
        "SELECT domain, hosted_zone_id FROM domains
         WHERE project_id = ?1 AND deleted_at IS NULL AND status = 'managed'
           AND (?2 = domain OR substr(?2, -length(domain) - 1) = '.' || domain)
         ORDER BY length(domain) DESC LIMIT 1",
    )?;
    Ok(stmt
        .query_row([project_id, host], |r| {
            Ok(Zone {
                domain: r.get(0)?,
                hosted_zone_id: r.get(1)?,
            })
        })
        .optional()?)
}
