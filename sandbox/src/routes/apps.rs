//! Runtime apps: create, list, get, delete (with its cleanup report),
//! builds and rollbacks. Deployments live in `deployments`, environment
//! values in `environment`; `routes` mounts all three.

use crate::extract::ApiPath;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, OptionalJson};
use crate::ids::{new_id, now_rfc3339};
use crate::model::apps::{self, App, Cleanup, DnsRecordToRemove, load_app};
use crate::model::builds::{Build, activate, build_exists, builds_of, previous_build};
use crate::state::{AppState, Upstream};

#[derive(Serialize, ToSchema)]
pub struct AppEnvelope {
    pub app: App,
}

#[derive(Serialize, ToSchema)]
pub struct AppList {
    pub apps: Vec<App>,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateApp {
    /// 1–63 lower-case letters, digits and inner hyphens.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct BuildList {
    pub builds: Vec<Build>,
}

#[derive(Deserialize, Default, ToSchema)]
pub struct RollbackRequest {
    /// Build to re-activate; omitted = the build active before the current one.
    #[serde(default)]
    pub build_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RollbackResult {
    pub app_id: String,
    pub active_build_id: String,
    pub previous_build_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeleteAppResult {
    pub app_id: String,
    /// False when the app had already been deleted (the call is re-entrant).
    pub deleted: bool,
    pub cleanup: Cleanup,
    /// Records you published at an external DNS provider for this app's
    /// hostnames: remove them there.
    pub external_dns_cleanup: Vec<DnsRecordToRemove>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_apps, create_app))
        .routes(routes!(get_app, delete_app))
        .routes(routes!(list_builds))
        .routes(routes!(rollback))
}

/// Apps of a project (200 with an empty list when there are none).
#[utoipa::path(get, path = "/v1/projects/{project_id}/apps", tag = "apps", security(("bearer" = [])),
    params(("project_id" = String, Path)),
    responses((status = 200, body = AppList), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_apps(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(project_id): ApiPath<String>,
) -> ApiResult<axum::Json<AppList>> {
    caller.require_project(&state, "app:read", &project_id)?;
    let apps = apps::apps_of(&state.store.lock(), &project_id)?;
    Ok(axum::Json(AppList { apps }))
}

/// Create an app. A live app with the same name → 409 (*assumed*).
#[utoipa::path(post, path = "/v1/projects/{project_id}/apps", tag = "apps", security(("bearer" = [])),
    params(("project_id" = String, Path)), request_body = CreateApp,
    responses((status = 201, body = AppEnvelope), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 502, body = Problem)))]
pub async fn create_app(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(project_id): ApiPath<String>,
    ApiJson(req): ApiJson<CreateApp>,
) -> ApiResult<(StatusCode, axum::Json<AppEnvelope>)> {
    caller.require_project(&state, "app:write", &project_id)?;
    let name = crate::names::resource_name("app", &req.name)?;
    state.upstream(Upstream::Brrrd)?;
    let conn = state.store.lock();
    let app = App {
        app_id: new_id("app-"),
        project_id: project_id.clone(),
        name,
        active_build_id: None,
        created_at: now_rfc3339(),
        builds: None,
    };
    apps::insert_app(&conn, &app)?;
    Ok((StatusCode::CREATED, axum::Json(AppEnvelope { app })))
}

/// One app with its builds.
#[utoipa::path(get, path = "/v1/projects/{project_id}/apps/{app_id}", tag = "apps", security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path)),
    responses((status = 200, body = AppEnvelope), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_app(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<AppEnvelope>> {
    caller.require_project(&state, "app:read", &project_id)?;
    let conn = state.store.lock();
    let mut app = load_app(&conn, &project_id, &app_id)?;
    app.builds = Some(builds_of(&conn, &app_id, app.active_build_id.as_deref())?);
    Ok(axum::Json(AppEnvelope { app }))
}

/// Delete an app and everything it owns. Re-entrant: deleting an app that
/// is already deleted answers 200 with `deleted: false`.
#[utoipa::path(delete, path = "/v1/projects/{project_id}/apps/{app_id}", tag = "apps", security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path)),
    responses((status = 200, body = DeleteAppResult), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 502, body = Problem)))]
