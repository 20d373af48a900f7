//! Custom hostnames of an app: attach (external records or managed project
//! domain), finalize, list. Deploys with `hosts=` bind through
//! `model::hostnames::bind` too.

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
use crate::model::apps::load_app;
use crate::model::domains::managed_zone_for;
use crate::model::hostnames::{
    self, DnsRecord, EXTERNAL, Hostname, MANAGED, ManagedDns, bind_as, check_bindable,
    external_records,
};
use crate::state::{AppState, Upstream};

#[derive(Deserialize, ToSchema)]
pub struct AttachRequest {
    pub domain: String,
    /// `external_records` (default) or `managed_project_domain`.
    #[serde(default)]
    pub dns_mode: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AttachResult {
    pub domain: String,
    pub dns_mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_records: Option<Vec<DnsRecord>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_dns: Option<ManagedDns>,
}

#[derive(Serialize, ToSchema)]
pub struct HostnameList {
    pub domains: Vec<Hostname>,
}

#[derive(Serialize, ToSchema)]
pub struct FinalizeResult {
    pub domain: String,
    pub dns_mode: String,
    pub status: String,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_hostnames, attach))
        .routes(routes!(finalize))
}

/// Hostnames attached to an app.
#[utoipa::path(get, path = "/v1/projects/{project_id}/apps/{app_id}/domains", tag = "hostnames",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path)),
    responses((status = 200, body = HostnameList), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_hostnames(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<HostnameList>> {
    caller.require_project(&state, "app:read", &project_id)?;
    let conn = state.store.lock();
    load_app(&conn, &project_id, &app_id)?;
    let domains = hostnames::hostnames_of(&conn, &app_id)?;
    Ok(axum::Json(HostnameList { domains }))
}

/// Attach a hostname (idempotent: repeating converges, and retries a
/// failed managed-DNS application without duplicating records).
#[utoipa::path(post, path = "/v1/projects/{project_id}/apps/{app_id}/domains", tag = "hostnames",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path)),
    request_body = AttachRequest,
    responses((status = 200, body = AttachResult),
              (status = 202, description = "bound, but managed DNS records failed to apply: repeat the request", body = AttachResult),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 502, body = Problem)))]
pub async fn attach(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<AttachRequest>,
) -> ApiResult<(StatusCode, axum::Json<AttachResult>)> {
    caller.require_project(&state, "app:write", &project_id)?;
    let host = crate::names::hostname(&req.domain)?;
    let dns_mode = req.dns_mode.as_deref().unwrap_or(EXTERNAL);
    if dns_mode != EXTERNAL && dns_mode != MANAGED {
        return Err(ApiError::bad_request(format!(
            "unknown dns_mode {}: use {EXTERNAL} or {MANAGED}",
            crate::error::quoted(dns_mode)
        )));
    }
    // Attach always goes through brrrd first (documented).
    state.upstream(Upstream::Brrrd)?;
    let mut conn = state.store.lock();
    load_app(&conn, &project_id, &app_id)?;
    let zone = managed_zone_for(&conn, &project_id, &host)?;
    if dns_mode == MANAGED && zone.is_none() {
        return Err(ApiError::bad_request(format!(
            "{host} is not the apex or a subdomain of a managed project domain; \
             use dns_mode {EXTERNAL}, or add the domain and complete its delegation first"
        )));
    }
    check_bindable(&conn, &project_id, &app_id, std::slice::from_ref(&host))?;
    let tx = conn.transaction()?;
    let bound = bind_as(
        &tx,
        &app_id,
        &host,
        dns_mode,
        zone,
        state.faults().managed_dns_failing,
    )?;
    tx.commit()?;
    let failed = bound.managed.as_ref().is_some_and(|m| m.status == "failed");
    let result = AttachResult {
        dns_records: (bound.dns_mode == EXTERNAL).then(|| external_records(&app_id, &host)),
        domain: host,
        dns_mode: bound.dns_mode,
        managed_dns: bound.managed,
    };
    let status = if failed {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(result)))
}

/// Complete activation of an attached hostname (re-entrant).
#[utoipa::path(post, path = "/v1/projects/{project_id}/apps/{app_id}/domains/{domain}/finalize",
    tag = "hostnames", security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path), ("domain" = String, Path)),
    responses((status = 200, body = FinalizeResult), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "managed DNS records are not applied yet", body = Problem),
              (status = 502, body = Problem)))]
pub async fn finalize(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id, domain)): ApiPath<(String, String, String)>,
) -> ApiResult<axum::Json<FinalizeResult>> {
    caller.require_project(&state, "app:write", &project_id)?;
    let host = crate::names::hostname(&domain)?;
    state.upstream(Upstream::Brrrd)?;
    let conn = state.store.lock();
    load_app(&conn, &project_id, &app_id)?;
    let dns_mode = hostnames::finalize(&conn, &app_id, &host)?;
    Ok(axum::Json(FinalizeResult {
        domain: host,
        dns_mode,
        status: "active".into(),
    }))
}
