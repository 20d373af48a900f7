//! DNS records of a project domain's zone.

use comwit_client::rules::DEFAULT_TTL;

use crate::extract::ApiPath;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::ids::{new_id, now_rfc3339};
use crate::model::domains::load_domain;
use crate::model::records::{
    self, Record, check_conflicts, check_ttl, load_record, qualify, record_type, records_of_zone,
    refuse_platform, require_managed, validate,
};
use crate::state::AppState;

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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_records, create_record))
        .routes(routes!(update_record, delete_record))
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
    records::insert_user_record(&tx, &dom.hosted_zone_id, &record)?;
    tx.commit()?;
    Ok((StatusCode::CREATED, axum::Json(RecordEnvelope { record })))
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
    records::update_record(&tx, &record_id, &name, kind, ttl, &values)?;
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
    records::delete_record(&conn, &record_id)?;
    Ok(axum::Json(DeleteRecordResult {
        id: record_id,
        deleted: true,
    }))
}
