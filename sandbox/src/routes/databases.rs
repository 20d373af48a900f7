//! Databases: the project surface (create with a one-time token, list) and
//! the operator-only flat `/v1/databases/{database}` family.

use crate::extract::ApiPath;
use axum::extract::State;
use axum::http::StatusCode;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, OptionalJson};
use crate::ids::{new_db_token, new_id, now_millis, rfc3339};
use crate::model::databases::{
    self, DbRow, NewQueryToken, database_named, insert_database, load_database,
};
use crate::state::{AppState, Upstream};

#[derive(Deserialize, ToSchema)]
pub struct CreateDatabase {
    pub name: String,
}

/// Flat create response; `database_token` is shown this once only.
#[derive(Serialize, ToSchema)]
pub struct CreatedDatabase {
    pub database_id: String,
    pub database_url: String,
    pub created: bool,
    pub database_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct DatabaseSummary {
    pub database_id: String,
    pub name: String,
    /// `running` or `suspended`.
    pub status: String,
    pub created_at: String,
    pub database_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct DatabaseList {
    pub databases: Vec<DatabaseSummary>,
}

/// Operator view with internals.
#[derive(Serialize, ToSchema)]
pub struct DatabaseStatus {
    pub database_id: String,
    pub project_id: String,
    pub name: String,
    pub status: String,
    pub runner: String,
    pub tenant: String,
    pub generation: i64,
    pub frame_no: i64,
    pub protected: bool,
    pub database_url: String,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct DatabaseStatusEnvelope {
    pub database: DatabaseStatus,
}

#[derive(Serialize, ToSchema)]
pub struct RotatedToken {
    pub database_id: String,
    /// The new one-time token; the old one stopped working.
    pub database_token: String,
    pub generation: i64,
}

#[derive(Deserialize, Default, ToSchema)]
pub struct QueryTokenRequest {
    /// Clamped to 1..=3600 (default 300).
    #[serde(default)]
    pub ttl_seconds: Option<i64>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueryToken {
    pub database_id: String,
    pub query_token: String,
    pub expires_at: String,
    pub ttl_seconds: i64,
    pub scope: String,
}

#[derive(Serialize, ToSchema)]
pub struct StateChange {
    pub database_id: String,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct Usage {
    pub database_id: String,
    pub rows_read: i64,
    pub rows_written: i64,
    pub storage_bytes: i64,
    pub query_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DeletedDatabase {
    pub database_id: String,
    pub deleted: bool,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_databases, create_database))
        .routes(routes!(database_status, delete_database))
        .routes(routes!(rotate_token))
        .routes(routes!(query_token))
        .routes(routes!(suspend))
        .routes(routes!(resume))
        .routes(routes!(usage))
}

fn database_url(state: &AppState, database_id: &str) -> String {
    format!("{}/v1/{database_id}", state.data_url)
}

/// Create a database; its `database_token` is returned once and never stored raw.
#[utoipa::path(post, path = "/v1/projects/{project_id}/databases", tag = "databases", security(("bearer" = [])),
    params(("project_id" = String, Path)), request_body = CreateDatabase,
    responses((status = 201, body = CreatedDatabase), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 502, body = Problem)))]
pub async fn create_database(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(project_id): ApiPath<String>,
    ApiJson(req): ApiJson<CreateDatabase>,
) -> ApiResult<(StatusCode, axum::Json<CreatedDatabase>)> {
    caller.require_project(&state, "database:write", &project_id)?;
    let name = crate::names::resource_name("database", &req.name)?;
    state.upstream(Upstream::Louhi)?;
    let conn = state.store.lock();
    if let Some(id) = database_named(&conn, &project_id, &name)? {
        return Err(ApiError::conflict(format!(
            "project {project_id} already has a database named {name:?} ({id}); pick another name"
        )));
    }
    let database_id = new_id("db-");
    let token = new_db_token("cwdb_");
    insert_database(
        &conn,
        &database_id,
        &project_id,
        &name,
        &format!("t-{database_id}"),
        &token,
    )?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedDatabase {
            database_url: database_url(&state, &database_id),
            database_id,
            created: true,
            database_token: token,
        }),
    ))
}

