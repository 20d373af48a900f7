//! `comwit-sandbox`: a local Comwit Cloud.
//!
//! The platform API of `../shared/CONTRACT.md` on one machine, with state in
//! SQLite, for the dashboard (`comwit-tui --sandbox`), the deploy action's
//! end-to-end tests and users' own CI scripts. Embed it in-process:
//!
//! ```no_run
//! # async fn demo() -> Result<(), comwit_sandbox::StartError> {
//! let sandbox = comwit_sandbox::Sandbox::builder().start().await?;
//! println!("{} {}", sandbox.info().api_url, sandbox.info().project_id);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod artifact;
mod auth;
pub mod cli;
mod config;
mod data;
mod demo;
mod dns;
mod docs_page;
mod error;
mod extract;
mod faults;
mod file_body;
mod ids;
mod listener;
mod model;
mod names;
pub mod public;
mod reset;
mod routes;
mod seed_file;
mod seeder;
mod site;
mod snapshot;
mod state;
mod store;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rusqlite::OptionalExtension;
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::{LIVE_SCOPES, PLANNED_SCOPES};
pub use config::{
    DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_DATABASE, DEFAULT_PROTECTED_TENANTS,
    DEFAULT_STATEMENT_TIMEOUT_SECS, OperatorOnProjects, PublicAddrs, SandboxConfig, parse_tenants,
};
pub use error::Problem;
pub use faults::{Faults, SlowRoute};
pub use routes::environment::SECRET_NOT_ENABLED;

use listener::ProblemListener;
use model::databases::insert_database;
use model::projects::insert_project;
use model::tokens::insert_token;
use model::users::SANDBOX_USER;
use state::AppState;

/// What a client needs to talk to a running sandbox. Serialised as the
/// `--ready-file` JSON.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SandboxInfo {
    pub api_url: String,
    /// The libSQL data endpoint (`database_url`s live under it).
    pub data_url: String,
    /// The site listener: each app's active build as static files, at
    /// `/apps/{app_id}/` or by a bound hostname.
    pub site_url: String,
    /// Authoritative DNS for every hosted zone, `127.0.0.1:PORT` (UDP+TCP).
    pub dns_addr: String,
    /// The parent ("registry") DNS holding the registrar's delegations.
    pub registry_dns_addr: String,
    /// A `cwt_` token with every live scope, member of the seeded project.
    pub user_token: String,
    pub operator_token: String,
    /// The seeded project.
    pub project_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{what} ({path}): {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}; pick another address with --listen")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("state database {path}: {source}")]
    Store {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("seeding the sandbox account failed: {0}")]
    Seed(String),
    #[error("seeding the demo data failed: {0}")]
    Demo(String),
    #[error("the seed file: {0}")]
    SeedFile(String),
    #[error("restoring {path}: {source}")]
    Restore {
        path: PathBuf,
        source: snapshot::SnapshotError,
    },
}

pub struct SandboxBuilder {
    config: SandboxConfig,
}

