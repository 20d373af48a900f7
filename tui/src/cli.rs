//! comwit-tui's command line, in the library so the release tooling can
//! generate its shell completions and man pages.

use clap::builder::TypedValueParser as _;

use crate::watch_cli::{parse_check_path, parse_duration};

#[derive(clap::Parser)]
#[command(
    name = "comwit-tui",
    version,
    about = "The Comwit Cloud operator dashboard"
)]
/// The flags are global: `comwit-tui --project p watch …` and
/// `comwit-tui watch --project p …` mean the same.
pub struct Cli {
    /// Run on an in-process sandbox with demo data (nothing is written to
    /// your keyring or config.json).
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Keep the sandbox's state in this directory instead of a temporary one.
    #[arg(long, requires = "sandbox", global = true)]
    pub sandbox_data: Option<std::path::PathBuf>,
    /// API base URL (default: COMWIT_API_URL, then Comwit Cloud).
    #[arg(long, global = true)]
    pub api_url: Option<String>,
    /// Start in this project (default: COMWIT_PROJECT, then config.json's
    /// default_project).
    #[arg(long, global = true)]
    pub project: Option<String>,
    /// With --sandbox: act as the platform operator (database internals,
    /// rotate, suspend, delete) instead of the demo user.
    #[arg(long, requires = "sandbox", global = true)]
    pub operator: bool,
    /// Disable every write: browse without risk.
    #[arg(long, global = true)]
    pub read_only: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Redeploy an app whenever its files change (headless watch mode).
    Watch(WatchArgs),
    /// Dump a database to SQL, or load a SQL file into one (headless).
    #[command(subcommand)]
    Sql(SqlCmd),
    /// DNS as code: a zone's records as a file, and what a file would change.
    #[command(subcommand)]
    Dns(DnsCmd),
}

/// The domain is found by name in `--project`, else in every project.
#[derive(clap::Subcommand)]
pub enum DnsCmd {
    /// The zone's records as an RFC 1035 master file (or JSON); platform
    /// records as comments marked locked.
    Export {
        #[arg(long)]
        domain: String,
        #[arg(long, value_enum, default_value_t = ZoneFormat::Bind)]
        format: ZoneFormat,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// What applying FILE (a master file, e.g. another provider's export,
    /// or the JSON form) would change. Exit code 0: nothing; 2: changes;
    /// 1: an error.
    Plan {
        #[arg(long)]
        domain: String,
        file: std::path::PathBuf,
        /// The plan as JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Applies FILE: prints the plan, asks (unless --yes), then deletes,
    /// updates and creates in that order, stopping at the first refusal.
    Apply {
        #[arg(long)]
        domain: String,
        file: std::path::PathBuf,
        /// Apply without asking (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Then ask the zone's authoritative server until every record
        /// answers as planned.
        #[arg(long)]
        verify: bool,
        /// How long --verify waits.
        #[arg(long, default_value = "60s", value_parser = parse_duration)]
        timeout: std::time::Duration,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ZoneFormat {
    Bind,
    Json,
}

/// The database token is the one the SQL console would use: the stored
/// one (saved at create, rotate or paste), `COMWIT_DATABASE_TOKEN`, or an
/// operator's query token.
#[derive(clap::Subcommand)]
pub enum SqlCmd {
    /// The database's schema and rows as SQL, in `sqlite3 .dump` form
    /// (streamed; deterministic order).
    Dump {
        /// The database: its id or its name.
        #[arg(long)]
        db: String,
        /// Write here (replaced whole once complete) instead of stdout.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Load a SQL file (a dump, or another provider's export) in batches,
    /// each one transaction with foreign keys off.
    Import {
        /// The database: its id or its name.
        #[arg(long)]
        db: String,
        /// The SQL file.
        file: std::path::PathBuf,
        /// Leave out the statements a Cloudflare D1 export has and libSQL
        /// rejects (PRAGMA defer_foreign_keys, DELETE FROM sqlite_sequence,
        /// DROP INDEX of a constraint's index).
        #[arg(long)]
        d1: bool,
        /// Statements per batch (each batch is one request, kept under 1 MB).
        #[arg(long, default_value_t = comwit_client::sql::import::DEFAULT_BATCH,
              value_parser = clap::value_parser!(u32).range(1..=10_000).map(|n| n as usize))]
        batch_size: usize,
        /// Resume at this batch: the ones before it committed in an earlier run.
        #[arg(long, default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..).map(|n| n as usize))]
        from_batch: usize,
    },
}

#[derive(clap::Args)]
pub struct WatchArgs {
    /// The app: its id or its name.
    #[arg(long)]
    pub app: String,
    /// What to deploy: a build directory or a .tar.zst.
    #[arg(long, default_value = "dist")]
    pub package: std::path::PathBuf,
    /// Run this in --source before each deploy (with sh -c; cmd /c on Windows).
    #[arg(long)]
    pub build: Option<String>,
    /// The directory watched when --build is given (default: .).
    #[arg(long, requires = "build")]
    pub source: Option<std::path::PathBuf>,
    /// Hostnames bound to each deploy (comma separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub hosts: Vec<String>,
    /// The runtime environment reference each deploy carries.
    #[arg(long)]
    pub env_ref: Option<String>,
    /// The most requests the app serves at once (each deploy sets it).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_requests: Option<u32>,
    /// Quiet period before a batch of changes deploys.
    #[arg(long, default_value = "300ms", value_parser = parse_duration)]
    pub debounce: std::time::Duration,
    /// A batch deploys at most this long after its first change.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub max_wait: std::time::Duration,
    /// More paths to leave alone (gitignore syntax, repeatable).
    #[arg(long)]
    pub ignore: Vec<String>,
    /// After each deploy, GET this path (e.g. /healthz) of the deployed
    /// site — on the sandbox its site listener, else https:// and the
    /// first of --hosts — until it answers --check-status.
    #[arg(long, value_parser = parse_check_path)]
    pub check: Option<String>,
    /// The status the check expects.
    #[arg(long, default_value_t = 200, requires = "check", value_parser = clap::value_parser!(u16).range(100..=599))]
    pub check_status: u16,
    /// How long the check keeps asking.
    #[arg(long, default_value = "10s", requires = "check", value_parser = parse_duration)]
    pub check_timeout: std::time::Duration,
    /// JSON lines instead of progress bars.
    #[arg(long)]
    pub json: bool,
}
