//! `comwit-tui [--sandbox] [--api-url URL] [--project ID] [--read-only]`

use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use comwit_client::Client;
use comwit_client::config::{Config, ProcessEnv, config_path, resolve_project};
use comwit_client::credentials::Credentials;
use comwit_client::delegation::{Parents, system_resolvers};
use comwit_tui::firstrun::Ending;
use comwit_tui::session::{Session, sandbox_session, user_agent};
use comwit_tui::settings::{Settings, no_color_requested};

#[derive(Parser)]
#[command(
    name = "comwit-tui",
    version,
    about = "The Comwit Cloud operator dashboard"
)]
struct Cli {
    /// Run on an in-process sandbox with demo data (nothing is written to
    /// your keyring or config.json).
    #[arg(long)]
    sandbox: bool,
    /// Keep the sandbox's state in this directory instead of a temporary one.
    #[arg(long, requires = "sandbox")]
    sandbox_data: Option<std::path::PathBuf>,
    /// API base URL (default: COMWIT_API_URL, then Comwit Cloud).
    #[arg(long)]
    api_url: Option<String>,
    /// Start in this project (default: COMWIT_PROJECT, then config.json's
    /// default_project).
    #[arg(long)]
    project: Option<String>,
    /// With --sandbox: act as the platform operator (database internals,
    /// rotate, suspend, delete) instead of the demo user.
    #[arg(long, requires = "sandbox")]
    operator: bool,
    /// Disable every write: browse without risk.
    #[arg(long)]
    read_only: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    let (settings, warning) = Settings::load(Settings::path().as_deref(), no_color_requested());
    if cli.sandbox {
        let mut builder = comwit_sandbox::Sandbox::builder().seed_demo();
        if let Some(dir) = &cli.sandbox_data {
            builder = builder.data_dir(dir);
        }
        let sandbox = builder.start().await.context("starting the sandbox")?;
        let mut session = sandbox_session(sandbox.info(), cli.read_only, cli.operator)?;
        if cli.project.is_some() {
            session.project = cli.project.clone();
        }
        let result = comwit_tui::run(session, settings, warning).await;
        sandbox.shutdown().await;
        return result;
    }
    let creds = Arc::new(Credentials::from_system()?);
    let config = config_path(&ProcessEnv)
        .ok()
        .and_then(|p| Config::load(&p).ok())
        .unwrap_or_default();
    let project = resolve_project(cli.project.as_deref(), &ProcessEnv, &config);
    let token = creds
        .operator_token()?
        .or(creds.user_token()?)
        .map(|(t, _)| t);
    if token.is_none() {
        // No credentials: the first-run screen sets them up.
        let (ending, notice) = comwit_tui::first_run(
            cli.api_url.clone(),
            creds.clone(),
            cli.read_only,
            project,
            &settings,
        )
        .await?;
        return match ending {
            Ending::Quit => Ok(()),
            Ending::Ready(session, sandbox) => {
                let result = comwit_tui::run(*session, settings, notice.or(warning)).await;
                if let Some(sandbox) = sandbox {
                    (*sandbox).shutdown().await;
                }
                result
            }
        };
    }
    let mut builder = Client::builder()
        .maybe_token(token)
        .user_agent(user_agent());
    if let Some(url) = &cli.api_url {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    let target = if client.base_url() == comwit_client::DEFAULT_API_URL {
        "Comwit Cloud".to_string()
    } else {
        client.base_url().to_string()
    };
    let session = Session {
        client,
        target,
        scopes: None,
        credentials: creds,
        secrets_in_memory: false,
        sql_operator: None,
        read_only: cli.read_only,
        project,
        dns_parents: Parents::Root,
        resolvers: system_resolvers(),
    };
    comwit_tui::run(session, settings, warning).await
}

/// Logs go to a file (never the terminal the dashboard draws on).
fn init_logging() {
    let Some(dir) = std::env::var_os("XDG_STATE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".local/state"))
        })
    else {
        return;
    };
    let dir = dir.join("comwit");
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    if let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("comwit-tui.log"))
    {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("COMWIT_LOG")
                    .unwrap_or_else(|_| "info".into()),
            )
            .try_init();
    }
}
