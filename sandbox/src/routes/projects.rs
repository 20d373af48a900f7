//! `GET /v1/projects`.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub project_id: String,
    pub name: String,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectList {
    pub projects: Vec<Project>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_projects))
}

/// Projects the caller is a member of (all projects for the operator).
#[utoipa::path(get, path = "/v1/projects", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = ProjectList), (status = 401, body = Problem),
              (status = 403, description = "missing project:read", body = Problem)))]
pub async fn list_projects(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<ProjectList>> {
    caller.require_scope("project:read")?;
    let conn = state.store.lock();
    let map = |r: &rusqlite::Row<'_>| {
        Ok(Project {
            project_id: r.get(0)?,
            name: r.get(1)?,
            created_at: r.get(2)?,
        })
    };
    let projects = match &caller {
        Caller::Operator { .. } => conn
            .prepare_cached(
                "SELECT project_id, name, created_at FROM projects ORDER BY created_at, project_id",
            )?
            .query_map([], map)?
            .collect::<Result<Vec<_>, _>>()?,
        Caller::User { user_id, .. } => conn
            .prepare_cached(
                "SELECT p.project_id, p.name, p.created_at FROM projects p
                 JOIN memberships m ON m.project_id = p.project_id
                 WHERE m.user_id = ?1 ORDER BY p.created_at, p.project_id",
            )?
            .query_map([user_id], map)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(axum::Json(ProjectList { projects }))
}