/// Databases of a project (never a token).
#[utoipa::path(get, path = "/v1/projects/{project_id}/databases", tag = "databases", security(("bearer" = [])),
    params(("project_id" = String, Path)),
    responses((status = 200, body = DatabaseList), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_databases(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(project_id): ApiPath<String>,
) -> ApiResult<axum::Json<DatabaseList>> {
    caller.require_project(&state, "database:read", &project_id)?;
    let databases = databases::databases_of(&state.store.lock(), &project_id)?
        .into_iter()
        .map(|db| DatabaseSummary {
            database_url: database_url(&state, &db.database_id),
            database_id: db.database_id,
            name: db.name,
            status: db.status,
            created_at: db.created_at,
        })
        .collect();
    Ok(axum::Json(DatabaseList { databases }))
}

/// Resolves `{database}` (a database id, or an internal tenant name) for
/// the operator family; 403 for cwt_ tokens first of all.
fn operator_target(caller: &Caller, conn: &Connection, database: &str) -> ApiResult<DbRow> {
    caller.require_operator()?;
    load_database(conn, database)
}

/// Protected tenants refuse destructive and credential operations, even
/// for the operator.
fn refuse_protected(state: &AppState, db: &DbRow, action: &str) -> ApiResult<()> {
    if state.config.protected_tenants.contains(&db.tenant) {
        Err(ApiError::forbidden(format!(
            "database {} is a protected tenant: {action} is refused (PLATFORM_API_PROTECTED_TENANTS)",
            db.database_id
        )))
    } else {
        Ok(())
    }
}

/// Status and internals (operator only).
#[utoipa::path(get, path = "/v1/databases/{database}", tag = "operator", security(("bearer" = [])),
    params(("database" = String, Path, description = "database id or tenant name")),
    responses((status = 200, body = DatabaseStatusEnvelope), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 502, body = Problem)))]
pub async fn database_status(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(database): ApiPath<String>,
) -> ApiResult<axum::Json<DatabaseStatusEnvelope>> {
    let conn = state.store.lock();
    let db = operator_target(&caller, &conn, &database)?;
    state.upstream(Upstream::Louhi)?;
    let protected = state.config.protected_tenants.contains(&db.tenant);
    Ok(axum::Json(DatabaseStatusEnvelope {
        database: DatabaseStatus {
            database_url: database_url(&state, &db.database_id),
            runner: format!("louhi-runner-{}", db.generation % 3),
            frame_no: db.generation * 16,
            protected,
            database_id: db.database_id,
            project_id: db.project_id,
            name: db.name,
            status: db.status,
            tenant: db.tenant,
            generation: db.generation,
            created_at: db.created_at,
        },
    }))
}

/// Rotate the database token: the old one stops working at once.
#[utoipa::path(post, path = "/v1/databases/{database}/token/rotate", tag = "operator", security(("bearer" = [])),
    params(("database" = String, Path)),
    responses((status = 200, body = RotatedToken), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 502, body = Problem)))]
pub async fn rotate_token(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(database): ApiPath<String>,
) -> ApiResult<axum::Json<RotatedToken>> {
    let conn = state.store.lock();
    let db = operator_target(&caller, &conn, &database)?;
    refuse_protected(&state, &db, "token rotation")?;
    state.upstream(Upstream::Louhi)?;
    let token = new_db_token("cwdb_");
    databases::rotate_token(&conn, &db.database_id, &token)?;
    Ok(axum::Json(RotatedToken {
        database_id: db.database_id,
        database_token: token,
        generation: db.generation + 1,
    }))
}

/// Mint a short-lived SQL token (ttl clamped to 1..=3600).
#[utoipa::path(post, path = "/v1/databases/{database}/query-token", tag = "operator", security(("bearer" = [])),
    params(("database" = String, Path)), request_body = QueryTokenRequest,
    responses((status = 200, body = QueryToken), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 502, body = Problem)))]
