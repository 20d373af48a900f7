//! `GET /v1/projects`.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::model::projects::{self, Project};
use crate::state::AppState;

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
    let projects = match &caller {
        Caller::Operator { .. } => projects::all_projects(&conn)?,
        Caller::User { user_id, .. } => projects::projects_of(&conn, user_id)?,
    };
    Ok(axum::Json(ProjectList { projects }))
}
