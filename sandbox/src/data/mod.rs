//! The libSQL data endpoint: Hrana 3 over HTTP on real SQLite files, on a
//! listener of its own (like `db.cloud.comwit.io`, it serves only
//! per-database SQL paths; management paths are not there).

mod exec;
mod harden;
mod interrupt;
pub mod proto;
mod streams;

use std::sync::Arc;

use crate::extract::ApiPath;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::{OptionalExtension, params};

use crate::ids::{hash_secret, now_millis};
use crate::store::Store;
use exec::Counters;
use interrupt::CancelOnDrop;
use proto::{
    CursorEntry, CursorReq, CursorResp, HranaError, PipelineReq, PipelineResp, StreamRequest,
    StreamResult,
};
use streams::SharedSlot;
pub use streams::{StreamLimits, Streams};

/// What the data endpoint's handlers need: the state database (database
/// credentials and usage counters) and the open streams. Cut from the
/// sandbox's state with [`FromRef`].
#[derive(Clone)]
pub struct DataState {
    pub store: Arc<Store>,
    pub streams: Arc<Streams>,
}

/// The data endpoint over any state its [`DataState`] can be cut from;
/// `hrana_v2` also serves Hrana 2's paths.
pub fn router<S>(state: S, hrana_v2: bool) -> Router
where
    S: Clone + Send + Sync + 'static,
    DataState: FromRef<S>,
{
    let mut router = Router::new()
        .route("/v1/{database}/v3", get(version_check))
        .route("/v1/{database}/v3/pipeline", post(pipeline))
        .route("/v1/{database}/v3/cursor", post(cursor));
    if hrana_v2 {
        // Hrana 2's pipeline is the same exchange minus the v3-only
        // requests, which a v2 client never sends.
        router = router
            .route("/v1/{database}/v2", get(version_check))
            .route("/v1/{database}/v2/pipeline", post(pipeline));
    }
    router
        .fallback(not_served)
        .layer(axum::middleware::map_response(problem_for_bare_errors))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// An HTTP-level failure of the data endpoint: problem details (like the
/// platform API) that Hrana clients can read too — they look for
/// `message`/`error` and `code`.
struct DataError {
    status: StatusCode,
    code: String,
    message: String,
}

fn json_error(status: StatusCode, code: &str, message: impl Into<String>) -> DataError {
    DataError {
        status,
        code: code.to_string(),
        message: message.into(),
    }
}

impl IntoResponse for DataError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.message,
            "code": self.code,
            "message": self.message,
            "error": self.message,
        });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}

/// Errors axum or its extractors answer on their own (405, 413, a path
/// that is not UTF-8, …) come as plain text that may quote the request;
/// they leave as problem details that name the fix instead.
async fn problem_for_bare_errors(response: Response) -> Response {
    let status = response.status();
    if status.as_u16() < 400 || crate::error::has_json_body(&response) {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "BODY_TOO_LARGE",
            format!(
                "the request body is larger than the data endpoint accepts ({} MiB); split the \
                 batch into several requests",
                MAX_BODY_BYTES >> 20
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "METHOD_NOT_ALLOWED",
            "use POST for /v3/pipeline and /v3/cursor, GET for /v3".to_string(),
        ),
        _ => (
            "PROTOCOL_ERROR",
            "the request is not valid Hrana over HTTP: POST a JSON body to \
             /v1/{database}/v3/pipeline or /v1/{database}/v3/cursor"
                .to_string(),
        ),
    };
    json_error(status, code, message).into_response()
}

/// Largest request body; Hrana clients send statements, not bulk files.
const MAX_BODY_BYTES: usize = 8 << 20;

async fn not_served() -> DataError {
    json_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "the data endpoint serves only /v1/{database}/v3/pipeline and /v1/{database}/v3/cursor (Hrana 3 over HTTP)",
    )
}

async fn version_check() -> StatusCode {
    StatusCode::OK
}

/// Checks the database and the token: a database token, or an unexpired
/// query token of this database.
fn authorize(state: &DataState, database_id: &str, headers: &HeaderMap) -> Result<(), DataError> {
    let conn = state.store.lock();
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT token_hash, status, deleted_at FROM databases WHERE database_id = ?1",
            [database_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(|e| {
            tracing::error!(%e, "reading a database's credentials failed");
            json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "DATABASE_UNAVAILABLE",
                "the database cannot be reached right now; retry shortly",
            )
        })?;
    let Some((token_hash, status, None)) = row else {
        return Err(json_error(
            StatusCode::NOT_FOUND,
            "DATABASE_NOT_FOUND",
            "no database has this id: use the database_url the platform API returned",
        ));
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or("");
    let presented = hash_secret(token);
    let valid = !token.is_empty()
        && (presented == token_hash
            || conn
                .query_row(
                    "SELECT 1 FROM query_tokens WHERE token_hash = ?1 AND database_id = ?2 AND expires_at_ms > ?3",
                    params![presented, database_id, now_millis()],
                    |r| r.get::<_, i64>(0),
                )
                .optional()
                .ok()
                .flatten()
                .is_some());
    if !valid {
        return Err(json_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "the token is missing, expired or not valid for this database (rotated tokens stop working at once)",
        ));
    }
    if status == "suspended" {
        return Err(json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "DATABASE_SUSPENDED",
            format!(
                "database {database_id} is suspended; an operator must resume it before it accepts SQL"
            ),
        ));
    }
    Ok(())
}

