//! The HTTP surface: one router per resource, assembled here together with
//! the OpenAPI document generated from the same typed routes. Route modules
//! never import each other: what they share lives in `crate::model`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, quoted};
use crate::state::AppState;

pub mod apps;
pub mod databases;
pub mod deployments;
pub mod device;
pub mod domains;
pub mod environment;
pub mod health;
pub mod hostnames;
pub mod planned;
pub mod projects;
pub mod records;
pub mod sandbox_admin;
pub mod sandbox_state;
mod spec_errors;

const DESCRIPTION: &str = include_str!("../../openapi-description.md");

#[derive(OpenApi)]
#[openapi(
    info(title = "Comwit Cloud platform API (local sandbox)", description = DESCRIPTION),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness, readiness and discovery"),
        (name = "projects", description = "Projects the caller can access"),
        (name = "apps", description = "Runtime apps, deployments, builds and rollbacks"),
        (name = "environment", description = "Plain app environment values"),
        (name = "hostnames", description = "Custom hostnames attached to apps"),
        (name = "databases", description = "Project databases"),
        (name = "operator", description = "Operator-only routes (cwt_ tokens get 403)"),
        (name = "domains", description = "Project domains with delegated DNS"),
        (name = "records", description = "DNS records of a managed project domain"),
        (name = "auth", description = "Device login"),
        (name = "planned", description = "Registrar purchase: planned, answers 501"),
        (name = "sandbox", description = "Sandbox-only control routes (operator token); not part of Comwit Cloud"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("cwt_ user token, or the operator token"))
                    .build(),
            ),
        );
    }
}

/// The generated spec, serialised once at start-up.
#[derive(Clone)]
pub struct Spec(pub Arc<String>);

pub fn router(state: AppState) -> Router {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::openapi_json))
        .routes(routes!(health::docs))
        .routes(routes!(health::status))
        .merge(projects::router())
        .merge(apps::router())
        .merge(deployments::router())
        .merge(environment::router())
        .merge(hostnames::router())
        .merge(databases::router())
        .merge(domains::router())
        .merge(records::router())
        .merge(device::router())
        .merge(planned::router())
        .merge(sandbox_admin::router())
        .merge(sandbox_state::router())
        .split_for_parts();
    let mut api = api;
    spec_errors::describe_errors(&mut api);
    let spec = Spec(Arc::new(api.to_pretty_json().expect("OpenAPI serialises")));
    router
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(Extension(spec))
        .layer(middleware::map_response(problem_for_bare_errors))
        .layer(middleware::map_response(close_after_a_refused_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            around_request,
        ))
        .with_state(state)
}

async fn unknown_route(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route {} {}; see /openapi.json for the routes this API serves",
        req.method(),
        quoted(req.uri().path())
    ))
}

async fn wrong_method(req: Request) -> Response {
    let err = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not allowed on {}; see /openapi.json for the methods it accepts",
            req.method(),
            quoted(req.uri().path())
        ),
    );
    let mut resp = err.into_response();
    // Keep the problem content type even though axum adds Allow itself.
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    resp
}

/// Every error is a problem detail: whatever answers without one (an
/// axum or tower layer's own rejection) gets the standard body for its
/// status.
/// A 413 is answered before the body is read: the connection cannot carry
/// another request, so the answer says so (`Connection: close`) and a
/// client does not send its next request down it.
async fn close_after_a_refused_body(mut response: Response) -> Response {
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

async fn problem_for_bare_errors(response: Response) -> Response {
    let status = response.status();
    if status.as_u16() < 400 || crate::error::has_json_body(&response) {
        return response;
    }
    let detail = status.canonical_reason().unwrap_or("the request failed");
    ApiError::new(
        status,
        format!("{detail}; see /openapi.json for what this API accepts"),
    )
    .into_response()
}

/// Fault injection (delay requests on slowed routes) and a request log
/// line. Only method, path and status are logged: never headers or bodies,
/// which carry tokens.
async fn around_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    if let Some(delay) = state.faults().delay_for(&path) {
        tokio::time::sleep(delay).await;
    }
    let resp = next.run(req).await;
    tracing::debug!(%method, %path, status = resp.status().as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request");
    resp
}