pub async fn query_token(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(database): ApiPath<String>,
    OptionalJson(req): OptionalJson<QueryTokenRequest>,
) -> ApiResult<axum::Json<QueryToken>> {
    let conn = state.store.lock();
    let db = operator_target(&caller, &conn, &database)?;
    refuse_protected(&state, &db, "issuing a query token")?;
    state.upstream(Upstream::Louhi)?;
    let ttl = req.ttl_seconds.unwrap_or(300).clamp(1, 3600);
    let expires_ms = now_millis() + ttl * 1000;
    let token = new_db_token("cwq_");
    databases::insert_query_token(
        &conn,
        NewQueryToken {
            token: &token,
            database_id: &db.database_id,
            expires_at_ms: expires_ms,
            audience: req.audience.as_deref().unwrap_or_default(),
            reason: req.reason.as_deref().unwrap_or_default(),
        },
    )?;
    Ok(axum::Json(QueryToken {
        database_id: db.database_id,
        query_token: token,
        expires_at: rfc3339(expires_ms / 1000),
        ttl_seconds: ttl,
        scope: "sql".into(),
    }))
}

fn set_status(
    state: &AppState,
    caller: &Caller,
    database: &str,
    to: &str,
    action: &str,
) -> ApiResult<StateChange> {
    let conn = state.store.lock();
    let db = operator_target(caller, &conn, database)?;
    refuse_protected(state, &db, action)?;
    state.upstream(Upstream::Louhi)?;
    databases::set_status(&conn, &db.database_id, to)?;
    Ok(StateChange {
        database_id: db.database_id,
        status: to.into(),
    })
}

/// Pause a database (it refuses SQL until resumed).
#[utoipa::path(post, path = "/v1/databases/{database}/suspend", tag = "operator", security(("bearer" = [])),
    params(("database" = String, Path)),
    responses((status = 200, body = StateChange), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 502, body = Problem)))]
pub async fn suspend(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(database): ApiPath<String>,
) -> ApiResult<axum::Json<StateChange>> {
    set_status(&state, &caller, &database, "suspended", "suspend").map(axum::Json)
}

/// Bring a suspended database back.
#[utoipa::path(post, path = "/v1/databases/{database}/resume", tag = "operator", security(("bearer" = [])),
    params(("database" = String, Path)),
    responses((status = 200, body = StateChange), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 502, body = Problem)))]
pub async fn resume(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(database): ApiPath<String>,
) -> ApiResult<axum::Json<StateChange>> {
    set_status(&state, &caller, &database, "running", "resume").map(axum::Json)
}

/// Usage metrics (the data endpoint fills the counters).
#[utoipa::path(get, path = "/v1/databases/{database}/usage", tag = "operator", security(("bearer" = [])),
    params(("database" = String, Path)),
    responses((status = 200, body = Usage), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 502, body = Problem)))]
pub async fn usage(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(database): ApiPath<String>,
) -> ApiResult<axum::Json<Usage>> {
    let conn = state.store.lock();
    let db = operator_target(&caller, &conn, &database)?;
    state.upstream(Upstream::Louhi)?;
    let c = databases::usage(&conn, &db.database_id)?;
    Ok(axum::Json(Usage {
        database_id: db.database_id,
        rows_read: c.rows_read,
        rows_written: c.rows_written,
        storage_bytes: c.storage_bytes,
        query_count: c.query_count,
    }))
}

/// Delete permanently.
#[utoipa::path(delete, path = "/v1/databases/{database}", tag = "operator", security(("bearer" = [])),
    params(("database" = String, Path)),
    responses((status = 200, body = DeletedDatabase), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 502, body = Problem)))]
pub async fn delete_database(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(database): ApiPath<String>,
) -> ApiResult<axum::Json<DeletedDatabase>> {
    let conn = state.store.lock();
    let db = operator_target(&caller, &conn, &database)?;
    refuse_protected(&state, &db, "delete")?;
    state.upstream(Upstream::Louhi)?;
    databases::delete_database(&conn, &db.database_id)?;
    drop(conn);
    // Permanent: the data goes too.
    state.streams.close_database(&db.database_id);
    let file = state.streams.file_of(&db.database_id);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(axum::Json(DeletedDatabase {
        database_id: db.database_id,
        deleted: true,
    }))
}
