//! `comwit-tui [--sandbox] [--api-url URL] [--project ID] [--read-only]`

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use comwit_client::Client;
use comwit_client::config::{Config, ProcessEnv, config_path, resolve_project};
use comwit_client::credentials::Credentials;
use comwit_client::models::DeployOptions;
use comwit_client::sql::import::ImportOptions;
use comwit_client::watch::WatchOptions;
use comwit_tui::cli::{Cli, Cmd, DnsCmd, SqlCmd, WatchArgs};
use comwit_tui::dns_cli;
use comwit_tui::session::{sandbox_session, user_agent};
use comwit_tui::settings::{Settings, no_color_requested};
use comwit_tui::sql_cli::{self, Access};
use comwit_tui::switchboard::{Screen, Switchboard, Target};
use comwit_tui::watch_cli::{self, Output};

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let mut cli = Cli::parse();
    init_logging();
    let done = match cli.command.take() {
        Some(Cmd::Watch(args)) => watch(&cli, args).await,
        Some(Cmd::Sql(command)) => sql(&cli, command).await,
        Some(Cmd::Dns(command)) => return dns(&cli, command).await,
        None => dashboard(&cli).await,
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// The dashboard: on the sandbox, the configured account, or the
/// sign-in screen first.
async fn dashboard(cli: &Cli) -> anyhow::Result<()> {
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

/// What a headless command runs as: the sandbox's demo user (or its
/// operator), or the configured credentials.
struct Headless {
    access: Access,
    /// `--project`, `COMWIT_PROJECT` or `default_project`.
    project: Option<String>,
    sandbox: Option<comwit_sandbox::Sandbox>,
}

async fn headless(cli: &Cli) -> anyhow::Result<Headless> {
    if cli.sandbox {
        let mut builder = comwit_sandbox::Sandbox::builder().seed_demo();
        if let Some(dir) = &cli.sandbox_data {
            builder = builder.data_dir(dir);
        }
        let started = builder.start().await.context("starting the sandbox")?;
        let session = sandbox_session(started.info(), false, cli.operator)?;
        let access = Access {
            client: session.client,
            operator: session.sql_operator,
            credentials: session.credentials,
            project: cli.project.clone(),
        };
        let project = cli.project.clone().or(session.project);
        return Ok(Headless {
            access,
            project,
            sandbox: Some(started),
        });
    }
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
    let access = Access {
        client: builder.build()?,
        operator: None,
        credentials: Arc::new(creds),
        project: cli.project.clone(),
    };
    Ok(Headless {
        access,
        project: resolve_project(cli.project.as_deref(), &ProcessEnv, &config),
        sandbox: None,
    })
}

/// `comwit-tui sql dump|import`.
async fn sql(cli: &Cli, command: SqlCmd) -> anyhow::Result<()> {
    let Headless {
        access, sandbox, ..
    } = headless(cli).await?;
    let result = async {
        match command {
            SqlCmd::Dump { db, out } => {
                let (name, mut session) = sql_cli::connect(access, &db).await?;
                sql_cli::dump(&mut session, &name, out.as_deref()).await
            }
            SqlCmd::Import {
                db,
                file,
                d1,
                batch_size,
                from_batch,
            } => {
                let (name, mut session) = sql_cli::connect(access, &db).await?;
                let options = ImportOptions {
                    batch_size,
                    d1,
                    from_batch,
                };
                sql_cli::import(&mut session, &name, &file, options).await
            }
        }
    }
    .await;
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    result
}

/// `comwit-tui dns export|plan`; a plan that would change something
/// exits with 2.
async fn dns(cli: &Cli, command: DnsCmd) -> anyhow::Result<ExitCode> {
    let Headless {
        access, sandbox, ..
    } = headless(cli).await?;
    let (client, project) = (access.client, access.project.as_deref());
    let result = match command {
        DnsCmd::Export {
            domain,
            format,
            out,
        } => dns_cli::export(&client, project, &domain, format, out.as_deref())
            .await
            .map(|()| ExitCode::SUCCESS),
        DnsCmd::Plan { domain, file, json } => {
            dns_cli::plan(&client, project, &domain, &file, json)
                .await
                .map(|changes| ExitCode::from(if changes { 2 } else { 0 }))
        }
        DnsCmd::Apply {
            domain,
            file,
            yes,
            verify,
            timeout,
        } => {
            // On the sandbox, its own DNS server is the zone's.
            let server = sandbox
                .as_ref()
                .and_then(|s| s.info().dns_addr.parse().ok());
            let options = dns_cli::ApplyOptions {
                yes,
                verify: verify.then_some(server),
                timeout,
            };
            dns_cli::apply(&client, project, &domain, &file, options)
                .await
                .map(|()| ExitCode::SUCCESS)
        }
    };
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    result
}

/// The headless watch: credentials (or the sandbox), the app resolved by
/// id or name, then the engine until Ctrl-C.
async fn watch(cli: &Cli, args: WatchArgs) -> anyhow::Result<()> {
    let Headless {
        access,
        project,
        sandbox,
    } = headless(cli).await?;
    let client = access.client;
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
    let check = match &args.check {
        Some(path) => Some(comwit_client::watch::check::Check {
            url: watch_cli::check_url(
                path,
                sandbox.as_ref().map(|s| s.info().site_url.as_str()),
                &app.app_id,
                &args.hosts,
            )
            .map_err(anyhow::Error::msg)?,
            expect: args.check_status,
            within: args.check_timeout,
        }),
        None => None,
    };
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
        check,
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
