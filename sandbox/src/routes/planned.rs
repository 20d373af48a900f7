//! Registrar purchase: documented as planned, not live. Every route answers
//! 501 with a problem detail that says so, whatever the token.

use crate::extract::ApiPath;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

fn planned(what: &str) -> ApiError {
    ApiError::not_implemented(format!(
        "{what} is planned and not live yet (registrar purchase, scope domain:purchase); \
         register the domain at a registrar and onboard it with POST /v1/projects/{{project_id}}/domains"
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(domain_availability))
        .routes(routes!(domain_prices))
        .routes(routes!(create_order))
        .routes(routes!(get_order))
}

/// Planned: domain availability.
#[utoipa::path(get, path = "/v1/domain-availability", tag = "planned",
    params(("domain" = String, Query)),
    responses((status = 501, body = Problem)))]
pub async fn domain_availability() -> ApiError {
    planned("domain availability")
}

/// Planned: domain prices per TLD.
#[utoipa::path(get, path = "/v1/domain-prices", tag = "planned",
    params(("tld" = String, Query)),
    responses((status = 501, body = Problem)))]
pub async fn domain_prices() -> ApiError {
    planned("domain pricing")
}

/// Planned: order a domain.
#[utoipa::path(post, path = "/v1/projects/{project_id}/domain-orders", tag = "planned",
    params(("project_id" = String, Path)),
    responses((status = 501, body = Problem)))]
pub async fn create_order(ApiPath(_project_id): ApiPath<String>) -> ApiError {
    planned("domain ordering")
}

/// Planned: follow a domain order.
#[utoipa::path(get, path = "/v1/projects/{project_id}/domain-orders/{order_id}", tag = "planned",
    params(("project_id" = String, Path), ("order_id" = String, Path)),
    responses((status = 501, body = Problem)))]
pub async fn get_order(ApiPath(_ids): ApiPath<(String, String)>) -> ApiError {
    planned("domain orders")
}
