//! DNS records of a project domain's zone.

use comwit_client::rules::{self, DEFAULT_TTL, RecordError};

use crate::extract::ApiPath;
use axum::extract::State;
use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::domains::{Domain, MANAGED, load_domain};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem, quoted};
use crate::extract::ApiJson;
use crate::ids::{new_id, now_rfc3339};
use crate::state::AppState;

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

#[derive(Serialize, ToSchema)]
pub struct RecordEnvelope {
    pub record: Record,
}

#[derive(Serialize, ToSchema)]
pub struct RecordList {
    pub records: Vec<Record>,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateRecord {
    /// Relative (`www`, `@` for the apex) or fully qualified.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub ttl: Option<u32>,
    pub values: Vec<String>,
}

/// Partial update: omitted fields keep their values; `values` replaces all.
#[derive(Deserialize, ToSchema)]
pub struct UpdateRecord {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub ttl: Option<u32>,
    #[serde(default)]
    pub values: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct DeleteRecordResult {
    pub id: String,
    /// False when the record was already gone (still a success).
    pub deleted: bool,
}

pub struct NewRecord {
    pub name: String,
    pub kind: String,
    pub ttl: u32,
    pub values: Vec<String>,
}

pub enum Owner<'a> {
    RuntimeApp(&'a str),
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_records, create_record))
        .routes(routes!(update_record, delete_record))
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
fn record_type(raw: &str) -> ApiResult<&'static str> {
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

fn check_ttl(ttl: u32) -> ApiResult<u32> {
    rules::check_ttl(ttl).map_err(|why| ApiError::bad_request(why.to_string()))
}

fn require_managed(dom: &Domain) -> ApiResult<()> {
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

/// Conflicts with existing records at `name`: platform-owned ones, a same
/// type record of the user's, and CNAME exclusivity.
fn check_conflicts(
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
        let clash = other_kind == kind || kind == "CNAME" || other_kind == "CNAME";
        if !clash {
            continue;
        }
        if owner == "platform_app" {
            return Err(ApiError::conflict(format!(
                "{name} {other_kind} is managed by the platform for an app hostname ({id}); \
                 detach the hostname from the app instead"
            )));
        }
        return Err(ApiError::conflict(if other_kind == kind {
            format!("a {kind} record for {name} already exists ({id}); update it instead")
        } else {
            format!(
                "{name} already has a {other_kind} record ({id}); a CNAME cannot share its name with other records"
            )
        }));
    }
    Ok(())
}

/// Records of a project domain.
#[utoipa::path(get, path = "/v1/projects/{project_id}/domains/{domain}/records", tag = "records",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("domain" = String, Path)),
    responses((status = 200, body = RecordList), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 501, body = Problem)))]
pub async fn list_records(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, domain)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<RecordList>> {
    caller.require_project(&state, "domain:read", &project_id)?;
    state.domains_enabled()?;
    let conn = state.store.lock();
    let dom = load_domain(&conn, &project_id, &domain)?;
    let records = records_of_zone(&conn, &dom.hosted_zone_id)?;
    Ok(axum::Json(RecordList { records }))
}

/// Create a record (only while the domain is `managed`).
#[utoipa::path(post, path = "/v1/projects/{project_id}/domains/{domain}/records", tag = "records",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("domain" = String, Path)), request_body = CreateRecord,
    responses((status = 201, body = RecordEnvelope), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "domain not delegated yet, or a conflicting record", body = Problem),
              (status = 501, body = Problem)))]
pub async fn create_record(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, domain)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<CreateRecord>,
) -> ApiResult<(StatusCode, axum::Json<RecordEnvelope>)> {
    caller.require_project(&state, "domain:write", &project_id)?;
    state.domains_enabled()?;
    let mut conn = state.store.lock();
    let dom = load_domain(&conn, &project_id, &domain)?;
    require_managed(&dom)?;
    let kind = record_type(&req.kind)?;
    let name = qualify(&dom.domain, &req.name)?;
    let values = validate(kind, &dom.domain, &name, &req.values)?;
    let ttl = check_ttl(req.ttl.unwrap_or(DEFAULT_TTL))?;
    let tx = conn.transaction()?;
    check_conflicts(&tx, &dom.hosted_zone_id, &name, kind, None)?;
    let record = Record {
        id: new_id("dnsrec_"),
        name,
        kind: kind.to_string(),
        ttl,
        values,
        owner: "user".into(),
        owner_resource_type: None,
        owner_resource_id: None,
        status: "in_sync".into(),
        last_error: None,
        created_at: now_rfc3339(),
    };
    tx.execute(
        "INSERT INTO records (id, hosted_zone_id, name, type, ttl, vals, owner, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'user', 'in_sync', ?7)",
        params![
            record.id,
            dom.hosted_zone_id,
            record.name,
            record.kind,
            record.ttl,
            json(&record.values),
            record.created_at
        ],
    )?;
    tx.commit()?;
    Ok((StatusCode::CREATED, axum::Json(RecordEnvelope { record })))
}

