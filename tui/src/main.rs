//! `comwit-tui [--sandbox] [--api-url URL] [--project ID] [--read-only]`

use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use comwit_client::Client;
use comwit_client::config::{Config, ProcessEnv, config_path, resolve_project};
use comwit_client::credentials::Credentials;
use comwit_client::delegation::{Parents, system_resolvers};
use comwit_client::models::DeployOptions;
use comwit_client::watch::WatchOptions;
use comwit_tui::cli::{Cli, Cmd, WatchArgs};
use comwit_tui::firstrun::Ending;
use comwit_tui::session::{Session, sandbox_session, user_agent};
use comwit_tui::settings::{Settings, no_color_requested};
use comwit_tui::watch_cli::{self, Output};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    init_logging();
    if let Some(Cmd::Watch(args)) = cli.command.take() {
        return watch(&cli, args).await;
    }
    let (settings, warning) = Settings::load(Settings::path().as_deref(), no_color_requested());
    if cli.sandbox {
        return dashboard_on_sandbox(&cli, settings, warning).await;
    }
    let creds = Arc::new(Credentials::from_system()?.saving_user_tokens_in(settings.credentials));
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
        deploy_options: comwit_tui::remembered::Remembered::in_state_dir(),
    };
    comwit_tui::run(session, settings, warning).await
}

/// `--sandbox`: the dashboard on an in-process sandbox with demo data.
async fn dashboard_on_sandbox(
    cli: &Cli,
    settings: Settings,
    warning: Option<String>,
) -> anyhow::Result<()> {
    let mut builder = comwit_sandbox::Sandbox::builder().seed_demo();
    if let Some(dir) = &cli.sandbox_data {
        builder = builder.data_dir(dir);
    }
    let sandbox = builder.start().await.context("starting the sandbox")?;
    let mut session = sandbox_session(sandbox.info(), cli.read_only, cli.operator)?;
    if let Some(dir) = &cli.sandbox_data {
        session.deploy_options = comwit_tui::remembered::Remembered::in_dir(dir);
    }
    if cli.project.is_some() {
        session.project = cli.project.clone();
    }
    let result = comwit_tui::run(session, settings, warning).await;
    sandbox.shutdown().await;
    result
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