impl SandboxBuilder {
    pub fn config(mut self, config: SandboxConfig) -> Self {
        self.config = config;
        self
    }
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.config.listen = addr;
        self
    }
    pub fn dns_listen(mut self, addr: SocketAddr) -> Self {
        self.config.dns_listen = addr;
        self
    }
    pub fn registry_dns_listen(mut self, addr: SocketAddr) -> Self {
        self.config.registry_dns_listen = addr;
        self
    }
    /// The addresses given out instead of the bound ones (`--public-*`).
    pub fn public(mut self, addrs: PublicAddrs) -> Self {
        self.config.public = addrs;
        self
    }
    /// Apply a seed file (see [`seed_file`]) once per data dir.
    pub fn seed_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.seed = Some(path.into());
        self
    }
    /// Start from a snapshot (`GET /_sandbox/snapshot`'s file).
    pub fn restore(mut self, snapshot: impl Into<PathBuf>) -> Self {
        self.config.restore = Some(snapshot.into());
        self
    }
    pub fn site_listen(mut self, addr: SocketAddr) -> Self {
        self.config.site_listen = addr;
        self
    }
    pub fn data_listen(mut self, addr: SocketAddr) -> Self {
        self.config.data_listen = addr;
        self
    }
    /// Serve Hrana 2 (`/v2/pipeline`) too, for tools that only speak it.
    pub fn hrana_v2(mut self) -> Self {
        self.config.hrana_v2 = true;
        self
    }
    pub fn stream_idle_secs(mut self, secs: u64) -> Self {
        self.config.stream_idle_secs = secs;
        self
    }
    /// Longest a statement may run on the data endpoint.
    pub fn statement_timeout(mut self, limit: std::time::Duration) -> Self {
        self.config.statement_timeout = limit;
        self
    }
    /// Open Hrana streams allowed per database and in total.
    pub fn max_streams(mut self, per_database: usize, total: usize) -> Self {
        self.config.max_streams_per_database = per_database;
        self.config.max_streams = total;
        self
    }
    /// Keep state in `dir` (created if needed) so it survives restarts.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.data_dir = Some(dir.into());
        self
    }
    pub fn operator_token(mut self, token: impl Into<String>) -> Self {
        self.config.operator_token = Some(token.into());
        self
    }
    pub fn protected_tenants(mut self, tenants: Vec<String>) -> Self {
        self.config.protected_tenants = tenants;
        self
    }
    pub fn disable_domains(mut self) -> Self {
        self.config.domains_enabled = false;
        self
    }
    /// Which reading of the docs the operator token gets on project routes.
    pub fn operator_on_projects(mut self, mode: OperatorOnProjects) -> Self {
        self.config.operator_on_projects = mode;
        self
    }
    pub fn seed_demo(mut self) -> Self {
        self.config.seed_demo = true;
        self
    }
    pub fn max_upload_bytes(mut self, n: u64) -> Self {
        self.config.max_upload_bytes = n;
        self
    }
    /// Keep at most `n` builds per app (plus the active and the previous).
    pub fn keep_builds(mut self, n: u32) -> Self {
        self.config.keep_builds = Some(n);
        self
    }
    pub fn max_unpacked_bytes(mut self, n: u64) -> Self {
        self.config.max_unpacked_bytes = n;
        self
    }
    pub fn max_domains_per_project(mut self, n: u32) -> Self {
        self.config.max_domains_per_project = n;
        self
    }
    pub fn device_interval_secs(mut self, n: u64) -> Self {
        self.config.device_interval_secs = n;
        self
    }

    /// Opens the state, binds the listener and starts serving.
    pub async fn start(self) -> Result<Sandbox, StartError> {
        let config = self.config;
        // A seed file that does not parse stops the start before anything.
        let seed_from = match &config.seed {
            Some(path) => Some((
                seed_file::read(path).map_err(StartError::SeedFile)?,
                path.clone(),
            )),
            None => None,
        };
        let (data_dir, temp) = prepared_data_dir(&config)?;
        let Opened {
            store,
            artifacts_dir,
            operator_token,
            project_id,
            user_token,
        } = open_state(&config, &data_dir)?;

        let (listener, addr) = listen(config.listen).await?;
        let (data_listener, data_addr) = listen(config.data_listen).await?;
        let (site_listener, site_addr) = listen(config.site_listen).await?;
        let given = config.public.clone();
        let api_url = given.api_url.unwrap_or_else(|| public::url_of(addr));
        let data_url = given.data_url.unwrap_or_else(|| public::url_of(data_addr));
        let site_url = given.site_url.unwrap_or_else(|| public::url_of(site_addr));
        let streams = open_streams(&data_dir, &config)?;
        let seed_demo = config.seed_demo;
        let state = AppState::new(
            store,
            config,
            artifacts_dir,
            (api_url.clone(), data_url.clone()),
            streams,
            operator_token.clone(),
        );
        state.set_ready_token(&user_token);
        let app = routes::router(state.clone());
        let data_app = data::router(state.clone(), state.config.hrana_v2);
        let (zones_dns, registry_dns) = start_dns(&state).await?;
        let routers = (app.clone(), data_app.clone());
        seed(&state, routers, &user_token, seed_demo, seed_from.as_ref()).await?;

        let sweeper = tokio::spawn(sweep_streams(state.clone()));
        let site_app = site::router(state.clone());
        let (stop, task) = serve(
            (listener, app),
            vec![(data_listener, data_app), (site_listener, site_app)],
        );
        tracing::info!(%api_url, %data_url, "sandbox listening");
        Ok(Sandbox {
            info: SandboxInfo {
                api_url,
                data_url,
                site_url,
                dns_addr: given
                    .dns_addr
                    .unwrap_or_else(|| public::reachable(zones_dns.addr).to_string()),
                registry_dns_addr: given
                    .registry_dns_addr
                    .unwrap_or_else(|| public::reachable(registry_dns.addr).to_string()),
                user_token,
                operator_token,
                project_id,
            },
            addr,
            dns: vec![zones_dns, registry_dns],
            state,
            sweeper,
            stop: Some(stop),
            task: Some(task),
            _temp: temp,
        })
    }
}

