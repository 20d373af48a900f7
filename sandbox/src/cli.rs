//! comwit-sandbox's command line, in the library so the release tooling can
//! generate its shell completions and man pages.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{
    DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_DATABASE, DEFAULT_PROTECTED_TENANTS,
    DEFAULT_STATEMENT_TIMEOUT_SECS,
};

#[derive(Parser)]
#[command(
    name = "comwit-sandbox",
    version,
    about = "A local Comwit Cloud for development and tests"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the platform API until interrupted (Ctrl-C).
    Serve(Serve),
}

#[derive(clap::Args)]
pub struct Serve {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Address of the libSQL data endpoint (Hrana over HTTP); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub data_listen: SocketAddr,
    /// The site listener: each app's active build as static files (the
    /// sandbox runs no app code); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub site_listen: SocketAddr,
    /// Authoritative DNS for hosted zones (UDP and TCP); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub dns_listen: SocketAddr,
    /// Parent-zone ("registry") DNS fed by the registrar simulation.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub registry_dns_listen: SocketAddr,
    /// The API's URL as clients reach it (e.g. http://sandbox:8787 for a CI
    /// service container), used in every URL the API returns and in the
    /// ready file. Default: the --listen address, a wildcard (0.0.0.0, ::)
    /// given as loopback.
    #[arg(long, env = "COMWIT_SANDBOX_PUBLIC_URL", value_parser = crate::public::parse_url)]
    pub public_url: Option<String>,
    /// The data endpoint's URL as clients reach it (the base of every
    /// database_url). Default: the --data-listen address, as for --public-url.
    #[arg(long, env = "COMWIT_SANDBOX_PUBLIC_DATA_URL", value_parser = crate::public::parse_url)]
    pub public_data_url: Option<String>,
    /// The site listener's URL as clients reach it. Default: the
    /// --site-listen address, as for --public-url.
    #[arg(long, env = "COMWIT_SANDBOX_PUBLIC_SITE_URL", value_parser = crate::public::parse_url)]
    pub public_site_url: Option<String>,
    /// The zones' DNS server as clients reach it, HOST:PORT (ready file).
    #[arg(long, env = "COMWIT_SANDBOX_PUBLIC_DNS_ADDR", value_parser = crate::public::parse_dns_addr)]
    pub public_dns_addr: Option<String>,
    /// The registry DNS server as clients reach it, HOST:PORT (ready file).
    #[arg(long, env = "COMWIT_SANDBOX_PUBLIC_REGISTRY_DNS_ADDR", value_parser = crate::public::parse_dns_addr)]
    pub public_registry_dns_addr: Option<String>,
    /// Keep state here so it survives restarts.
    #[arg(
        long,
        conflicts_with = "ephemeral",
        required_unless_present = "ephemeral"
    )]
    pub data_dir: Option<PathBuf>,
    /// Apply a seed file (TOML: users with tokens, projects with apps and
    /// builds from directories, databases with SQL, domains with records)
    /// once per data dir.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Start from a snapshot (GET /_sandbox/snapshot's file) instead of a
    /// fresh sandbox; the data dir must hold no sandbox yet.
    #[arg(long, value_name = "FILE")]
    pub restore: Option<PathBuf>,
    /// Keep state in a temporary directory removed on exit.
    #[arg(long)]
    pub ephemeral: bool,
    /// When ready, write {api_url, user_token, operator_token, project_id} here as JSON.
    #[arg(long)]
    pub ready_file: Option<PathBuf>,
    /// Add a demo account: two projects, apps with builds, a database, domains.
    #[arg(long)]
    pub seed_demo: bool,
    /// Answer 501 for project domain management (as the platform does by default).
    #[arg(long)]
    pub disable_domains: bool,
    /// The operator token on project routes: `bypass` (the authentication
    /// page: scopes and membership bypassed) or `refuse` (the raw-API deploy
    /// page: 403 on project-scoped routes).
    #[arg(long, value_enum, default_value_t)]
    pub operator_on_projects: crate::config::OperatorOnProjects,
    /// Operator token (else one is generated and kept in the data dir).
    #[arg(
        long = "operator-token-from-env",
        hide = true,
        env = "PLATFORM_API_SERVER_TOKEN"
    )]
    pub operator_token: Option<String>,
    #[arg(long, env = "PLATFORM_API_PROTECTED_TENANTS", default_value = DEFAULT_PROTECTED_TENANTS, hide_env_values = true)]
    pub protected_tenants: String,
    /// Also serve Hrana 2 (/v2/pipeline) on the data endpoint; Comwit Cloud does not.
    #[arg(long)]
    pub hrana_v2: bool,
    /// Largest accepted deploy upload, in MiB.
    #[arg(long, default_value_t = 1024)]
    pub max_upload_mib: u64,
    /// Keep at most N builds per app, deleting older ones after each deploy
    /// (the active build and the previous one are always kept). Default: keep all.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_builds: Option<u32>,
    /// Stop a statement on the data endpoint after this many seconds.
    #[arg(long, default_value_t = DEFAULT_STATEMENT_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    pub statement_timeout_secs: u64,
    /// Open Hrana streams allowed per database (more → 429 until some close or expire).
    #[arg(long, default_value_t = DEFAULT_MAX_STREAMS_PER_DATABASE, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_streams_per_database: u64,
    /// Open Hrana streams allowed in total (each holds three file descriptors).
    #[arg(long, default_value_t = DEFAULT_MAX_STREAMS, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_streams: u64,
}
