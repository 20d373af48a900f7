//! `POST .../deployments`: the raw `.tar.zst` upload that creates a build.
//!
//! Order matters for crash safety: the artifact is checked and renamed into
//! the store first; the build row, the active pointer and host bindings
//! then land in one transaction. A crash in between leaves an orphan file
//! (swept at start-up) and no build: never half a deploy.

use crate::extract::ApiPath;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::artifact::{self, Limits};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiQuery;
use crate::ids::new_id;
use crate::model::apps::load_app;
use crate::model::builds::{NewBuild, activate, insert_build, prune_builds};
use crate::model::hostnames;
use crate::state::{AppState, Upstream};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DeployOptions {
    /// Comma-separated hostnames to bind to the new build.
    pub hosts: Option<String>,
    /// Runtime environment reference.
    pub env_ref: Option<String>,
    /// Runtime concurrency cap (1–10000).
    pub max_concurrent_requests: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DeployResult {
    pub app_id: String,
    pub build_id: String,
    pub hosts: Vec<String>,
    pub uploaded: bool,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(deploy))
}

/// Upload a build artifact; the new build becomes active. Synchronous;
/// never 503.
#[utoipa::path(post, path = "/v1/projects/{project_id}/apps/{app_id}/deployments", tag = "apps",
    security(("bearer" = [])),
    params(("project_id" = String, Path), ("app_id" = String, Path), DeployOptions),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
                 description = "the raw .tar.zst artifact"),
    responses((status = 201, body = DeployResult),
              (status = 400, description = "not a readable tar.zst, or a hostile entry", body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "a host conflicts with an existing DNS record or binding", body = Problem),
              (status = 413, description = "over the upload size limit", body = Problem),
              (status = 502, body = Problem)))]
pub async fn deploy(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((project_id, app_id)): ApiPath<(String, String)>,
    ApiQuery(opts): ApiQuery<DeployOptions>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, axum::Json<DeployResult>)> {
    caller.require_project(&state, "app:deploy", &project_id)?;
    let hosts = check_options(&opts)?;
    state.upstream(Upstream::Brrrd)?;
    {
        let conn = state.store.lock();
        load_app(&conn, &project_id, &app_id)?;
        hostnames::check_bindable(&conn, &project_id, &app_id, &hosts)?;
    }
    let limits = upload_limits(&state, &headers)?;
    let received = artifact::receive(body, &state.artifacts_dir, limits).await?;
    if state.take_fault(|f| &mut f.drop_deploy_requests) {
        // Fault injection: the whole body arrived, no build is made, and
        // the caller gets no answer (the temporary file goes with the
        // unwind).
        tracing::info!("fault injection: dropping a received deploy without a build");
        std::panic::resume_unwind(Box::new("fault injection: deploy request dropped"));
    }
    let build_id = new_id("build-");
    let file_name = format!("{build_id}.tar.zst");
    let (sha256, size, files) = (
        received.sha256.clone(),
        received.size_bytes,
        received.file_count,
    );
    let dest = state.artifacts_dir.join(&file_name);
    let persisted = tokio::task::spawn_blocking(move || received.persist(&dest)).await;
    match persisted {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(ApiError::internal("storing the artifact", e)),
        Err(e) => return Err(ApiError::internal("storing the artifact", e)),
    }

    let build = NewBuild {
        build_id: &build_id,
        app_id: &app_id,
        size_bytes: size,
        sha256: &sha256,
        file_count: files,
        hosts: &hosts,
        env_ref: opts.env_ref.as_deref(),
        max_concurrent_requests: opts.max_concurrent_requests,
        artifact: &file_name,
    };
    let committed = commit_build(&state, &project_id, build);
    let pruned = match committed {
        Ok(pruned) => pruned,
        Err(err) => {
            let _ = std::fs::remove_file(state.artifacts_dir.join(&file_name));
            return Err(err);
        }
    };
    remove_pruned(&state, pruned);
    if state.take_fault(|f| &mut f.drop_deploy_responses) {
        // Fault injection: the build exists but the caller never hears of
        // it. Unwinding out of the handler makes hyper drop the connection
        // without a response (resume_unwind skips the panic hook, so the
        // log stays clean).
        tracing::info!(%build_id, "fault injection: dropping the deploy response");
        std::panic::resume_unwind(Box::new("fault injection: deploy response dropped"));
    }
    Ok((
        StatusCode::CREATED,
        axum::Json(DeployResult {
            app_id,
            build_id,
            hosts,
            uploaded: true,
        }),
    ))
}

/// The upload limits; 413 at once when the declared length is over them.
fn upload_limits(state: &AppState, headers: &HeaderMap) -> ApiResult<Limits> {
    let limits = Limits {
        max_upload_bytes: state.config.max_upload_bytes,
        max_unpacked_bytes: state.config.max_unpacked_bytes,
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_upload_bytes) {
        return Err(ApiError::payload_too_large(format!(
            "artifact is larger than the {}-byte upload limit; make the build smaller",
            limits.max_upload_bytes
        )));
    }
    Ok(limits)
}

/// The build row, the active pointer, host bindings and retention in one
/// transaction; answers the pruned builds' artifact files.
fn commit_build(state: &AppState, project_id: &str, build: NewBuild<'_>) -> ApiResult<Vec<String>> {
    let (app_id, build_id, hosts) = (build.app_id, build.build_id, build.hosts);
    let mut conn = state.store.lock();
    let tx = conn.transaction()?;
    // The app may have been deleted, or a host taken, while we uploaded.
    load_app(&tx, project_id, app_id)?;
    hostnames::check_bindable(&tx, project_id, app_id, hosts)?;
    insert_build(&tx, build)?;
    activate(&tx, app_id, build_id)?;
    let dns_failing = state.faults().managed_dns_failing;
    for host in hosts {
        hostnames::bind(&tx, project_id, app_id, host, dns_failing)?;
    }
    let pruned = match state.config.keep_builds {
        Some(keep) => prune_builds(&tx, app_id, keep)?,
        None => Vec::new(),
    };
    tx.commit()?;
    Ok(pruned)
}

/// Deletes pruned builds' artifacts (their rows are gone already).
fn remove_pruned(state: &AppState, files: Vec<String>) {
    for file in files {
        if let Err(e) = std::fs::remove_file(state.artifacts_dir.join(&file)) {
            tracing::warn!(%e, %file, "could not remove a pruned build's artifact");
        }
    }
}

/// The hosts to bind, after checking the concurrency cap (1–10000).
fn check_options(opts: &DeployOptions) -> ApiResult<Vec<String>> {
    let hosts = parse_hosts(opts.hosts.as_deref())?;
    if let Some(n) = opts.max_concurrent_requests
        && !(1..=10_000).contains(&n)
    {
        return Err(ApiError::bad_request(format!(
            "max_concurrent_requests must be between 1 and 10000, got {n}"
        )));
    }
    Ok(hosts)
}

fn parse_hosts(raw: Option<&str>) -> ApiResult<Vec<String>> {
    let mut hosts = Vec::new();
    for part in raw
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let host = crate::names::hostname(part)?;
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    Ok(hosts)
}