fn load_record(conn: &Connection, zone_id: &str, id: &str) -> ApiResult<Option<Record>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM records WHERE hosted_zone_id = ?1 AND id = ?2"
        ))?
        .query_row([zone_id, id], record_from_row)
        .optional()?)
}

fn refuse_platform(rec: &Record) -> ApiResult<()> {
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

/// Update a record (partial; only while the domain is `managed`).
#[utoipa::path(put, path = "/v1/projects/{project_id}/domains/{domain}/records/{record_id}", tag = "records",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("domain" = String, Path), ("record_id" = String, Path)),
    request_body = UpdateRecord,
    responses((status = 200, body = RecordEnvelope), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "domain not delegated, platform-owned record, or a conflict", body = Problem),
              (status = 501, body = Problem)))]
pub async fn update_record(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, domain, record_id)): ApiPath<(String, String, String)>,
    ApiJson(req): ApiJson<UpdateRecord>,
) -> ApiResult<axum::Json<RecordEnvelope>> {
    caller.require_project(&state, "domain:write", &project_id)?;
    state.domains_enabled()?;
    let mut conn = state.store.lock();
    let dom = load_domain(&conn, &project_id, &domain)?;
    let current = load_record(&conn, &dom.hosted_zone_id, &record_id)?.ok_or_else(|| {
        ApiError::not_found(format!("record {record_id} not found in {}", dom.domain))
    })?;
    require_managed(&dom)?;
    refuse_platform(&current)?;
    let kind = record_type(req.kind.as_deref().unwrap_or(&current.kind))?;
    let name = match req.name {
        Some(n) => qualify(&dom.domain, &n)?,
        None => current.name.clone(),
    };
    let values = validate(
        kind,
        &dom.domain,
        &name,
        req.values.as_ref().unwrap_or(&current.values),
    )?;
    let ttl = check_ttl(req.ttl.unwrap_or(current.ttl))?;
    let tx = conn.transaction()?;
    check_conflicts(&tx, &dom.hosted_zone_id, &name, kind, Some(&record_id))?;
    tx.execute(
        "UPDATE records SET name = ?2, type = ?3, ttl = ?4, vals = ?5, status = 'in_sync' WHERE id = ?1",
        params![record_id, name, kind, ttl, json(&values)],
    )?;
    tx.commit()?;
    let record = Record {
        name,
        kind: kind.to_string(),
        ttl,
        values,
        ..current
    };
    Ok(axum::Json(RecordEnvelope { record }))
}

/// Delete a record: always allowed, even while `pending_delegation`;
/// already gone = success (retry-safe).
#[utoipa::path(delete, path = "/v1/projects/{project_id}/domains/{domain}/records/{record_id}", tag = "records",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("domain" = String, Path), ("record_id" = String, Path)),
    responses((status = 200, body = DeleteRecordResult), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, description = "domain unknown", body = Problem),
              (status = 409, description = "platform-owned record", body = Problem),
              (status = 501, body = Problem)))]
pub async fn delete_record(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, domain, record_id)): ApiPath<(String, String, String)>,
) -> ApiResult<axum::Json<DeleteRecordResult>> {
    caller.require_project(&state, "domain:write", &project_id)?;
    state.domains_enabled()?;
    let conn = state.store.lock();
    let dom = load_domain(&conn, &project_id, &domain)?;
    let Some(rec) = load_record(&conn, &dom.hosted_zone_id, &record_id)? else {
        return Ok(axum::Json(DeleteRecordResult {
            id: record_id,
            deleted: false,
        }));
    };
    refuse_platform(&rec)?;
    conn.execute("DELETE FROM records WHERE id = ?1", [&record_id])?;
    Ok(axum::Json(DeleteRecordResult {
        id: record_id,
        deleted: true,
    }))
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
