//! Health, readiness, discovery and the operator status route.

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::Spec;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: &'static str,
    /// `ok` or `unreachable`.
    pub louhi: &'static str,
    pub brrrd: &'static str,
}

/// Liveness: 200 while the process serves.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

fn reach(down: bool) -> &'static str {
    if down { "unreachable" } else { "ok" }
}

/// Readiness: 503 when Louhi or brrrd is unreachable (the only 503 of the API).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let faults = state.faults();
    let ready = !faults.louhi_unreachable && !faults.brrrd_unreachable;
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" },
        louhi: reach(faults.louhi_unreachable),
        brrrd: reach(faults.brrrd_unreachable),
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// This document: generated from the typed routes, never hand-written.
#[utoipa::path(get, path = "/openapi.json", tag = "health",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json(Extension(spec): Extension<Spec>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        spec.0.as_str().to_owned(),
    )
        .into_response()
}

/// Human reference rendered from the same spec (works offline: no scripts).
#[utoipa::path(get, path = "/docs", tag = "health",
    responses((status = 200, description = "HTML reference", content_type = "text/html")))]
pub async fn docs(Extension(spec): Extension<Spec>) -> Html<String> {
    Html(crate::docs_page::render(&spec.0))
}

#[derive(Serialize, ToSchema)]
pub struct PlatformStatus {
    pub status: &'static str,
    pub louhi: &'static str,
    pub brrrd: &'static str,
    pub version: &'static str,
}

/// Platform status (operator only).
#[utoipa::path(get, path = "/v1/status", tag = "operator", security(("bearer" = [])),
    responses((status = 200, body = PlatformStatus), (status = 401, body = Problem),
              (status = 403, body = Problem)))]
pub async fn status(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<PlatformStatus>> {
    caller.require_operator()?;
    let faults = state.faults();
    let degraded = faults.louhi_unreachable || faults.brrrd_unreachable;
    Ok(axum::Json(PlatformStatus {
        status: if degraded { "degraded" } else { "ok" },
        louhi: reach(faults.louhi_unreachable),
        brrrd: reach(faults.brrrd_unreachable),
        version: env!("CARGO_PKG_VERSION"),
    }))
}
