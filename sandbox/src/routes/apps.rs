//! Runtime apps: create, list, get, delete (with its cleanup report),
//! builds and rollbacks. Deployments live in `deployments`, environment
//! values in `environment`.

use crate::extract::ApiPath;
use axum::extract::State;
use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{deployments, environment};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, OptionalJson};
use crate::ids::{new_id, now_rfc3339};
use crate::state::{AppState, Upstream};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct App {
    pub app_id: String,
    pub project_id: String,
    pub name: String,
    /// Absent before the first deploy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_build_id: Option<String>,
    pub created_at: String,
    /// Builds, newest first (only on the single-app route).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builds: Option<Vec<Build>>,
}

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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Build {
    pub build_id: String,
    pub created_at: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub file_count: i64,
    pub active: bool,
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent_requests: Option<i64>,
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
pub struct DnsRecordToRemove {
    pub record_type: String,
    pub name: String,
    pub value: String,
}

#[derive(Serialize, ToSchema, Default)]
pub struct Cleanup {
    pub routing_pointer: bool,
    pub runtime_resources: u32,
    pub build_artifacts: u32,
    pub env_keys: u32,
    pub hostnames: Vec<String>,
    pub managed_dns_records: u32,
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
        .routes(routes!(deployments::deploy))
        .routes(routes!(environment::list_env))
        .routes(routes!(environment::put_env, environment::delete_env))
}

/// The app row, 404 when it is missing, deleted or in another project.
pub fn load_app(conn: &Connection, project_id: &str, app_id: &str) -> ApiResult<App> {
    conn.prepare_cached(
        "SELECT app_id, project_id, name, active_build_id, created_at FROM apps
         WHERE app_id = ?1 AND project_id = ?2 AND deleted_at IS NULL",
    )?
    .query_row([app_id, project_id], app_from_row)
    .optional()?
    .ok_or_else(|| ApiError::not_found(format!("app {app_id} not found in project {project_id}")))
}

fn app_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<App> {
    Ok(App {
        app_id: r.get(0)?,
        project_id: r.get(1)?,
        name: r.get(2)?,
        active_build_id: r.get(3)?,
        created_at: r.get(4)?,
        builds: None,
    })
}

pub fn builds_of(conn: &Connection, app_id: &str, active: Option<&str>) -> ApiResult<Vec<Build>> {
    let mut stmt = conn.prepare_cached(
        "SELECT build_id, created_at, size_bytes, sha256, file_count, hosts, env_ref,
                max_concurrent_requests
         FROM builds WHERE app_id = ?1 ORDER BY seq DESC",
    )?;
    let rows = stmt.query_map([app_id], |r| {
        let build_id: String = r.get(0)?;
        let hosts: String = r.get(5)?;
        Ok(Build {
            active: active == Some(build_id.as_str()),
            build_id,
            created_at: r.get(1)?,
            size_bytes: r.get(2)?,
            sha256: r.get(3)?,
            file_count: r.get(4)?,
            hosts: serde_json::from_str(&hosts).unwrap_or_default(),
            env_ref: r.get(6)?,
            max_concurrent_requests: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
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
    let conn = state.store.lock();
    let apps = conn
        .prepare_cached(
            "SELECT app_id, project_id, name, active_build_id, created_at FROM apps
             WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY created_at, name",
        )?
        .query_map([&project_id], app_from_row)?
        .collect::<Result<_, _>>()?;
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
    let inserted = conn.execute(
        "INSERT INTO apps (app_id, project_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![app.app_id, app.project_id, app.name, app.created_at],
    );
    match inserted {
        Ok(_) => Ok((StatusCode::CREATED, axum::Json(AppEnvelope { app }))),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(ApiError::conflict(format!(
                "an app named {:?} already exists in project {project_id}; pick another name or deploy to that app",
                app.name
            )))
        }
        Err(e) => Err(e.into()),
    }
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
    let existing: Option<Option<String>> = conn
        .query_row(
            "SELECT deleted_at FROM apps WHERE app_id = ?1 AND project_id = ?2",
            [&app_id, &project_id],
            |r| r.get(0),
        )
        .optional()?;
    match existing {
        None => {
            return Err(ApiError::not_found(format!(
                "app {app_id} not found in project {project_id}"
            )));
        }
        Some(Some(_)) => {
            return Ok(axum::Json(DeleteAppResult {
                app_id,
                deleted: false,
                cleanup: Cleanup::default(),
                external_dns_cleanup: Vec::new(),
            }));
        }
        Some(None) => {}
    }
    let tx = conn.transaction()?;
    let (cleanup, external, artifacts) = delete_app_in(&tx, &app_id)?;
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

type Deleted = (Cleanup, Vec<DnsRecordToRemove>, Vec<String>);

fn delete_app_in(tx: &Transaction<'_>, app_id: &str) -> ApiResult<Deleted> {
    let mut cleanup = Cleanup {
        routing_pointer: tx.query_row(
            "SELECT active_build_id IS NOT NULL FROM apps WHERE app_id = ?1",
            [app_id],
            |r| r.get(0),
        )?,
        ..Cleanup::default()
    };
    let artifacts: Vec<String> = tx
        .prepare("SELECT artifact FROM builds WHERE app_id = ?1")?
        .query_map([app_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    cleanup.build_artifacts = artifacts.len() as u32;
    cleanup.runtime_resources = u32::from(cleanup.routing_pointer);
    cleanup.env_keys = tx.execute("DELETE FROM env WHERE app_id = ?1", [app_id])? as u32;

    let mut external = Vec::new();
    let hosts: Vec<(String, String)> = tx
        .prepare("SELECT domain, dns_mode FROM hostnames WHERE app_id = ?1 ORDER BY domain")?
        .query_map([app_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (host, mode) in &hosts {
        if mode == "external_records" {
            for rec in super::hostnames::external_records(app_id, host) {
                external.push(DnsRecordToRemove {
                    record_type: rec.record_type,
                    name: rec.name,
                    value: rec.value,
                });
            }
        }
    }
    cleanup.hostnames = hosts.into_iter().map(|(h, _)| h).collect();
    cleanup.managed_dns_records = tx.execute(
        "DELETE FROM records WHERE owner = 'platform_app' AND owner_resource_type = 'runtime_app'
         AND owner_resource_id = ?1",
        [app_id],
    )? as u32;
    tx.execute("DELETE FROM hostnames WHERE app_id = ?1", [app_id])?;
    tx.execute("DELETE FROM builds WHERE app_id = ?1", [app_id])?;
    tx.execute("DELETE FROM activations WHERE app_id = ?1", [app_id])?;
    tx.execute(
        "UPDATE apps SET deleted_at = ?2, active_build_id = NULL WHERE app_id = ?1",
        params![app_id, now_rfc3339()],
    )?;
    Ok((cleanup, external, artifacts))
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
            let known: Option<i64> = conn
                .query_row(
                    "SELECT 1 FROM builds WHERE build_id = ?1 AND app_id = ?2",
                    [&id, &app_id],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
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

/// The most recent activation before the current one whose build is a
/// different one (and still exists).
fn previous_build(
    conn: &Connection,
    app_id: &str,
    current: Option<&str>,
) -> ApiResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT a.build_id FROM activations a JOIN builds b ON b.build_id = a.build_id
             WHERE a.app_id = ?1 AND a.build_id IS NOT ?2 ORDER BY a.seq DESC LIMIT 1",
            params![app_id, current],
            |r| r.get(0),
        )
        .optional()?)
}

/// Retention (`--keep-builds N`): removes the app's builds beyond its `keep`
/// newest, never the active build nor the previous one (the rollback
/// target). Runs inside the deploy's transaction; returns the artifact
/// files to delete once it has committed (a crash in between leaves only
/// unreferenced files, which the sweep at start removes).
pub fn prune_builds(tx: &Transaction<'_>, app_id: &str, keep: u32) -> ApiResult<Vec<String>> {
    let active: Option<String> = tx.query_row(
        "SELECT active_build_id FROM apps WHERE app_id = ?1",
        [app_id],
        |r| r.get(0),
    )?;
    let previous = previous_build(tx, app_id, active.as_deref())?;
    let mut stmt = tx.prepare(
        "SELECT build_id, artifact FROM builds WHERE app_id = ?1 ORDER BY seq DESC LIMIT -1 OFFSET ?2",
    )?;
    let old: Vec<(String, String)> = stmt
        .query_map(params![app_id, keep], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut files = Vec::new();
    for (build_id, artifact) in old {
        let pinned = [active.as_deref(), previous.as_deref()].contains(&Some(build_id.as_str()));
        if !pinned {
            tx.execute("DELETE FROM builds WHERE build_id = ?1", [&build_id])?;
            files.push(artifact);
        }
    }
    Ok(files)
}

/// Points the app at `build_id` and records the activation.
pub fn activate(tx: &Transaction<'_>, app_id: &str, build_id: &str) -> ApiResult<()> {
    tx.execute(
        "UPDATE apps SET active_build_id = ?2 WHERE app_id = ?1",
        [app_id, build_id],
    )?;
    tx.execute(
        "INSERT INTO activations (app_id, seq, build_id)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM activations WHERE app_id = ?1), ?2)",
        [app_id, build_id],
    )?;
    Ok(())
}
