//! `/_sandbox/reset`, `/_sandbox/snapshot`, `/_sandbox/restore`: the
//! sandbox's state as a whole, for CI loops and shared team sandboxes (see
//! [`crate::reset`] and [`crate::snapshot`]). Operator token only.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tempfile::NamedTempFile;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, LIVE_SCOPES};
use crate::error::{ApiError, ApiResult, Problem};
use crate::ids::hash_secret;
use crate::model::tokens::insert_token;
use crate::model::users::SANDBOX_USER;
use crate::reset::{Removed, reset};
use crate::snapshot::Layout;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reset_state))
        .routes(routes!(snapshot))
        .routes(routes!(restore))
}

/// What a reset leaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Seed {
    /// The seeded project, empty.
    #[default]
    Empty,
    /// The demo account as `--seed-demo` makes it, on top.
    Demo,
}

#[derive(Deserialize, IntoParams)]
pub struct ResetQuery {
    /// `empty` (default) or `demo`.
    #[serde(default)]
    pub seed: Seed,
}

#[derive(Serialize, ToSchema)]
pub struct ResetDone {
    pub seed: Seed,
    pub removed: Removed,
}

/// Back to a fresh sandbox, without a restart: every project, app, build,
/// database, domain, minted user and token, device login, audit entry and
/// fault is removed. The seeded project (empty), the sandbox user's
/// tokens, the operator token and the addresses stay valid. Requests in
/// flight meanwhile either finish before it or meet the fresh state.
#[utoipa::path(post, path = "/_sandbox/reset", tag = "sandbox", security(("bearer" = [])),
    params(ResetQuery),
    responses((status = 200, body = ResetDone), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn reset_state(
    caller: Caller,
    State(state): State<AppState>,
    Query(query): Query<ResetQuery>,
) -> ApiResult<axum::Json<ResetDone>> {
    caller.require_operator()?;
    let removed = reset(&state)?;
    if query.seed == Seed::Demo {
        seed_demo(&state).await?;
    }
    Ok(axum::Json(ResetDone {
        seed: query.seed,
        removed,
    }))
}

/// The demo account, made through the API as at start, with a token of
/// the sandbox user that lives only as long as the seeding.
async fn seed_demo(state: &AppState) -> Result<(), ApiError> {
    let scopes: Vec<String> = LIVE_SCOPES.iter().map(|s| s.to_string()).collect();
    let token = insert_token(&state.store.lock(), SANDBOX_USER, &scopes)?;
    let routers = (
        super::router(state.clone()),
        crate::data::router(state.clone(), state.config.hrana_v2),
    );
    let seeded = crate::demo::seed(state, routers, &token).await;
    state.store.lock().execute(
        "DELETE FROM tokens WHERE token_hash = ?1",
        [hash_secret(&token)],
    )?;
    seeded.map_err(|e| ApiError::internal("seeding the demo data", e))
}

/// The data dir: where snapshots are written and unpacked (one file
/// system, so restored files are moved in, not copied).
fn data_dir(state: &AppState) -> std::path::PathBuf {
    state
        .artifacts_dir
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir)
}

fn scratch(state: &AppState) -> Result<tempfile::TempDir, ApiError> {
    tempfile::Builder::new()
        .prefix(".snapshot-")
        .tempdir_in(data_dir(state))
        .map_err(|e| ApiError::internal("creating a scratch dir", e))
}

/// The whole sandbox as one `.tar.zst` — state, databases with their
/// rows, build artifacts — consistent while it serves. `POST
/// /_sandbox/restore` or `comwit-sandbox serve --restore FILE` bring it
/// back. Tokens are in it only as hashes.
#[utoipa::path(get, path = "/_sandbox/snapshot", tag = "sandbox", security(("bearer" = [])),
    responses((status = 200, content_type = "application/zstd", body = Vec<u8>,
               description = "a `.tar.zst` snapshot"),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn snapshot(caller: Caller, State(state): State<AppState>) -> ApiResult<Response> {
    caller.require_operator()?;
    let file = tokio::task::spawn_blocking(move || -> Result<NamedTempFile, ApiError> {
        let work = scratch(&state)?;
        let out = tempfile::Builder::new()
            .prefix(".snapshot-")
            .tempfile_in(data_dir(&state))
            .map_err(|e| ApiError::internal("creating the snapshot", e))?;
        let layout = Layout {
            databases_dir: state.streams.dir(),
            artifacts_dir: &state.artifacts_dir,
        };
        crate::snapshot::write(&state.store, &layout, work.path(), out.as_file())?;
        Ok(out)
    })
    .await
    .map_err(|e| ApiError::internal("writing the snapshot", e))??;
    // The temporary file goes once the last chunk is sent.
    let reader = file
        .reopen()
        .map_err(|e| ApiError::internal("sending the snapshot", e))?;
    let body = crate::file_body::stream(tokio::fs::File::from_std(reader), file);
    let name = format!(
        "comwit-sandbox-{}.tar.zst",
        crate::ids::now_rfc3339().replace(':', "")
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "application/zstd")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(body)
        .map_err(|e| ApiError::internal("sending the snapshot", e))
}

#[derive(Serialize, ToSchema)]
pub struct Restored {
    /// The seeded project of the restored state.
    pub project_id: String,
    /// When the snapshot was taken.
    pub snapshot_created_at: String,
}

/// Replaces the whole state with a snapshot (the body, as `GET
/// /_sandbox/snapshot` wrote it), without a restart. Every entry is
/// checked before anything changes; a refused snapshot changes nothing.
/// The ready file's user token stays valid.
#[utoipa::path(post, path = "/_sandbox/restore", tag = "sandbox", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/zstd", description = "a `.tar.zst` snapshot"),
    responses((status = 200, body = Restored), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 413, body = Problem)))]
pub async fn restore(
    caller: Caller,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> ApiResult<axum::Json<Restored>> {
    caller.require_operator()?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.config.max_upload_bytes) {
        return Err(too_large(state.config.max_upload_bytes));
    }
    let work = scratch(&state)?;
    let upload = work.path().join("upload.tar.zst");
    spool(body, &upload, state.config.max_upload_bytes).await?;
    let restored = tokio::task::spawn_blocking(move || -> Result<Restored, ApiError> {
        let file = std::fs::File::open(&upload)
            .map_err(|e| ApiError::internal("reading the upload", e))?;
        let unpacked = work.path().join("unpacked");
        let manifest = crate::snapshot::unpack(file, &unpacked, state.config.max_unpacked_bytes)?;
        let project_id = crate::reset::replace(&state, &unpacked)?;
        Ok(Restored {
            project_id,
            snapshot_created_at: manifest.created_at,
        })
    })
    .await
    .map_err(|e| ApiError::internal("restoring", e))??;
    Ok(axum::Json(restored))
}

fn too_large(max: u64) -> ApiError {
    ApiError::payload_too_large(format!(
        "a snapshot is at most {max} bytes here (--max-upload-mib)"
    ))
}

/// Writes the request body to `path`, refusing more than `max` bytes.
async fn spool(body: Body, path: &std::path::Path, max: u64) -> Result<(), ApiError> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let mut out = tokio::fs::File::create(path)
        .await
        .map_err(|e| ApiError::internal("receiving the snapshot", e))?;
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("the upload broke off: {e}")))?;
        total += chunk.len() as u64;
        if total > max {
            return Err(too_large(max));
        }
        out.write_all(&chunk)
            .await
            .map_err(|e| ApiError::internal("receiving the snapshot", e))?;
    }
    out.flush()
        .await
        .map_err(|e| ApiError::internal("receiving the snapshot", e))
}
