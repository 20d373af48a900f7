//! Builds of an app and which one is active: listing, activation (with its
//! history, the rollback targets) and retention.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Build {
    pub build_id: String,
    pub created_at: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub file_count: i64,
    pub active: bool,
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent_requests: Option<i64>,
}

pub fn builds_of(conn: &Connection, app_id: &str, active: Option<&str>) -> ApiResult<Vec<Build>> {
    let mut stmt = conn.prepare_cached(
        "SELECT build_id, created_at, size_bytes, sha256, file_count, hosts, env_ref,
                max_concurrent_requests
         FROM builds WHERE app_id = ?1 ORDER BY seq DESC",
    )?;
    let rows = stmt.query_map([app_id], |r| {
        let build_id: String = r.get(0)?;
        let hosts: String = r.get(5)?;
        Ok(Build {
            active: active == Some(build_id.as_str()),
            build_id,
            created_at: r.get(1)?,
            size_bytes: r.get(2)?,
            sha256: r.get(3)?,
            file_count: r.get(4)?,
            hosts: serde_json::from_str(&hosts).unwrap_or_default(),
            env_ref: r.get(6)?,
            max_concurrent_requests: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What a deploy records about its upload (the artifact is already in the
/// store under `artifact`).
pub struct NewBuild<'a> {
    pub build_id: &'a str,
    pub app_id: &'a str,
    pub size_bytes: u64,
    pub sha256: &'a str,
    pub file_count: u64,
    pub hosts: &'a [String],
    pub env_ref: Option<&'a str>,
    pub max_concurrent_requests: Option<i64>,
    pub artifact: &'a str,
}

/// Adds the build row, next in the app's sequence.
pub fn insert_build(tx: &Transaction<'_>, build: NewBuild<'_>) -> ApiResult<()> {
    tx.execute(
        "INSERT INTO builds (build_id, app_id, seq, created_at, size_bytes, sha256, file_count,
                             hosts, env_ref, max_concurrent_requests, artifact)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM builds WHERE app_id = ?2),
                 ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            build.build_id,
            build.app_id,
            crate::ids::now_rfc3339(),
            build.size_bytes as i64,
            build.sha256,
            build.file_count as i64,
            serde_json::to_string(build.hosts).expect("strings serialise"),
            build.env_ref,
            build.max_concurrent_requests,
            build.artifact
        ],
    )?;
    Ok(())
}

/// Whether `build_id` is one of the app's (retention may have removed it).
pub fn build_exists(conn: &Connection, app_id: &str, build_id: &str) -> ApiResult<bool> {
    let known: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM builds WHERE build_id = ?1 AND app_id = ?2",
            [build_id, app_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(known.is_some())
}

/// The most recent activation before the current one whose build is a
/// different one (and still exists).
pub fn previous_build(
    conn: &Connection,
    app_id: &str,
    current: Option<&str>,
) -> ApiResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT a.build_id FROM activations a JOIN builds b ON b.build_id = a.build_id
             WHERE a.app_id = ?1 AND a.build_id IS NOT ?2 ORDER BY a.seq DESC LIMIT 1",
            params![app_id, current],
            |r| r.get(0),
        )
        .optional()?)
}

/// Retention (`--keep-builds N`): removes the app's builds beyond its `keep`
/// newest, never the active build nor the previous one (the rollback
/// target). Runs inside the deploy's transaction; returns the artifact
/// files to delete once it has committed (a crash in between leaves only
/// unreferenced files, which the sweep at start removes).
pub fn prune_builds(tx: &Transaction<'_>, app_id: &str, keep: u32) -> ApiResult<Vec<String>> {
    let active: Option<String> = tx.query_row(
        "SELECT active_build_id FROM apps WHERE app_id = ?1",
        [app_id],
        |r| r.get(0),
    )?;
    let previous = previous_build(tx, app_id, active.as_deref())?;
    let mut stmt = tx.prepare(
        "SELECT build_id, artifact FROM builds WHERE app_id = ?1 ORDER BY seq DESC LIMIT -1 OFFSET ?2",
    )?;
    let old: Vec<(String, String)> = stmt
        .query_map(params![app_id, keep], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut files = Vec::new();
    for (build_id, artifact) in old {
        let pinned = [active.as_deref(), previous.as_deref()].contains(&Some(build_id.as_str()));
        if !pinned {
            tx.execute("DELETE FROM builds WHERE build_id = ?1", [&build_id])?;
            files.push(artifact);
        }
    }
    Ok(files)
}

/// Points the app at `build_id` and records the activation.
pub fn activate(tx: &Transaction<'_>, app_id: &str, build_id: &str) -> ApiResult<()> {
    tx.execute(
        "UPDATE apps SET active_build_id = ?2 WHERE app_id = ?1",
        [app_id, build_id],
    )?;
    tx.execute(
        "INSERT INTO activations (app_id, seq, build_id)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM activations WHERE app_id = ?1), ?2)",
        [app_id, build_id],
    )?;
    Ok(())
}