fn record_usage(state: &DataState, database_id: &str, c: Counters) {
    let file = state.streams.file_of(database_id);
    let storage = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(file.with_extension("sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    let result = state.store.lock().execute(
        "UPDATE databases SET query_count = query_count + ?2, rows_read = rows_read + ?3,
                rows_written = rows_written + ?4, storage_bytes = ?5 WHERE database_id = ?1",
        params![
            database_id,
            c.queries as i64,
            c.rows_read as i64,
            c.rows_written as i64,
            storage as i64
        ],
    );
    if let Err(e) = result {
        tracing::warn!(%e, "could not record usage");
    }
}

/// The stream for `baton` (a new one for `None`), or a clean refusal
/// (unknown or expired baton, stream limits, database unavailable).
fn stream_for(
    state: &DataState,
    database_id: &str,
    baton: Option<&str>,
) -> Result<SharedSlot, DataError> {
    let streams = &state.streams;
    streams.sweep();
    match baton {
        None => streams.open(database_id),
        Some(b) => streams.take(b, database_id),
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, DataError> {
    serde_json::from_slice(body).map_err(|e| {
        json_error(
            StatusCode::BAD_REQUEST,
            "PROTOCOL_ERROR",
            format!(
                "request is not a valid Hrana 3 JSON body: {}",
                crate::error::excerpt(&e.to_string(), 200)
            ),
        )
    })
}

/// Both endpoints start alike: check the token, read the body, find or
/// open the stream its baton names.
trait HasBaton: serde::de::DeserializeOwned {
    fn baton(&self) -> Option<&str>;
}

impl HasBaton for PipelineReq {
    fn baton(&self) -> Option<&str> {
        self.baton.as_deref()
    }
}

impl HasBaton for CursorReq {
    fn baton(&self) -> Option<&str> {
        self.baton.as_deref()
    }
}

fn begin<T: HasBaton>(
    state: &DataState,
    database_id: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(T, SharedSlot), DataError> {
    authorize(state, database_id, headers)?;
    let req: T = parse(body)?;
    let slot = stream_for(state, database_id, req.baton())?;
    Ok((req, slot))
}

async fn pipeline(
    State(state): State<DataState>,
    ApiPath(database_id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, slot) = match begin::<PipelineReq>(&state, &database_id, &headers, &body) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let run_slot = slot.clone();
    let guard = arm(&slot);
    let ran = tokio::task::spawn_blocking(move || {
        let mut s = lock_slot(&run_slot);
        let results = run_pipeline(&mut s.session, req.requests);
        let counters = std::mem::take(&mut s.session.counters);
        (results, counters)
    })
    .await;
    guard.disarm();
    let ((results, closed), counters) = match ran {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(%e, "a pipeline task failed");
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "the pipeline failed inside the server; the stream is closed, open a new one",
            )
            .into_response();
        }
    };
    record_usage(&state, &database_id, counters);
    let baton = (!closed).then(|| state.streams.put(slot));
    let resp = PipelineResp {
        baton,
        base_url: None,
        results,
    };
    axum::Json(resp).into_response()
}

/// A new request on the stream: statements run until this request's
/// guard is disarmed or dropped.
fn arm(slot: &SharedSlot) -> CancelOnDrop {
    let interrupt = lock_slot(slot).session.interrupt();
    interrupt.begin_request();
    CancelOnDrop::new(interrupt)
}

fn lock_slot(slot: &SharedSlot) -> std::sync::MutexGuard<'_, streams::Slot> {
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs a pipeline's requests in order; true when it closed the stream.
fn run_pipeline(
    session: &mut exec::Session,
    requests: Vec<StreamRequest>,
) -> (Vec<StreamResult>, bool) {
    let mut closed = false;
    let mut results = Vec::with_capacity(requests.len());
    for r in requests {
        if closed {
            results.push(StreamResult::Error {
                error: HranaError::new(
                    "STREAM_CLOSED",
                    "the stream was closed earlier in this pipeline",
                ),
            });
            continue;
        }
        if matches!(r, StreamRequest::Close) {
            closed = true;
        }
        results.push(match session.handle(r) {
            Ok(response) => StreamResult::Ok { response },
            Err(error) => StreamResult::Error { error },
        });
    }
    (results, closed)
}

async fn cursor(
    State(state): State<DataState>,
    ApiPath(database_id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, slot) = match begin::<CursorReq>(&state, &database_id, &headers, &body) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    // The body stream owns the guard: when the client goes away the
    // response body is dropped, and the statements stop.
    let guard = arm(&slot);
    let baton = state.streams.put(slot.clone());
    let parked_as = baton.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let first = serde_json::to_vec(&CursorResp {
        baton: Some(baton),
        base_url: None,
    })
    .expect("serialises");
    let usage_state = state.clone();
    tokio::task::spawn_blocking(move || {
        let mut buf = first;
        buf.push(b'\n');
        let mut s = lock_slot(&slot);
        let mut emit = |entry: CursorEntry| -> bool {
            serde_json::to_writer(&mut buf, &entry).expect("serialises");
            buf.push(b'\n');
            // Lines go out in chunks of ~64 KiB so large results stream.
            if buf.len() >= 64 * 1024 {
                let chunk = Bytes::from(std::mem::take(&mut buf));
                return tx.blocking_send(Ok(chunk)).is_ok();
            }
            true
        };
        s.session.batch_cursor(&req.batch, &mut emit);
        if !buf.is_empty() {
            let _ = tx.blocking_send(Ok(Bytes::from(buf)));
        }
        let counters = std::mem::take(&mut s.session.counters);
        drop(s);
        if tx.is_closed() {
            usage_state.streams.discard(&parked_as);
        }
        record_usage(&usage_state, &database_id, counters);
    });
    let stream = futures_util::stream::unfold((rx, guard), |(mut rx, guard)| async move {
        match rx.recv().await {
            Some(item) => Some((item, (rx, guard))),
            None => {
                guard.disarm();
                None
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from_stream(stream))
        .expect("valid response")
}
