//! Projects and their members.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::ids::{new_id, now_rfc3339};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub project_id: String,
    pub name: String,
    pub created_at: String,
}

/// Creates a project with `members` (existing users) as its members.
pub fn insert_project(conn: &Connection, name: &str, members: &[&str]) -> ApiResult<Project> {
    let project = Project {
        project_id: new_id("proj-"),
        name: name.to_string(),
        created_at: now_rfc3339(),
    };
    conn.execute(
        "INSERT INTO projects (project_id, name, created_at) VALUES (?1, ?2, ?3)",
        params![project.project_id, project.name, project.created_at],
    )?;
    for user in members {
        add_member(conn, user, &project.project_id)?;
    }
    Ok(project)
}

fn project_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        project_id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
    })
}

/// Every project, oldest first (what the operator sees).
pub fn all_projects(conn: &Connection) -> ApiResult<Vec<Project>> {
    Ok(conn
        .prepare_cached(
            "SELECT project_id, name, created_at FROM projects ORDER BY created_at, project_id",
        )?
        .query_map([], project_from_row)?
        .collect::<Result<_, _>>()?)
}

/// The projects `user_id` is a member of, oldest first.
pub fn projects_of(conn: &Connection, user_id: &str) -> ApiResult<Vec<Project>> {
    Ok(conn
        .prepare_cached(
            "SELECT p.project_id, p.name, p.created_at FROM projects p
             JOIN memberships m ON m.project_id = p.project_id
             WHERE m.user_id = ?1 ORDER BY p.created_at, p.project_id",
        )?
        .query_map([user_id], project_from_row)?
        .collect::<Result<_, _>>()?)
}

/// 404 unless project `project_id` exists.
pub fn project_exists(conn: &Connection, project_id: &str) -> ApiResult<()> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM projects WHERE project_id = ?1",
            [project_id],
            |r| r.get(0),
        )
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found(format!("project {project_id} not found")))
}

/// Makes `user_id` a member of `project_id` (re-entrant).
pub fn add_member(conn: &Connection, user_id: &str, project_id: &str) -> ApiResult<()> {
    conn.execute(
        "INSERT OR IGNORE INTO memberships (user_id, project_id) VALUES (?1, ?2)",
        [user_id, project_id],
    )?;
    Ok(())
}
