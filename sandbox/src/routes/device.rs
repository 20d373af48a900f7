//! Device login (RFC 8628 style): start, then poll until approved.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::LIVE_SCOPES;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::ids::{hash_secret, new_db_token, new_user_code, now_millis};
use crate::model::devices::{self, insert_device_login, load_device_login, record_poll};
use crate::model::tokens::insert_token;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub interval: u64,
    pub expires_in: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct DeviceTokenRequest {
    pub device_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceToken {
    pub token: String,
    pub scopes: Vec<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(poll))
}

/// Start a device login: show `user_code`, open `verification_uri`, then
/// poll the token route every `interval` seconds.
#[utoipa::path(post, path = "/v1/auth/device", tag = "auth",
    responses((status = 200, body = DeviceAuthorization)))]
pub async fn start(State(state): State<AppState>) -> ApiResult<axum::Json<DeviceAuthorization>> {
    let device_code = new_db_token("dc_");
    let user_code = new_user_code();
    let interval = state.config.device_interval_secs;
    let expires_in = state.config.device_expires_secs;
    let conn = state.store.lock();
    insert_device_login(
        &conn,
        &device_code,
        &user_code,
        now_millis() + expires_in as i64 * 1000,
        interval as i64,
    )?;
    let verification_uri = format!("{}/_sandbox/device", state.api_url);
    Ok(axum::Json(DeviceAuthorization {
        verification_uri_complete: format!("{verification_uri}?user_code={user_code}"),
        verification_uri,
        device_code,
        user_code,
        interval,
        expires_in,
    }))
}

/// Poll for the token. Pending → 400 `authorization_pending`; polling faster
/// than `interval` → 400 `slow_down` (and the interval grows by 5 s);
/// `expired_token` and `access_denied` end the flow.
#[utoipa::path(post, path = "/v1/auth/device/token", tag = "auth", request_body = DeviceTokenRequest,
    responses((status = 200, body = DeviceToken),
              (status = 400, description = "authorization_pending, slow_down, expired_token or access_denied", body = Problem)))]
pub async fn poll(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<DeviceTokenRequest>,
) -> ApiResult<axum::Json<DeviceToken>> {
    let hash = hash_secret(&req.device_code);
    let conn = state.store.lock();
    let row = load_device_login(&conn, &hash)?;
    let now = now_millis();
    let Some(login) = row else {
        return Err(ApiError::bad_request("expired_token"));
    };
    let (expires_at, interval, last_poll) =
        (login.expires_at_ms, login.interval_secs, login.last_poll_ms);
    let (status, user_id, scopes) = (login.status, login.user_id, login.scopes);
    if now >= expires_at || status == "used" {
        return Err(ApiError::bad_request("expired_token"));
    }
    if status == "denied" {
        return Err(ApiError::bad_request("access_denied"));
    }
    let too_fast = last_poll.is_some_and(|t| now - t < interval * 1000);
    record_poll(&conn, &hash, now, too_fast)?;
    if too_fast {
        return Err(ApiError::bad_request("slow_down"));
    }
    if status != "approved" {
        return Err(ApiError::bad_request("authorization_pending"));
    }
    let user_id =
        user_id.ok_or_else(|| ApiError::internal("device login", "approved without a user"))?;
    let scopes: Vec<String> = scopes
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| LIVE_SCOPES.iter().map(|s| s.to_string()).collect());
    let token = insert_token(&conn, &user_id, &scopes)?;
    devices::mark_used(&conn, &hash)?;
    Ok(axum::Json(DeviceToken { token, scopes }))
}
