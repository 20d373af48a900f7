//! The site listener: each app's active build served as static files, so
//! what was deployed can be looked at. Comwit Cloud runs apps in V8
//! isolates; the sandbox runs no code — it serves the build's files only.
//!
//! - By `Host`: a hostname bound to an app serves that app's active build.
//! - By path: `/apps/{app_id}/…` serves the app's active build from any
//!   host (`/apps/{app_id}` redirects to the trailing slash, so relative
//!   links work).
//!
//! A directory serves its `index.html`; types come from the extension;
//! anything else is a 404 page. Answers are `no-store`: a rollback changes
//! what is served at the next request. Builds are unpacked once, on first
//! request, under the data dir's `sites/` (artifacts passed the upload's
//! checks; a path that resolves outside the build is refused anyway).

use std::path::{Component, Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rusqlite::OptionalExtension;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new().fallback(serve).with_state(state)
}

/// The build a request asks for: its id and artifact file, and the path
/// inside it.
struct Wanted {
    build_id: String,
    artifact: String,
    path: String,
}

async fn serve(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            h.rsplit_once(':')
                .map_or(h, |(name, _)| name)
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let path = percent_encoding::percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .into_owned();
    if let Some(app) = path.strip_prefix("/apps/")
        && !app.contains('/')
    {
        let to = format!("/apps/{app}/");
        return (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, to)]).into_response();
    }
    let wanted = match find(&state, &host, &path) {
        Ok(Some(w)) => w,
        Ok(None) => {
            return not_found(
                "no app is bound to this host and no /apps/{app_id}/ path was asked for",
            );
        }
        Err(e) => return not_found(&e),
    };
    let root = data_sites(&state).join(&wanted.build_id);
    let artifact = state.artifacts_dir.join(&wanted.artifact);
    let found = tokio::task::spawn_blocking(move || {
        unpacked(&artifact, &root)?;
        resolve(&root, &wanted.path)
    })
    .await;
    match found {
        Ok(Ok(Some(file))) => send(file, method == Method::HEAD).await,
        Ok(Ok(None)) => not_found("no such file in the active build"),
        Ok(Err(e)) => not_found(&format!("the build cannot be served: {e}")),
        Err(e) => not_found(&e.to_string()),
    }
}

fn data_sites(state: &AppState) -> PathBuf {
    state
        .artifacts_dir
        .parent()
        .unwrap_or(Path::new("."))
        .join("sites")
}

/// The active build the host (a bound hostname) or the path
/// (`/apps/{app_id}/…`) names.
fn find(state: &AppState, host: &str, path: &str) -> Result<Option<Wanted>, String> {
    let conn = state.store.lock();
    let active = "SELECT b.build_id, b.artifact FROM apps a JOIN builds b ON b.build_id = a.active_build_id \
                  WHERE a.deleted_at IS NULL AND a.app_id = ";
    let by_host: Option<(String, String)> = conn
        .query_row(
            &format!("{active}(SELECT app_id FROM hostnames WHERE domain = ?1)"),
            [host],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    if let Some((build_id, artifact)) = by_host {
        return Ok(Some(Wanted {
            build_id,
            artifact,
            path: path.to_string(),
        }));
    }
    let Some((app, rest)) = path.strip_prefix("/apps/").and_then(|p| p.split_once('/')) else {
        return Ok(None);
    };
    let by_path: Option<(String, String)> = conn
        .query_row(&format!("{active}?1"), [app], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(|e| e.to_string())?;
    Ok(by_path.map(|(build_id, artifact)| Wanted {
        build_id,
        artifact,
        path: format!("/{rest}"),
    }))
}

/// The build unpacked at `root` (once: a concurrent unpack of the same
/// build loses the rename and is dropped).
fn unpacked(artifact: &Path, root: &Path) -> std::io::Result<()> {
    if root.is_dir() {
        return Ok(());
    }
    let parent = root.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let work = tempfile::Builder::new()
        .prefix(".unpack-")
        .tempdir_in(parent)?;
    let file = std::fs::File::open(artifact)?;
    tar::Archive::new(zstd::Decoder::new(file)?).unpack(work.path())?;
    match std::fs::rename(work.path(), root) {
        Ok(()) => Ok(()),
        Err(_) if root.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// The file `path` names under `root` (a directory's `index.html`), never
/// outside it.
fn resolve(root: &Path, path: &str) -> std::io::Result<Option<PathBuf>> {
    let mut file = root.to_path_buf();
    for part in Path::new(path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => file.push(p),
            Component::CurDir => {}
            _ => return Ok(None),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let Ok(real) = file.canonicalize() else {
        return Ok(None);
    };
    if !real.starts_with(root.canonicalize()?) || !real.is_file() {
        return Ok(None);
    }
    Ok(Some(real))
}

async fn send(path: PathBuf, head: bool) -> Response {
    let kind = content_type(&path);
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) => return not_found(&e.to_string()),
    };
    let length = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let body = if head {
        Body::empty()
    } else {
        crate::file_body::stream(file, ())
    };
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_LENGTH, length.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

fn not_found(why: &str) -> Response {
    let page = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>404 Not Found</title>\
         <h1>404 Not Found</h1><p>{}</p><p>This is the Comwit sandbox's site listener: \
         <code>/apps/{{app_id}}/</code> serves an app's active build, as does a hostname bound \
         to it in the <code>Host</code> header. It serves the build's files only; Comwit Cloud \
         runs apps in V8 isolates.</p>\n",
        html_escape(why)
    );
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The `Content-Type` of a file, by its extension (what static sites ship).
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}
