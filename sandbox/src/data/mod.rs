//! The libSQL data endpoint: Hrana 3 over HTTP on real SQLite files, on a
//! listener of its own (like `db.cloud.comwit.io`, it serves only
//! per-database SQL paths; management paths are not there).

mod exec;
pub mod proto;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::{OptionalExtension, params};

use crate::ids::{hash_secret, new_db_token, now_millis};
use crate::state::AppState;
use exec::{Counters, Session};
use proto::{
    CursorEntry, CursorReq, CursorResp, HranaError, PipelineReq, PipelineResp, StreamRequest,
    StreamResult,
};

/// Open streams, keyed by their current baton.
pub struct Streams {
    dir: PathBuf,
    idle: Duration,
    by_baton: Mutex<HashMap<String, Arc<Mutex<Slot>>>>,
}

struct Slot {
    database_id: String,
    session: Session,
    last_used: Instant,
}

impl Streams {
    pub fn new(dir: PathBuf, idle: Duration) -> Self {
        Self {
            dir,
            idle,
            by_baton: Mutex::new(HashMap::new()),
        }
    }

    pub fn file_of(&self, database_id: &str) -> PathBuf {
        self.dir.join(format!("{database_id}.sqlite3"))
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Mutex<Slot>>>> {
        self.by_baton.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops streams idle for longer than the limit (their open
    /// transactions roll back when the connection closes).
    fn sweep(&self) {
        let idle = self.idle;
        self.map().retain(|_, slot| match slot.try_lock() {
            Ok(s) => s.last_used.elapsed() < idle,
            Err(_) => true,
        });
    }

    /// Closes every stream of a database (it was deleted).
    pub fn close_database(&self, database_id: &str) {
        self.map().retain(|_, slot| match slot.lock() {
            Ok(s) => s.database_id != database_id,
            Err(_) => false,
        });
    }

    fn take(&self, baton: &str) -> Option<Arc<Mutex<Slot>>> {
        self.map().remove(baton)
    }

    fn put(&self, slot: Arc<Mutex<Slot>>) -> String {
        let baton = new_db_token("hb_");
        self.map().insert(baton.clone(), slot);
        baton
    }

    fn open(&self, database_id: &str) -> Result<Slot, HranaError> {
        let conn = rusqlite::Connection::open(self.file_of(database_id)).map_err(|e| {
            HranaError::new(
                "DATABASE_UNAVAILABLE",
                format!("cannot open the database: {e}"),
            )
        })?;
        let _ = conn.busy_timeout(Duration::from_secs(5));
        let _ = conn.pragma_update(None, "journal_mode", "WAL");
        Ok(Slot {
            database_id: database_id.to_string(),
            session: Session::new(conn),
            last_used: Instant::now(),
        })
    }
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/v1/{database}/v3", get(version_check))
        .route("/v1/{database}/v3/pipeline", post(pipeline))
        .route("/v1/{database}/v3/cursor", post(cursor));
    if state.config.hrana_v2 {
        // Hrana 2's pipeline is the same exchange minus the v3-only
        // requests, which a v2 client never sends.
        router = router
            .route("/v1/{database}/v2", get(version_check))
            .route("/v1/{database}/v2/pipeline", post(pipeline));
    }
    router.fallback(not_served).with_state(state)
}

/// An HTTP-level failure of the data endpoint: JSON with `message` and
/// `code` (and `error`, which older libSQL clients read).
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
        let body = serde_json::json!({ "message": self.message, "code": self.code, "error": self.message });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

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
fn authorize(state: &AppState, database_id: &str, headers: &HeaderMap) -> Result<(), DataError> {
    let conn = state.store.lock();
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT token_hash, status, deleted_at FROM databases WHERE database_id = ?1",
            [database_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(|e| json_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string()))?;
    let Some((token_hash, status, None)) = row else {
        return Err(json_error(
            StatusCode::NOT_FOUND,
            "DATABASE_NOT_FOUND",
            format!("database {database_id} does not exist"),
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

fn record_usage(state: &AppState, database_id: &str, c: Counters, file: &std::path::Path) {
    let storage = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)
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

/// The stream for `baton` (a new one for `None`), or a 400 when the baton
/// is unknown or expired.
fn stream_for(
    state: &AppState,
    database_id: &str,
    baton: Option<&str>,
) -> Result<Arc<Mutex<Slot>>, DataError> {
    let streams = &state.streams;
    streams.sweep();
    match baton {
        None => streams
            .open(database_id)
            .map(|s| Arc::new(Mutex::new(s)))
            .map_err(|e| json_error(StatusCode::INTERNAL_SERVER_ERROR, &e.code, e.message)),
        Some(b) => {
            let slot = streams.take(b).ok_or_else(|| {
                json_error(
                    StatusCode::BAD_REQUEST,
                    "STREAM_EXPIRED",
                    "the stream is closed or expired (idle streams are closed); open a new one with baton null",
                )
            })?;
            let same_db = slot
                .lock()
                .map(|s| s.database_id == database_id)
                .unwrap_or(false);
            if same_db {
                Ok(slot)
            } else {
                Err(json_error(
                    StatusCode::BAD_REQUEST,
                    "STREAM_INVALID",
                    "the baton belongs to another database",
                ))
            }
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, DataError> {
    serde_json::from_slice(body).map_err(|e| {
        json_error(
            StatusCode::BAD_REQUEST,
            "PROTOCOL_ERROR",
            format!("request is not a valid Hrana 3 JSON body: {e}"),
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
    state: &AppState,
    database_id: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(T, Arc<Mutex<Slot>>), DataError> {
    authorize(state, database_id, headers)?;
    let req: T = parse(body)?;
    let slot = stream_for(state, database_id, req.baton())?;
    Ok((req, slot))
}

async fn pipeline(
    State(state): State<AppState>,
    Path(database_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, slot) = match begin::<PipelineReq>(&state, &database_id, &headers, &body) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let run_slot = slot.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let mut s = run_slot.lock().unwrap_or_else(|e| e.into_inner());
        let mut closed = false;
        let mut results = Vec::with_capacity(req.requests.len());
        for r in req.requests {
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
            results.push(match s.session.handle(r) {
                Ok(response) => StreamResult::Ok { response },
                Err(error) => StreamResult::Error { error },
            });
        }
        s.last_used = Instant::now();
        let counters = std::mem::take(&mut s.session.counters);
        (results, closed, counters)
    })
    .await;
    let (results, closed, counters) = match ran {
        Ok(r) => r,
        Err(e) => {
            return json_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string())
                .into_response();
        }
    };
    record_usage(
        &state,
        &database_id,
        counters,
        &state.streams.file_of(&database_id),
    );
    let baton = (!closed).then(|| state.streams.put(slot));
    let resp = PipelineResp {
        baton,
        base_url: None,
        results,
    };
    axum::Json(resp).into_response()
}

async fn cursor(
    State(state): State<AppState>,
    Path(database_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, slot) = match begin::<CursorReq>(&state, &database_id, &headers, &body) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let baton = state.streams.put(slot.clone());
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
        let mut s = slot.lock().unwrap_or_else(|e| e.into_inner());
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
        s.last_used = Instant::now();
        let counters = std::mem::take(&mut s.session.counters);
        drop(s);
        record_usage(
            &usage_state,
            &database_id,
            counters,
            &usage_state.streams.file_of(&database_id),
        );
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from_stream(stream))
        .expect("valid response")
}
