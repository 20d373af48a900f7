//! `comwit-tui sql dump|import`: the data moves of the seeds' migration
//! guide without the dashboard. The database is found by id or name; the
//! token is the one the SQL console would use (`COMWIT_DATABASE_TOKEN`
//! first, when set). A dump goes to a file only once complete; an import
//! checks the whole file before it sends anything, shows a progress bar,
//! and on failure says which batches committed and how to resume.

use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use comwit_client::credentials::Credentials;
use comwit_client::models::Database;
use comwit_client::sql::import::{self, ImportOptions};
use comwit_client::sql::{SqlSession, dump};
use comwit_client::{Client, Secret};
use indicatif::{ProgressBar, ProgressStyle};

use crate::views::sql::runner;

/// A token for the database from elsewhere, used instead of the stored one.
pub const TOKEN_ENV: &str = "COMWIT_DATABASE_TOKEN";

/// Who runs the SQL: the session's client, the sandbox's operator (for a
/// user without a stored token), and where database tokens are kept.
pub struct Access {
    pub client: Client,
    pub operator: Option<Client>,
    pub credentials: Arc<Credentials>,
    /// Look only here (`--project`); else in every project.
    pub project: Option<String>,
}

/// A session on the database `wanted` (an id or a name), and its name.
pub async fn connect(access: Access, wanted: &str) -> anyhow::Result<(String, SqlSession)> {
    let (project, db) = find(&access, wanted).await?;
    let name = if db.name.is_empty() {
        db.database_id.clone()
    } else {
        db.name.clone()
    };
    if let Ok(token) = std::env::var(TOKEN_ENV) {
        let url = db
            .database_url
            .with_context(|| format!("the API gave no database_url for {name}"))?;
        let mut session = SqlSession::with_token(&url, Secret::new(token));
        session
            .execute("SELECT 1", &[])
            .await
            .with_context(|| format!("{TOKEN_ENV} was refused by {name}"))?;
        return Ok((name, session));
    }
    let Access {
        client,
        operator,
        credentials,
        ..
    } = access;
    let id = db.database_id.clone();
    match runner::connect(client, operator, true, credentials, project, id).await {
        Ok(connected) => Ok((name, connected.session)),
        Err(e) => match e.fix {
            Some(fix) => bail!("{}: {fix} (or set {TOKEN_ENV})", e.message),
            None => bail!("{}", e.message),
        },
    }
}

/// The project and database `wanted` names, searched in `--project` or
/// every project; a name in several projects asks for `--project`.
async fn find(access: &Access, wanted: &str) -> anyhow::Result<(String, Database)> {
    let projects = access.client.projects().list().await?;
    let mut found = Vec::new();
    for p in &projects {
        let here = [&p.project_id, &p.name];
        if access
            .project
            .as_ref()
            .is_some_and(|want| !here.contains(&want))
        {
            continue;
        }
        for db in access.client.databases(&p.project_id).list().await? {
            if db.database_id == wanted || db.name == wanted {
                found.push((p.project_id.clone(), db));
            }
        }
    }
    match found.len() {
        0 => bail!("no database {wanted:?} (an id or a name) in your projects"),
        1 => Ok(found.remove(0)),
        _ => {
            let places: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
            bail!(
                "{wanted:?} names a database in several projects ({}): pass --project",
                places.join(", ")
            )
        }
    }
}

/// Dumps the database to `out` (replaced whole once complete) or stdout.
pub async fn dump(session: &mut SqlSession, name: &str, out: Option<&Path>) -> anyhow::Result<()> {
    let stats = match out {
        Some(path) => dump::dump_to_file(session, path)
            .await
            .with_context(|| format!("{} was not written", path.display()))?,
        None => dump::dump(session, &mut BufWriter::new(std::io::stdout().lock())).await?,
    };
    eprintln!(
        "dumped {name}: {} table(s), {} row(s){}",
        stats.tables,
        stats.rows,
        out.map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

/// Loads `file` into the database in batches, with a progress bar.
pub async fn import(
    session: &mut SqlSession,
    name: &str,
    file: &Path,
    options: ImportOptions,
) -> anyhow::Result<()> {
    let open = || -> anyhow::Result<_> {
        let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        Ok(BufReader::new(f))
    };
    let plan = import::plan(open()?, options)?;
    let mut said = format!(
        "{}: {} statement(s) in {} batch(es)",
        file.display(),
        plan.statements,
        plan.batches
    );
    if plan.d1_removed > 0 {
        said.push_str(&format!(
            "; {} D1-only statement(s) left out",
            plan.d1_removed
        ));
    }
    eprintln!("{said}");
    let bar = progress_bar(plan.batches as u64);
    bar.set_position(options.from_batch.saturating_sub(1) as u64);
    let done = import::import(session, open()?, options, &plan, |p| {
        bar.set_position(p.batch as u64)
    })
    .await;
    bar.finish_and_clear();
    let done = done?;
    eprintln!(
        "imported into {name}: {} statement(s), batches {}–{} committed",
        done.statements,
        options.from_batch.min(done.batch.max(1)),
        done.batch
    );
    std::io::stderr().flush()?;
    Ok(())
}

/// Batches sent out of all, on a terminal (hidden otherwise).
fn progress_bar(batches: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(batches);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} batches {elapsed}") {
        bar.set_style(style);
    }
    bar
}
