//! `/_sandbox/*`: what the real platform does out of band (console, the
//! registrar, outages). Operator token only; not part of Comwit Cloud.

use crate::extract::ApiPath;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, LIVE_SCOPES, PLANNED_SCOPES, is_known_scope};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::faults::Faults;
use crate::ids::new_id;
use crate::model::audit::{AuditEntry, recent_audit};
use crate::model::projects::{Project, add_member, insert_project, project_exists};
use crate::model::tokens::insert_token;
use crate::model::users::{SANDBOX_USER, insert_user, user_exists};
use crate::model::{devices, registrar};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct MintToken {
    pub scopes: Vec<String>,
    /// Projects the token's user is a member of.
    #[serde(default)]
    pub projects: Vec<String>,
    /// Existing user to mint for; omitted = a new user.
    #[serde(default)]
    pub user_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MintedToken {
    pub token: String,
    pub user_id: String,
    pub scopes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateProject {
    pub name: String,
    /// Extra members besides the sandbox user.
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectEnvelope {
    pub project: Project,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUser {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct User {
    pub user_id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserEnvelope {
    pub user: User,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct Nameservers {
    /// What the parent zone publishes; empty = not registered.
    pub nameservers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrarEntry {
    pub domain: String,
    pub nameservers: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct Approve {
    pub user_code: String,
    /// Deny instead of approving.
    #[serde(default)]
    pub deny: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Approved {
    pub user_code: String,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mint_token))
        .routes(routes!(create_project))
        .routes(routes!(create_user))
        .routes(routes!(set_nameservers))
        .routes(routes!(approve_device))
        .routes(routes!(device_page))
        .routes(routes!(get_faults, put_faults))
        .routes(routes!(audit))
}

/// Mint a `cwt_` token with chosen scopes and memberships.
#[utoipa::path(post, path = "/_sandbox/tokens", tag = "sandbox", security(("bearer" = [])),
    request_body = MintToken,
    responses((status = 201, body = MintedToken), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn mint_token(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<MintToken>,
) -> ApiResult<(StatusCode, axum::Json<MintedToken>)> {
    caller.require_operator()?;
    if let Some(bad) = req.scopes.iter().find(|s| !is_known_scope(s)) {
        return Err(ApiError::bad_request(format!(
            "unknown scope {}: use any of {}, {}",
            crate::error::quoted(bad),
            LIVE_SCOPES.join(", "),
            PLANNED_SCOPES.join(", ")
        )));
    }
    let mut conn = state.store.lock();
    let tx = conn.transaction()?;
    for p in &req.projects {
        project_exists(&tx, p)?;
    }
    let user_id = match req.user_id {
        Some(u) => {
            user_exists(&tx, &u)?;
            u
        }
        None => {
            let u = new_id("user-");
            insert_user(&tx, &u, &u)?;
            u
        }
    };
    for p in &req.projects {
        add_member(&tx, &user_id, p)?;
    }
    let token = insert_token(&tx, &user_id, &req.scopes)?;
    tx.commit()?;
    Ok((
        StatusCode::CREATED,
        axum::Json(MintedToken {
            token,
            user_id,
            scopes: req.scopes,
        }),
    ))
}

/// Create a project; the sandbox user (and `members`) become members.
#[utoipa::path(post, path = "/_sandbox/projects", tag = "sandbox", security(("bearer" = [])),
    request_body = CreateProject,
    responses((status = 201, body = ProjectEnvelope), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
pub async fn create_project(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CreateProject>,
) -> ApiResult<(StatusCode, axum::Json<ProjectEnvelope>)> {
    caller.require_operator()?;
    let name = req.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::bad_request(
            "project name must be 1 to 100 characters",
        ));
    }
    let mut conn = state.store.lock();
    let tx = conn.transaction()?;
    for m in &req.members {
        user_exists(&tx, m)?;
    }
    let mut members: Vec<&str> = vec![SANDBOX_USER];
    members.extend(req.members.iter().map(String::as_str));
    let project = insert_project(&tx, name, &members)?;
    tx.commit()?;
    Ok((StatusCode::CREATED, axum::Json(ProjectEnvelope { project })))
}

/// Create a user (mint tokens for it with `/_sandbox/tokens`).
#[utoipa::path(post, path = "/_sandbox/users", tag = "sandbox", security(("bearer" = [])),
    request_body = CreateUser,
    responses((status = 201, body = UserEnvelope), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn create_user(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, axum::Json<UserEnvelope>)> {
    caller.require_operator()?;
    let name = req.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::bad_request(
            "user name must be 1 to 100 characters",
        ));
    }
    let user = User {
        user_id: new_id("user-"),
        name: name.to_string(),
    };
    insert_user(&state.store.lock(), &user.user_id, &user.name)?;
    Ok((StatusCode::CREATED, axum::Json(UserEnvelope { user })))
}

/// Registrar simulation: the nameservers the parent zone publishes for a
/// domain (the user's step at their registrar). Empty = not registered.
#[utoipa::path(put, path = "/_sandbox/registrar/{domain}/nameservers", tag = "sandbox",
    security(("bearer" = [])),
    params(("domain" = String, Path)), request_body = Nameservers,
    responses((status = 200, body = RegistrarEntry), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn set_nameservers(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(domain): ApiPath<String>,
    ApiJson(req): ApiJson<Nameservers>,
) -> ApiResult<axum::Json<RegistrarEntry>> {
    caller.require_operator()?;
    let domain = crate::names::hostname(&domain)?;
    let mut nameservers = Vec::with_capacity(req.nameservers.len());
    for ns in &req.nameservers {
        nameservers.push(crate::names::hostname(ns)?);
    }
    registrar::set_nameservers(&state.store.lock(), &domain, &nameservers)?;
    Ok(axum::Json(RegistrarEntry {
        domain,
        nameservers,
    }))
}

/// Approve (or deny) a device login by its user code, as the sandbox user.
#[utoipa::path(post, path = "/_sandbox/device/approve", tag = "sandbox", security(("bearer" = [])),
    request_body = Approve,
    responses((status = 200, body = Approved), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn approve_device(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<Approve>,
) -> ApiResult<axum::Json<Approved>> {
    caller.require_operator()?;
    let code = req.user_code.trim().to_ascii_uppercase();
    let status = if req.deny { "denied" } else { "approved" };
    let scopes: Vec<&str> = LIVE_SCOPES.to_vec();
    let decided = devices::decide(&state.store.lock(), &code, status, SANDBOX_USER, &scopes)?;
    if !decided {
        return Err(ApiError::not_found(format!(
            "no pending device login with code {code}; start a new login"
        )));
    }
    Ok(axum::Json(Approved {
        user_code: code,
        status: status.into(),
    }))
}

#[derive(Deserialize)]
pub struct DevicePageQuery {
    user_code: Option<String>,
}

/// The `verification_uri` page: explains how to approve in the sandbox.
#[utoipa::path(get, path = "/_sandbox/device", tag = "sandbox",
    params(("user_code" = Option<String>, Query)),
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn device_page(
    State(state): State<AppState>,
    Query(q): Query<DevicePageQuery>,
) -> Html<String> {
    let code: String = q
        .user_code
        .unwrap_or_else(|| "XXXX-XXXX".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(16)
        .collect();
    Html(format!(
        "<!doctype html><meta charset=\"utf-8\"><title>Approve device login</title>\
         <body style=\"font-family:system-ui;max-width:40rem;margin:3rem auto\">\
         <h1>Approve device login</h1><p>Code: <b>{code}</b></p>\
         <p>This is the local sandbox: approve with the operator token:</p>\
         <pre>curl -X POST {url}/_sandbox/device/approve \\\n  -H \"Authorization: Bearer $PLATFORM_API_SERVER_TOKEN\" \\\n  -H 'Content-Type: application/json' -d '{{\"user_code\":\"{code}\"}}'</pre></body>",
        url = state.api_url
    ))
}

/// Current fault injection settings.
#[utoipa::path(get, path = "/_sandbox/faults", tag = "sandbox", security(("bearer" = [])),
    responses((status = 200, body = Faults), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn get_faults(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Faults>> {
    caller.require_operator()?;
    Ok(axum::Json(state.faults()))
}

/// Replace the fault injection settings (omitted fields = off).
#[utoipa::path(put, path = "/_sandbox/faults", tag = "sandbox", security(("bearer" = [])),
    request_body = Faults,
    responses((status = 200, body = Faults), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn put_faults(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(faults): ApiJson<Faults>,
) -> ApiResult<axum::Json<Faults>> {
    caller.require_operator()?;
    state.set_faults(faults);
    Ok(axum::Json(state.faults()))
}

/// Operator calls with their `X-Comwit-Actor-User-Id`, newest first.
#[utoipa::path(get, path = "/_sandbox/audit", tag = "sandbox", security(("bearer" = [])),
    responses((status = 200, body = AuditLog), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn audit(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<AuditLog>> {
    caller.require_operator()?;
    let entries = recent_audit(&state.store.lock())?;
    Ok(axum::Json(AuditLog { entries }))
}
