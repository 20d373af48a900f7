//! Settings of one sandbox instance. Defaults match the documented platform;
//! limits the docs leave open are ours and named in the OpenAPI description.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub listen: SocketAddr,
    /// The libSQL data endpoint's own listener.
    pub data_listen: SocketAddr,
    /// The site listener (see [`crate::site`]).
    pub site_listen: SocketAddr,
    /// The authoritative DNS server for hosted zones (UDP and TCP).
    pub dns_listen: SocketAddr,
    /// The parent ("registry") DNS server the registrar simulation feeds.
    pub registry_dns_listen: SocketAddr,
    /// What clients are told, when not the bound addresses (see
    /// [`crate::public`]): the API's and the data endpoint's URLs, the DNS
    /// servers' `HOST:PORT`.
    pub public: PublicAddrs,
    /// Idle Hrana streams are closed after this long.
    pub stream_idle_secs: u64,
    /// A statement on the data endpoint is stopped after this long.
    pub statement_timeout: std::time::Duration,
    /// Open Hrana streams allowed per database, and in total.
    pub max_streams_per_database: usize,
    pub max_streams: usize,
    /// Also serve `/v2/pipeline` (Louhi does not; some tools need it).
    pub hrana_v2: bool,
    /// Where state and artifacts live. `None` = a temporary directory that
    /// is removed when the sandbox stops.
    pub data_dir: Option<PathBuf>,
    /// Operator token; `None` = `PLATFORM_API_SERVER_TOKEN` is not set, so one is
    /// generated per data dir and kept there.
    pub operator_token: Option<String>,
    /// `PLATFORM_API_PROTECTED_TENANTS`.
    pub protected_tenants: Vec<String>,
    /// Project domain management; off = 501 on those routes.
    pub domains_enabled: bool,
    /// Whether the operator token works on project routes: the docs say
    /// both (see CONTRACT.md), so the sandbox does either.
    pub operator_on_projects: OperatorOnProjects,
    /// Largest accepted deploy body (compressed) → 413 above.
    pub max_upload_bytes: u64,
    /// Builds kept per app (`None` = all). The active build and the
    /// previous one (the rollback target) are always kept.
    pub keep_builds: Option<u32>,
    /// Largest accepted artifact once decompressed → 400 above (zstd bombs).
    pub max_unpacked_bytes: u64,
    /// Active (not deleted) project domains allowed per project.
    pub max_domains_per_project: u32,
    /// Device login: polling interval and code lifetime, in seconds.
    pub device_interval_secs: u64,
    pub device_expires_secs: u64,
    pub seed_demo: bool,
    /// A snapshot to start from (`--restore`), into a data dir holding no
    /// sandbox yet.
    pub restore: Option<PathBuf>,
    /// A seed file (`--seed`), applied once per data dir.
    pub seed: Option<PathBuf>,
}

/// The `--public-*` addresses; `None`: the bound one, reachable.
#[derive(Debug, Clone, Default)]
pub struct PublicAddrs {
    pub api_url: Option<String>,
    pub data_url: Option<String>,
    pub site_url: Option<String>,
    pub dns_addr: Option<String>,
    pub registry_dns_addr: Option<String>,
}

/// The two readings of the docs on the operator token and project routes
/// (`/v1/projects/{p}/...`): the authentication page says it bypasses scope
/// and membership checks; the raw-API deploy page says it "is rejected on
/// these project-scoped routes".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OperatorOnProjects {
    /// Accepted everywhere, scopes and membership bypassed.
    #[default]
    Bypass,
    /// 403 on every project route; the flat operator routes still work.
    Refuse,
}

/// Data endpoint limits. Each stream holds three file descriptors (the
/// database, its WAL and its shared memory), so the total stays well inside
/// the common `ulimit -n` of 1024.
pub const DEFAULT_STATEMENT_TIMEOUT_SECS: u64 = 30;
pub const DEFAULT_MAX_STREAMS_PER_DATABASE: u64 = 32;
pub const DEFAULT_MAX_STREAMS: u64 = 128;

pub const DEFAULT_PROTECTED_TENANTS: &str = "louhi-app,comwit-db-synthetic";

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            site_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            dns_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            registry_dns_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public: PublicAddrs::default(),
            stream_idle_secs: 60,
            statement_timeout: std::time::Duration::from_secs(DEFAULT_STATEMENT_TIMEOUT_SECS),
            max_streams_per_database: DEFAULT_MAX_STREAMS_PER_DATABASE as usize,
            max_streams: DEFAULT_MAX_STREAMS as usize,
            hrana_v2: false,
            data_dir: None,
            operator_token: None,
            protected_tenants: parse_tenants(DEFAULT_PROTECTED_TENANTS),
            domains_enabled: true,
            operator_on_projects: OperatorOnProjects::Bypass,
            max_upload_bytes: 1 << 30,
            max_unpacked_bytes: 4 << 30,
            keep_builds: None,
            max_domains_per_project: 10,
            device_interval_secs: 5,
            device_expires_secs: 900,
            seed_demo: false,
            restore: None,
            seed: None,
        }
    }
}

pub fn parse_tenants(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
