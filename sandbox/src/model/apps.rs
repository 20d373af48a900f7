//! Runtime apps: the row, loading it for a project, creating it, and the
//! delete that takes everything the app owns with it.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use utoipa::ToSchema;

use super::builds::Build;
use super::hostnames;
use crate::error::{ApiError, ApiResult};
use crate::ids::now_rfc3339;

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

/// The live apps of a project, oldest first.
pub fn apps_of(conn: &Connection, project_id: &str) -> ApiResult<Vec<App>> {
    Ok(conn
        .prepare_cached(
            "SELECT app_id, project_id, name, active_build_id, created_at FROM apps
             WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY created_at, name",
        )?
        .query_map([project_id], app_from_row)?
        .collect::<Result<_, _>>()?)
}

/// Adds the app row; a live app of the same name in the project → 409
/// (*assumed*).
pub fn insert_app(conn: &Connection, app: &App) -> ApiResult<()> {
    let inserted = conn.execute(
        "INSERT INTO apps (app_id, project_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![app.app_id, app.project_id, app.name, app.created_at],
    );
    match inserted {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(ApiError::conflict(format!(
                "an app named {:?} already exists in project {}; pick another name or deploy to that app",
                app.name, app.project_id
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// `None` when the app never existed in the project, `Some(true)` when it
/// was deleted already, `Some(false)` while it is live.
pub fn app_deleted(conn: &Connection, project_id: &str, app_id: &str) -> ApiResult<Option<bool>> {
    let deleted_at: Option<Option<String>> = conn
        .query_row(
            "SELECT deleted_at FROM apps WHERE app_id = ?1 AND project_id = ?2",
            [app_id, project_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(deleted_at.map(|at| at.is_some()))
}

/// The cleanup report, the records to remove at an external DNS provider,
/// and the artifact files to delete once the transaction has committed.
pub type Deleted = (Cleanup, Vec<DnsRecordToRemove>, Vec<String>);

/// Deletes the app and everything it owns (soft delete of the row).
pub fn delete_app_in(tx: &Transaction<'_>, app_id: &str) -> ApiResult<Deleted> {
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
        if mode == hostnames::EXTERNAL {
            for rec in hostnames::external_records(app_id, host) {
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