/// The state a sandbox starts from, opened from its data dir.
struct Opened {
    store: store::Store,
    artifacts_dir: PathBuf,
    operator_token: String,
    /// The seeded project and a fresh user token for it (the ready file's).
    project_id: String,
    user_token: String,
}

fn open_state(config: &SandboxConfig, data_dir: &Path) -> Result<Opened, StartError> {
    let artifacts_dir = data_dir.join("artifacts");
    std::fs::create_dir_all(&artifacts_dir)
        .map_err(io_err("creating the data dir", &artifacts_dir))?;
    let operator_token = match &config.operator_token {
        Some(t) => t.clone(),
        None => operator_token_in(data_dir)?,
    };

    let db_path = data_dir.join("state.sqlite3");
    let store_err = |source| StartError::Store {
        path: db_path.clone(),
        source,
    };
    let store = store::Store::open(&db_path).map_err(store_err)?;
    let (project_id, user_token) =
        seed_base(&store).map_err(|e| StartError::Seed(e.detail().to_string()))?;
    sweep_artifacts(&store, &artifacts_dir);

    Ok(Opened {
        store,
        artifacts_dir,
        operator_token,
        project_id,
        user_token,
    })
}

/// The data dir, with the snapshot `--restore` names unpacked into it.
fn prepared_data_dir(
    config: &SandboxConfig,
) -> Result<(PathBuf, Option<tempfile::TempDir>), StartError> {
    let (data_dir, temp) = data_dir_of(config)?;
    if let Some(file) = &config.restore {
        snapshot::restore_into(file, &data_dir, config.max_unpacked_bytes).map_err(|source| {
            StartError::Restore {
                path: file.clone(),
                source,
            }
        })?;
    }
    Ok((data_dir, temp))
}

/// The demo account and the seed file, each once per data dir.
async fn seed(
    state: &AppState,
    routers: (axum::Router, axum::Router),
    user_token: &str,
    demo: bool,
    file: Option<&(seed_file::SeedFile, PathBuf)>,
) -> Result<(), StartError> {
    if demo {
        demo::seed(state, routers.clone(), user_token)
            .await
            .map_err(StartError::Demo)?;
    }
    if let Some((seed, path)) = file {
        seed_file::apply_once(state, routers, user_token, seed, path)
            .await
            .map_err(StartError::SeedFile)?;
    }
    Ok(())
}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StartError {
    let path = path.to_path_buf();
    move |source| StartError::Io { what, path, source }
}

/// The configured data dir, or a temporary one (removed with the guard).
fn data_dir_of(config: &SandboxConfig) -> Result<(PathBuf, Option<tempfile::TempDir>), StartError> {
    Ok(match &config.data_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let tmp = tempfile::Builder::new()
                .prefix("comwit-sandbox-")
                .tempdir()
                .map_err(|source| StartError::Io {
                    what: "creating a temporary data dir",
                    path: std::env::temp_dir(),
                    source,
                })?;
            (tmp.path().to_path_buf(), Some(tmp))
        }
    })
}

