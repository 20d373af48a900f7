//! App environment: plain values only (secret values are not enabled).

use crate::extract::ApiPath;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::model::apps::load_app;
use crate::model::environment::{self, EnvVar};
use crate::state::{AppState, Upstream};

/// The documented detail for `secret: true`, verbatim.
pub const SECRET_NOT_ENABLED: &str =
    "secret app env values are not enabled; store plain env values only";

/// Largest value accepted (*assumed*).
const MAX_VALUE_BYTES: usize = 32 * 1024;

#[derive(Serialize, ToSchema)]
pub struct EnvList {
    pub environment: Vec<EnvVar>,
}

#[derive(Deserialize, ToSchema)]
pub struct PutEnv {
    pub value: String,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PutEnvResult {
    pub key: String,
    pub value: String,
    pub secret: bool,
    /// True when the key did not exist before.
    pub created: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DeleteEnvResult {
    pub key: String,
    pub deleted: bool,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_env))
        .routes(routes!(put_env, delete_env))
}

/// Environment values of an app, sorted by key.
#[utoipa::path(get, path = "/v1/projects/{project_id}/apps/{app_id}/environment", tag = "environment",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path)),
    responses((status = 200, body = EnvList), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_env(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<EnvList>> {
    caller.require_project(&state, "app:read", &project_id)?;
    let conn = state.store.lock();
    load_app(&conn, &project_id, &app_id)?;
    let environment = environment::env_of(&conn, &app_id)?;
    Ok(axum::Json(EnvList { environment }))
}

/// Create or update one value.
#[utoipa::path(put, path = "/v1/projects/{project_id}/apps/{app_id}/environment/{key}", tag = "environment",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path), ("key" = String, Path)),
    request_body = PutEnv,
    responses((status = 200, body = PutEnvResult),
              (status = 400, description = "bad key or value, or secret: true", body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 502, body = Problem)))]
pub async fn put_env(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id, key)): ApiPath<(String, String, String)>,
    ApiJson(req): ApiJson<PutEnv>,
) -> ApiResult<axum::Json<PutEnvResult>> {
    caller.require_project(&state, "app:write", &project_id)?;
    crate::names::env_key(&key)?;
    if req.secret {
        return Err(ApiError::bad_request(SECRET_NOT_ENABLED));
    }
    if req.value.len() > MAX_VALUE_BYTES {
        // Never echo the value: it may be sensitive even if not "secret".
        return Err(ApiError::bad_request(format!(
            "value of {key} is {} bytes; the limit is {MAX_VALUE_BYTES}",
            req.value.len()
        )));
    }
    state.upstream(Upstream::Brrrd)?;
    let conn = state.store.lock();
    load_app(&conn, &project_id, &app_id)?;
    let created = environment::put_env(&conn, &app_id, &key, &req.value)?;
    Ok(axum::Json(PutEnvResult {
        key,
        value: req.value,
        secret: false,
        created,
    }))
}

/// Remove one key (404 when it is not set).
#[utoipa::path(delete, path = "/v1/projects/{project_id}/apps/{app_id}/environment/{key}", tag = "environment",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path), ("key" = String, Path)),
    responses((status = 200, body = DeleteEnvResult), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 502, body = Problem)))]
pub async fn delete_env(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id, key)): ApiPath<(String, String, String)>,
) -> ApiResult<axum::Json<DeleteEnvResult>> {
    caller.require_project(&state, "app:write", &project_id)?;
    state.upstream(Upstream::Brrrd)?;
    let conn = state.store.lock();
    load_app(&conn, &project_id, &app_id)?;
    if !environment::delete_env(&conn, &app_id, &key)? {
        return Err(ApiError::not_found(format!(
            "environment key {key} is not set on app {app_id}"
        )));
    }
    Ok(axum::Json(DeleteEnvResult { key, deleted: true }))
}
