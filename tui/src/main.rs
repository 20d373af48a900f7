//! `comwit-tui [--sandbox] [--api-url URL] [--project ID] [--read-only]`

use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use comwit_client::Client;
use comwit_client::config::{Config, ProcessEnv, config_path, resolve_project};
use comwit_client::credentials::Credentials;
use comwit_client::models::DeployOptions;
use comwit_client::watch::WatchOptions;
use comwit_tui::cli::{Cli, Cmd, WatchArgs};
use comwit_tui::session::{sandbox_session, user_agent};
use comwit_tui::settings::{Settings, no_color_requested};
use comwit_tui::switchboard::{Screen, Switchboard, Target};
use comwit_tui::watch_cli::{self, Output};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    init_logging();
    if let Some(Cmd::Watch(args)) = cli.command.take() {
        return watch(&cli, args).await;
    }
    let (settings, warning) = Settings::load(Settings::path().as_deref(), no_color_requested());
    let credentials = match Credentials::from_system() {
        Ok(c) => c.saving_user_tokens_in(settings.credentials),
        // The sandbox needs nothing from the system.
        Err(_) if cli.sandbox => Credentials::in_memory()?,
        Err(e) => return Err(e.into()),
    };
    let config = config_path(&ProcessEnv)
        .ok()
        .and_then(|p| Config::load(&p).ok())
        .unwrap_or_default();
    let project = resolve_project(cli.project.as_deref(), &ProcessEnv, &config);
    let mut board = Switchboard::new(
        cli.api_url.clone(),
        Arc::new(credentials),
        cli.read_only,
        project,
    )?
    .sandbox_data(cli.sandbox_data.clone());
    let start = if cli.sandbox {
        Some(Target::Sandbox {
            operator: cli.operator,
        })
    } else {
        board.configured().await?
    };
    let screen = match start {
        Some(target) => {
            let mut session = board.open(&target).await?;
            if cli.sandbox && cli.project.is_some() {
                session.project = cli.project.clone();
            }
            Screen::Dashboard {
                session: Box::new(session),
                notice: warning,
            }
        }
        // No credentials: the sign-in screen sets them up.
        None => Screen::SignIn {
            back: None,
            said: warning.map(|w| format!("{w}. No credentials found yet.")),
        },
    };
    comwit_tui::run(board, screen, settings).await
}

/// The headless watch: credentials (or the sandbox), the app resolved by
/// id or name, then the engine until Ctrl-C.
async fn watch(cli: &Cli, args: WatchArgs) -> anyhow::Result<()> {
    let mut sandbox = None;
    let (client, project) = if cli.sandbox {
        let mut builder = comwit_sandbox::Sandbox::builder().seed_demo();
        if let Some(dir) = &cli.sandbox_data {
            builder = builder.data_dir(dir);
        }
        let started = builder.start().await.context("starting the sandbox")?;
        let session = sandbox_session(started.info(), false, cli.operator)?;
        let project = cli.project.clone().or(session.project.clone());
        sandbox = Some(started);
        (session.client, project)
    } else {
        let creds = Credentials::from_system()?;
        let token = creds
            .operator_token()?
            .or(creds.user_token()?)
            .map(|(t, _)| t)
            .context("no credentials: set COMWIT_TOKEN, or run comwit-tui once to sign in")?;
        let mut builder = Client::builder().token(token).user_agent(user_agent());
        if let Some(url) = &cli.api_url {
            builder = builder.base_url(url);
        }
        let config = config_path(&ProcessEnv)
            .ok()
            .and_then(|p| Config::load(&p).ok())
            .unwrap_or_default();
        let project = resolve_project(cli.project.as_deref(), &ProcessEnv, &config);
        (builder.build()?, project)
    };
    let wanted = project.context(
        "which project? pass --project, set COMWIT_PROJECT, or set default_project in config.json",
    )?;
    // An id or a name.
    let project = client
        .projects()
        .list()
        .await?
        .into_iter()
        .find(|p| p.project_id == wanted || p.name == wanted)
        .map(|p| p.project_id)
        .with_context(|| format!("no project {wanted:?} among yours (an id or a name)"))?;
    let app = client
        .apps(&project)
        .find(&args.app)
        .await?
        .with_context(|| format!("no app {:?} in project {project}", args.app))?;
    let options = WatchOptions {
        project,
        app: app.app_id,
        package: args.package,
        build: args.build,
        source: args.source,
        deploy: DeployOptions {
            hosts: args.hosts,
            env_ref: args.env_ref,
            max_concurrent_requests: args.max_concurrent_requests,
        },
        ignore: args.ignore,
        debounce: args.debounce,
        max_wait: args.max_wait,
    };
    let result = watch_cli::watch(client, options, Output::pick(args.json)).await;
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    result
}

/// Logs go to a file (never the terminal the dashboard draws on).
fn init_logging() {
    let Some(dir) = comwit_client::places::process_state_dir() else {
        return;
    };
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