/// A listener on `addr` and the address it got (port 0 picks one).
async fn listen(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), StartError> {
    let bind_err = |source| StartError::Bind { addr, source };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(bind_err)?;
    let local = listener.local_addr().map_err(bind_err)?;
    Ok((listener, local))
}

/// The data endpoint's streams over the databases under the data dir.
fn open_streams(data_dir: &Path, config: &SandboxConfig) -> Result<data::Streams, StartError> {
    let databases_dir = data_dir.join("databases");
    std::fs::create_dir_all(&databases_dir)
        .map_err(io_err("creating the data dir", &databases_dir))?;
    Ok(data::Streams::new(
        databases_dir,
        data::StreamLimits {
            idle: std::time::Duration::from_secs(config.stream_idle_secs),
            statement: config.statement_timeout,
            per_database: config.max_streams_per_database,
            total: config.max_streams,
        },
    ))
}

/// The zones DNS and the registry DNS (which delegation checks ask).
async fn start_dns(state: &AppState) -> Result<(dns::DnsServer, dns::DnsServer), StartError> {
    let dns_bind = |addr: SocketAddr| move |source| StartError::Bind { addr, source };
    let zones_dns = dns::DnsServer::start(state.clone(), dns::Role::Zones, state.config.dns_listen)
        .await
        .map_err(dns_bind(state.config.dns_listen))?;
    let registry_dns = dns::DnsServer::start(
        state.clone(),
        dns::Role::Registry,
        state.config.registry_dns_listen,
    )
    .await
    .map_err(dns_bind(state.config.registry_dns_listen))?;
    let _ = state.registry_dns.set(public::reachable(registry_dns.addr));
    Ok((zones_dns, registry_dns))
}

/// Serves the API until the returned sender fires, then stops the other
/// listeners (the data endpoint, the site) once the API has.
fn serve(
    (listener, app): (tokio::net::TcpListener, axum::Router),
    others: Vec<(tokio::net::TcpListener, axum::Router)>,
) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let (tx, rx) = oneshot::channel::<()>();
    let (api_done, done) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let api = axum::serve(ProblemListener(listener), app).with_graceful_shutdown(async move {
            let _ = rx.await;
            let _ = api_done.send(true);
        });
        let rest = others.into_iter().map(|(listener, router)| {
            let mut done = done.clone();
            std::future::IntoFuture::into_future(
                axum::serve(ProblemListener(listener), router).with_graceful_shutdown(async move {
                    let _ = done.wait_for(|d| *d).await;
                }),
            )
        });
        let (a, rest) = tokio::join!(api, futures_util::future::join_all(rest));
        if let Err(err) = rest.into_iter().fold(a, |acc, r| acc.and(r)) {
            tracing::error!(%err, "sandbox server stopped");
        }
    });
    (tx, task)
}

/// How long `shutdown` waits for in-flight requests (an upload still
/// streaming in, a long cursor) before dropping them.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Closes idle data-endpoint streams (and so their file descriptors) even
/// when no request comes to trigger it.
async fn sweep_streams(state: AppState) {
    let mut tick = tokio::time::interval(state.streams.sweep_every());
    loop {
        tick.tick().await;
        let state = state.clone();
        // Closing a connection may checkpoint its WAL: blocking I/O.
        let _ = tokio::task::spawn_blocking(move || state.streams.sweep()).await;
    }
}

/// A running sandbox. Dropping it stops the server (and removes an
/// ephemeral data dir); `shutdown` does the same and waits for it.
pub struct Sandbox {
    info: SandboxInfo,
    addr: SocketAddr,
    /// Dropping them stops them.
    dns: Vec<dns::DnsServer>,
    state: AppState,
    sweeper: JoinHandle<()>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _temp: Option<tempfile::TempDir>,
}