pub async fn delete_app(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<DeleteAppResult>> {
    caller.require_project(&state, "app:write", &project_id)?;
    state.upstream(Upstream::Brrrd)?;
    let mut conn = state.store.lock();
    match apps::app_deleted(&conn, &project_id, &app_id)? {
        None => {
            return Err(ApiError::not_found(format!(
                "app {app_id} not found in project {project_id}"
            )));
        }
        Some(true) => {
            return Ok(axum::Json(DeleteAppResult {
                app_id,
                deleted: false,
                cleanup: Cleanup::default(),
                external_dns_cleanup: Vec::new(),
            }));
        }
        Some(false) => {}
    }
    let tx = conn.transaction()?;
    let (cleanup, external, artifacts) = apps::delete_app_in(&tx, &app_id)?;
    tx.commit()?;
    drop(conn);
    // Artifacts go after the commit: a crash here leaves orphan files,
    // which start-up sweeps, never a build row without its file.
    for path in artifacts {
        let _ = std::fs::remove_file(state.artifacts_dir.join(path));
    }
    Ok(axum::Json(DeleteAppResult {
        app_id,
        deleted: true,
        cleanup,
        external_dns_cleanup: external,
    }))
}

/// Builds of an app, newest first.
#[utoipa::path(get, path = "/v1/projects/{project_id}/apps/{app_id}/builds", tag = "apps", security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path)),
    responses((status = 200, body = BuildList), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_builds(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id)): ApiPath<(String, String)>,
) -> ApiResult<axum::Json<BuildList>> {
    caller.require_project(&state, "app:read", &project_id)?;
    let conn = state.store.lock();
    let app = load_app(&conn, &project_id, &app_id)?;
    let builds = builds_of(&conn, &app_id, app.active_build_id.as_deref())?;
    Ok(axum::Json(BuildList { builds }))
}

/// Re-activate a prior build without uploading anything.
#[utoipa::path(post, path = "/v1/projects/{project_id}/apps/{app_id}/rollbacks", tag = "apps", security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path)),
    request_body(content = Option<RollbackRequest>, description = "empty = the previously active build"),
    responses((status = 200, body = RollbackResult),
              (status = 400, description = "target already active, or no earlier build", body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, description = "app or build unknown", body = Problem),
              (status = 502, body = Problem)))]
pub async fn rollback(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id)): ApiPath<(String, String)>,
    OptionalJson(req): OptionalJson<RollbackRequest>,
) -> ApiResult<axum::Json<RollbackResult>> {
    caller.require_project(&state, "app:deploy", &project_id)?;
    state.upstream(Upstream::Brrrd)?;
    let mut conn = state.store.lock();
    let app = load_app(&conn, &project_id, &app_id)?;
    let current = app.active_build_id.clone();
    let target = match req.build_id {
        Some(id) => {
            if !build_exists(&conn, &app_id, &id)? {
                return Err(ApiError::not_found(format!(
                    "build {id} not found for app {app_id} (it may have been removed by the build retention \
                     limit); list builds to see what can be re-activated"
                )));
            }
            id
        }
        None => previous_build(&conn, &app_id, current.as_deref())?.ok_or_else(|| {
            ApiError::bad_request(format!(
                "app {app_id} has no earlier build to roll back to; name one with build_id"
            ))
        })?,
    };
    if current.as_deref() == Some(target.as_str()) {
        return Err(ApiError::bad_request(format!(
            "build {target} is already active on app {app_id}"
        )));
    }
    let tx = conn.transaction()?;
    activate(&tx, &app_id, &target)?;
    tx.commit()?;
    Ok(axum::Json(RollbackResult {
        app_id,
        active_build_id: target,
        previous_build_id: current,
    }))
}
