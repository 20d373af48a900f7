//! `--seed FILE`: a sandbox described in TOML — users with tokens of
//! chosen scopes (and chosen values, so a CI job can hold them in
//! advance), projects with members, apps with environment and builds
//! packed from directories, databases with SQL, domains pending or
//! managed, and records. Applied once per data dir, through the sandbox's
//! own routes (so every value obeys the platform's rules), before it
//! answers; a file that does not apply stops the start with the reason.
//!
//! ```toml
//! [[users]]
//! name = "ci-bot"
//! tokens = [{ token = "cwt_0123…", scopes = ["app:read", "app:write", "app:deploy"] }]
//!
//! [[projects]]
//! name = "storefront"
//! members = ["ci-bot"]
//! apps = [{ name = "web", env = { LOG_LEVEL = "info" }, builds = ["fixtures/web"] }]
//! databases = [{ name = "shop-db", sql = ["CREATE TABLE t (x)"] }]
//! domains = [{ domain = "shop.example", state = "managed", records = [
//!   { name = "www", type = "A", ttl = 300, values = ["192.0.2.1"] } ] }]
//! ```
//!
//! Paths (builds, `sql_file`) are relative to the seed file's directory.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use axum::http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::seeder::{self, Seeder, id};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub projects: Vec<Project>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    #[serde(default)]
    pub tokens: Vec<Token>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The token's value (`cwt_` and 40 hex digits).
    pub token: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    /// Users (by name) besides the sandbox user.
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub apps: Vec<App>,
    #[serde(default)]
    pub databases: Vec<Database>,
    #[serde(default)]
    pub domains: Vec<Domain>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub name: String,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Directories deployed in order: the last is the active build.
    #[serde(default)]
    pub builds: Vec<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    pub name: String,
    #[serde(default)]
    pub sql: Vec<String>,
    /// A file of statements (a script, as the SQL console runs one).
    pub sql_file: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub domain: String,
    #[serde(default)]
    pub state: DomainState,
    #[serde(default)]
    pub records: Vec<Value>,
}

#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DomainState {
    /// Onboarded, waiting for its delegation.
    #[default]
    Pending,
    /// Delegated through the simulated registrar and checked.
    Managed,
}