impl Sandbox {
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            config: SandboxConfig::default(),
        }
    }

    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, stops running SQL, and waits for
    /// in-flight requests — at most [`SHUTDOWN_GRACE`], then drops them.
    pub async fn shutdown(mut self) {
        self.begin_stop();
        for server in self.dns.drain(..) {
            server.stop().await;
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            tracing::warn!("in-flight requests did not finish in time; dropping them");
            task.abort();
        }
    }

    fn begin_stop(&mut self) {
        self.sweeper.abort();
        self.state.streams.stop();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Resolves when the server stops (after `shutdown` from elsewhere, or
    /// a fatal error).
    pub async fn wait(&mut self) {
        if let Some(task) = self.task.as_mut() {
            let _ = task.await;
        }
        self.task = None;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.begin_stop();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Writes `info` as JSON to `path` atomically (temp file + rename), so a
/// reader never sees half a file.
pub fn write_ready_file(path: &Path, info: &SandboxInfo) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut tmp, info)?;
    std::io::Write::write_all(&mut tmp, b"\n")?;
    tmp.as_file().sync_all()?;
    restrict(tmp.path())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}
#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The operator token kept in the data dir (0600), generated on first use.
fn operator_token_in(data_dir: &Path) -> Result<String, StartError> {
    let path = data_dir.join("operator-token");
    let io = |what: &'static str| {
        let path = path.clone();
        move |source| StartError::Io { what, path, source }
    };
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("reading the operator token")(e)),
    }
    let token = ids::new_operator_token();
    let mut tmp =
        tempfile::NamedTempFile::new_in(data_dir).map_err(io("writing the operator token"))?;
    std::io::Write::write_all(&mut tmp, token.as_bytes())
        .map_err(io("writing the operator token"))?;
    restrict(tmp.path()).map_err(io("writing the operator token"))?;
    tmp.persist(&path)
        .map_err(|e| io("writing the operator token")(e.error))?;
    Ok(token)
}

/// The sandbox user, its project and the platform's protected tenants,
/// once per data dir; then a fresh all-scopes token for this run (tokens
/// are stored hashed, so an earlier run's token cannot be shown again).
fn seed_base(store: &store::Store) -> Result<(String, String), error::ApiError> {
    let mut conn = store.lock();
    let tx = conn.transaction()?;
    let existing: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = 'project_id'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let project_id = match existing {
        Some(p) => p,
        None => {
            let now = ids::now_rfc3339();
            tx.execute(
                "INSERT INTO users (user_id, name, created_at) VALUES (?1, 'sandbox', ?2)",
                [SANDBOX_USER, &now],
            )?;
            let project = insert_project(&tx, "sandbox", &[SANDBOX_USER])?;
            tx.execute(
                "INSERT INTO projects (project_id, name, created_at, internal) VALUES ('proj-platform', 'platform', ?1, 1)",
                [&now],
            )?;
            for tenant in ["louhi-app", "comwit-db-synthetic"] {
                insert_database(
                    &tx,
                    &ids::new_id("db-"),
                    "proj-platform",
                    tenant,
                    tenant,
                    &ids::new_db_token("cwdb_"),
                )?;
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('project_id', ?1)",
                [&project.project_id],
            )?;
            project.project_id
        }
    };
    let scopes: Vec<String> = LIVE_SCOPES.iter().map(|s| s.to_string()).collect();
    let token = insert_token(&tx, SANDBOX_USER, &scopes)?;
    tx.commit()?;
    Ok((project_id, token))
}

/// Removes upload leftovers and artifacts no build refers to (a crash
/// between the rename and the commit of a deploy leaves such a file).
fn sweep_artifacts(store: &store::Store, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let conn = store.lock();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let referenced = conn
            .query_row("SELECT 1 FROM builds WHERE artifact = ?1", [&name], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .ok()
            .flatten()
            .is_some();
        if !referenced {
            tracing::info!(file = %name, "removing unreferenced artifact");
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
