//! `comwit-tui [--sandbox] [--api-url URL] [--project ID]`

use anyhow::Context;
use clap::Parser;
use comwit_client::Client;
use comwit_client::credentials::Credentials;

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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    let agent = format!("comwit-tui/{}", env!("CARGO_PKG_VERSION"));
    if cli.sandbox {
        let mut builder = comwit_sandbox::Sandbox::builder().seed_demo();
        if let Some(dir) = &cli.sandbox_data {
            builder = builder.data_dir(dir);
        }
        let sandbox = builder.start().await.context("starting the sandbox")?;
        let client = Client::builder()
            .base_url(&sandbox.info().api_url)
            .token(sandbox.info().user_token.as_str())
            .user_agent(agent)
            .build()?;
        let result = comwit_tui::run(client, "sandbox".into()).await;
        sandbox.shutdown().await;
        return result;
    }
    let creds = Credentials::from_system()?;
    let token = creds
        .operator_token()?
        .or(creds.user_token()?)
        .map(|(t, _)| t);
    if token.is_none() {
        anyhow::bail!(
            "no credentials: run `comwit login`, set COMWIT_TOKEN, or try the dashboard on a local sandbox with --sandbox"
        );
    }
    let mut builder = Client::builder().maybe_token(token).user_agent(agent);
    if let Some(url) = &cli.api_url {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    let target = if client.base_url() == comwit_client::DEFAULT_API_URL {
        "Comwit Cloud".to_string()
    } else {
        client.base_url().to_string()
    };
    comwit_tui::run(client, target).await
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