/// Reads and parses `path` (at most 16 MiB).
pub fn read(path: &Path) -> Result<SeedFile, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > 16 << 20 {
        return Err(format!("{}: a seed file is at most 16 MiB", path.display()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Applies `seed` (read from `path`) unless this data dir has had it.
pub async fn apply_once(
    state: &crate::state::AppState,
    (app, data): (axum::Router, axum::Router),
    user_token: &str,
    seed: &SeedFile,
    path: &Path,
) -> Result<(), String> {
    if seeder::done(state, "seed")?.is_some() {
        return Ok(());
    }
    let s = Seeder {
        app,
        data,
        operator: state.operator_token().to_string(),
        user: user_token.to_string(),
    };
    let base = path.parent().unwrap_or(Path::new("."));
    apply(&s, state, seed, base).await?;
    seeder::mark_done(state, "seed", &path.display().to_string())
}

/// Applies `seed` through `s`; `base` resolves its relative paths.
async fn apply(
    s: &Seeder,
    state: &crate::state::AppState,
    seed: &SeedFile,
    base: &Path,
) -> Result<(), String> {
    let users = users(s, state, &seed.users).await?;
    for project in &seed.projects {
        let members: Vec<&String> = project
            .members
            .iter()
            .map(|m| {
                users
                    .get(m)
                    .ok_or_else(|| format!("project {}: no user {m:?} in [[users]]", project.name))
            })
            .collect::<Result<_, _>>()?;
        let made = s
            .json(
                Method::POST,
                "/_sandbox/projects",
                json!({"name": project.name, "members": members}),
            )
            .await?;
        let p = id(&made, "/project/project_id")?;
        let at = |what: &str| format!("project {}: {what}", project.name);
        for app in &project.apps {
            apply_app(s, &p, app, base)
                .await
                .map_err(|e| at(&format!("app {}: {e}", app.name)))?;
        }
        for db in &project.databases {
            apply_database(s, &p, db, base)
                .await
                .map_err(|e| at(&format!("database {}: {e}", db.name)))?;
        }
        for domain in &project.domains {
            apply_domain(s, &p, domain)
                .await
                .map_err(|e| at(&format!("domain {}: {e}", domain.domain)))?;
        }
    }
    Ok(())
}

/// The users and their tokens (of the values given); name → user id.
async fn users(
    s: &Seeder,
    state: &crate::state::AppState,
    users: &[User],
) -> Result<HashMap<String, String>, String> {
    let mut ids = HashMap::new();
    for user in users {
        let made = s
            .json(Method::POST, "/_sandbox/users", json!({"name": user.name}))
            .await?;
        let user_id = id(&made, "/user/user_id")?;
        for token in &user.tokens {
            if !token.token.starts_with("cwt_") {
                return Err(format!(
                    "user {}: token: a seed token is a user token, cwt_ and 40 hex digits",
                    user.name
                ));
            }
            comwit_client::rules::user_token(&token.token)
                .map_err(|e| format!("user {}: token: {e}", user.name))?;
            if let Some(bad) = token
                .scopes
                .iter()
                .find(|sc| !crate::auth::is_known_scope(sc))
            {
                return Err(format!("user {}: unknown scope {bad:?}", user.name));
            }
            crate::model::tokens::insert_token_value(
                &state.store.lock(),
                &user_id,
                &token.token,
                &token.scopes,
            )
            .map_err(|e| format!("user {}: token: {}", user.name, e.detail()))?;
        }
        ids.insert(user.name.clone(), user_id);
    }
    Ok(ids)
}

async fn apply_app(s: &Seeder, project: &str, app: &App, base: &Path) -> Result<(), String> {
    let made = s
        .json(
            Method::POST,
            &format!("/v1/projects/{project}/apps"),
            json!({"name": app.name}),
        )
        .await?;
    let app_id = id(&made, "/app/app_id")?;
    for (key, value) in &app.env {
        s.json(
            Method::PUT,
            &format!("/v1/projects/{project}/apps/{app_id}/environment/{key}"),
            json!({"value": value}),
        )
        .await?;
    }
    for dir in &app.builds {
        let dir = base.join(dir);
        let mut packed = Vec::new();
        comwit_client::package::pack_to_writer(&dir, &mut packed, &Default::default())
            .map_err(|e| format!("build {}: {e}", dir.display()))?;
        s.deploy(project, &app_id, packed, "").await?;
    }
    Ok(())
}

async fn apply_database(
    s: &Seeder,
    project: &str,
    db: &Database,
    base: &Path,
) -> Result<(), String> {
    let made = s
        .json(
            Method::POST,
            &format!("/v1/projects/{project}/databases"),
            json!({"name": db.name}),
        )
        .await?;
    let (database, token) = (id(&made, "/database_id")?, id(&made, "/database_token")?);
    let mut statements: Vec<String> = db.sql.clone();
    if let Some(file) = &db.sql_file {
        let path = base.join(file);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        // Split as the SQL console splits a script: quotes, comments and
        // trigger bodies respected.
        statements.extend(comwit_client::sql::split_statements(&text));
    }
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    // (an empty list would be a pipeline of nothing)
    if refs.is_empty() {
        return Ok(());
    }
    s.sql(&database, &token, &refs).await
}

async fn apply_domain(s: &Seeder, project: &str, domain: &Domain) -> Result<(), String> {
    let name = &domain.domain;
    s.domain(project, name, domain.state == DomainState::Managed)
        .await?;
    for record in &domain.records {
        s.json(
            Method::POST,
            &format!("/v1/projects/{project}/domains/{name}/records"),
            record.clone(),
        )
        .await?;
    }
    Ok(())
}
