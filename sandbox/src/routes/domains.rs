//! Project domains (Route 53 style delegated zones) and the delegation check.

use crate::extract::ApiPath;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use comwit_client::delegation::{Parents, Prober, Verdict};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::ids::{new_hosted_zone_id, new_nameservers, now_rfc3339};
use crate::model::domains::{self, DELEGATED_MODE, Domain, MANAGED, PENDING, load_domain};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct DomainEnvelope {
    pub domain: Domain,
}

#[derive(Serialize, ToSchema)]
pub struct DomainList {
    pub domains: Vec<Domain>,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateDomain {
    pub domain: String,
    /// Only `route53_delegated` is live.
    #[serde(default)]
    pub dns_mode: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DelegationCheck {
    pub domain: String,
    pub matched: bool,
    pub status: String,
    /// `delegated`, `partial`, `mixed`, `not_delegated` or `not_registered`.
    pub verdict: String,
    pub expected_nameservers: Vec<String>,
    pub observed_nameservers: Vec<String>,
    pub checked_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeleteDomainResult {
    pub domain: String,
    pub deleted: bool,
    pub records_deleted: u32,
    pub hosted_zone_id: String,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_domains, create_domain))
        .routes(routes!(delete_domain))
        .routes(routes!(delegation_check))
}

/// Project domains.
#[utoipa::path(get, path = "/v1/projects/{project_id}/domains", tag = "domains", security(("bearer" = [])),
    params(("project_id" = String, Path)),
    responses((status = 200, body = DomainList), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 501, description = "domain management disabled", body = Problem)))]
pub async fn list_domains(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(project_id): ApiPath<String>,
) -> ApiResult<axum::Json<DomainList>> {
    caller.require_project(&state, "domain:read", &project_id)?;
    state.domains_enabled()?;
    let domains = domains::domains_of(&state.store.lock(), &project_id)?;
    Ok(axum::Json(DomainList { domains }))
}

/// Onboard a domain: creates its hosted zone (`pending_delegation`).
/// Retry-safe: an existing domain is returned as it is (200).
#[utoipa::path(post, path = "/v1/projects/{project_id}/domains", tag = "domains", security(("bearer" = [])),
    params(("project_id" = String, Path)), request_body = CreateDomain,
    responses((status = 201, body = DomainEnvelope),
              (status = 200, description = "the domain already existed", body = DomainEnvelope),
              (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "domain taken by another project, or the project's domain limit is reached", body = Problem),
              (status = 501, body = Problem)))]
pub async fn create_domain(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(project_id): ApiPath<String>,
    ApiJson(req): ApiJson<CreateDomain>,
) -> ApiResult<(StatusCode, axum::Json<DomainEnvelope>)> {
    caller.require_project(&state, "domain:write", &project_id)?;
    state.domains_enabled()?;
    let name = crate::names::hostname(&req.domain)?;
    let mode = req.dns_mode.as_deref().unwrap_or(DELEGATED_MODE);
    if mode != DELEGATED_MODE {
        return Err(ApiError::bad_request(format!(
            "unknown dns_mode {}: only {DELEGATED_MODE} is available",
            crate::error::quoted(mode)
        )));
    }
    let mut conn = state.store.lock();
    match domains::onboarded(&conn, &name)? {
        Some((owner, domain)) if owner == project_id => {
            return Ok((StatusCode::OK, axum::Json(DomainEnvelope { domain })));
        }
        Some(_) => {
            return Err(ApiError::conflict(format!(
                "{name} is already onboarded by another project; remove it there first"
            )));
        }
        None => {}
    }
    // The limit is checked before any zone exists, so nothing to roll back.
    let active = domains::live_domain_count(&conn, &project_id)?;
    let limit = state.config.max_domains_per_project;
    if active >= limit {
        return Err(ApiError::conflict(format!(
            "project {project_id} already has {active} active domains, the limit is {limit}; remove one first"
        )));
    }
    let domain = Domain {
        domain: name,
        dns_mode: DELEGATED_MODE.into(),
        status: PENDING.into(),
        hosted_zone_id: new_hosted_zone_id(),
        nameservers: new_nameservers(),
        created_at: now_rfc3339(),
        checked_at: None,
    };
    let tx = conn.transaction()?;
    domains::insert_domain(&tx, &project_id, &domain)?;
    tx.commit()?;
    Ok((StatusCode::CREATED, axum::Json(DomainEnvelope { domain })))
}

/// Check delegation now; promotes to `managed` on a match and demotes a
/// lapsed `managed` domain back to `pending_delegation`. A domain the
/// registrar does not know is `matched: false`, never an error.
#[utoipa::path(post, path = "/v1/projects/{project_id}/domains/{domain}/delegation-check", tag = "domains",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("domain" = String, Path)),
    responses((status = 200, body = DelegationCheck), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 501, body = Problem)))]
pub async fn delegation_check(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, domain)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<DelegationCheck>> {
    caller.require_project(&state, "domain:write", &project_id)?;
    state.domains_enabled()?;
    let dom = load_domain(&state.store.lock(), &project_id, &domain)?;
    // The same prober the client uses, asking the sandbox's registry
    // (parent-zone) DNS server: no shortcut through the registrar table.
    let registry = *state.registry_dns.get().ok_or_else(|| {
        ApiError::internal("delegation check", "the registry DNS server is not running")
    })?;
    let prober =
        Prober::new(Parents::Fixed(vec![registry])).timeout(std::time::Duration::from_secs(2));
    let (verdict, observed) = match prober.check(&dom.domain, &dom.nameservers).await {
        Ok(d) => (d.verdict.as_str(), d.observed),
        // No answer is a verdict too ("not registered"), never an error.
        Err(e) => {
            tracing::warn!(%e, "delegation probe failed");
            (Verdict::NotRegistered.as_str(), Vec::new())
        }
    };
    let matched = verdict == Verdict::Delegated.as_str();
    let status = if matched { MANAGED } else { PENDING };
    let checked_at = now_rfc3339();
    domains::set_status(
        &state.store.lock(),
        &dom.hosted_zone_id,
        status,
        &checked_at,
    )?;
    Ok(axum::Json(DelegationCheck {
        domain: dom.domain,
        matched,
        status: status.into(),
        verdict: verdict.into(),
        expected_nameservers: dom.nameservers,
        observed_nameservers: observed,
        checked_at,
    }))
}

/// Remove a domain: all its records (platform-owned too), its zone, and the
/// row (soft delete; re-adding later gets a new zone and nameservers).
#[utoipa::path(delete, path = "/v1/projects/{project_id}/domains/{domain}", tag = "domains",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("domain" = String, Path)),
    responses((status = 200, body = DeleteDomainResult), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 501, body = Problem)))]
pub async fn delete_domain(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, domain)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<DeleteDomainResult>> {
    caller.require_project(&state, "domain:write", &project_id)?;
    state.domains_enabled()?;
    let mut conn = state.store.lock();
    let dom = load_domain(&conn, &project_id, &domain)?;
    let tx = conn.transaction()?;
    let removed = domains::delete_domain(&tx, &dom)?;
    tx.commit()?;
    Ok(axum::Json(DeleteDomainResult {
        domain: dom.domain,
        deleted: true,
        records_deleted: removed as u32,
        hosted_zone_id: dom.hosted_zone_id,
    }))
}
