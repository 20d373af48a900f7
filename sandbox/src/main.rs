//! `comwit-sandbox serve`: run a local Comwit Cloud.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use comwit_sandbox::{
    DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_DATABASE, DEFAULT_PROTECTED_TENANTS,
    DEFAULT_STATEMENT_TIMEOUT_SECS, Sandbox, parse_tenants, write_ready_file,
};

#[derive(Parser)]
#[command(
    name = "comwit-sandbox",
    version,
    about = "A local Comwit Cloud for development and tests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform API until interrupted (Ctrl-C).
    Serve(Serve),
}

#[derive(clap::Args)]
struct Serve {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Address of the libSQL data endpoint (Hrana over HTTP); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    data_listen: SocketAddr,
    /// Authoritative DNS for hosted zones (UDP and TCP); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    dns_listen: SocketAddr,
    /// Parent-zone ("registry") DNS fed by the registrar simulation.
    #[arg(long, default_value = "127.0.0.1:0")]
    registry_dns_listen: SocketAddr,
    /// Keep state here so it survives restarts.
    #[arg(
        long,
        conflicts_with = "ephemeral",
        required_unless_present = "ephemeral"
    )]
    data_dir: Option<PathBuf>,
    /// Keep state in a temporary directory removed on exit.
    #[arg(long)]
    ephemeral: bool,
    /// When ready, write {api_url, user_token, operator_token, project_id} here as JSON.
    #[arg(long)]
    ready_file: Option<PathBuf>,
    /// Add a demo account: two projects, apps with builds, a database, domains.
    #[arg(long)]
    seed_demo: bool,
    /// Answer 501 for project domain management (as the platform does by default).
    #[arg(long)]
    disable_domains: bool,
    /// Operator token (else one is generated and kept in the data dir).
    #[arg(
        long = "operator-token-from-env",
        hide = true,
        env = "PLATFORM_API_SERVER_TOKEN"
    )]
    operator_token: Option<String>,
    #[arg(long, env = "PLATFORM_API_PROTECTED_TENANTS", default_value = DEFAULT_PROTECTED_TENANTS, hide_env_values = true)]
    protected_tenants: String,
    /// Also serve Hrana 2 (/v2/pipeline) on the data endpoint; Comwit Cloud does not.
    #[arg(long)]
    hrana_v2: bool,
    /// Largest accepted deploy upload, in MiB.
    #[arg(long, default_value_t = 1024)]
    max_upload_mib: u64,
    /// Keep at most N builds per app, deleting older ones after each deploy
    /// (the active build and the previous one are always kept). Default: keep all.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    keep_builds: Option<u32>,
    /// Stop a statement on the data endpoint after this many seconds.
    #[arg(long, default_value_t = DEFAULT_STATEMENT_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    statement_timeout_secs: u64,
    /// Open Hrana streams allowed per database (more → 429 until some close or expire).
    #[arg(long, default_value_t = DEFAULT_MAX_STREAMS_PER_DATABASE, value_parser = clap::value_parser!(u64).range(1..))]
    max_streams_per_database: u64,
    /// Open Hrana streams allowed in total (each holds three file descriptors).
    #[arg(long, default_value_t = DEFAULT_MAX_STREAMS, value_parser = clap::value_parser!(u64).range(1..))]
    max_streams: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COMWIT_SANDBOX_LOG")
                .unwrap_or_else(|_| "comwit_sandbox=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let Command::Serve(args) = Cli::parse().command;

    let mut builder = Sandbox::builder()
        .listen(args.listen)
        .data_listen(args.data_listen)
        .dns_listen(args.dns_listen)
        .registry_dns_listen(args.registry_dns_listen)
        .protected_tenants(parse_tenants(&args.protected_tenants))
        .max_upload_bytes(args.max_upload_mib.saturating_mul(1 << 20))
        .statement_timeout(std::time::Duration::from_secs(args.statement_timeout_secs))
        .max_streams(
            args.max_streams_per_database as usize,
            args.max_streams as usize,
        );
    if let Some(dir) = &args.data_dir {
        builder = builder.data_dir(dir);
    }
    if let Some(token) = args.operator_token.filter(|t| !t.trim().is_empty()) {
        builder = builder.operator_token(token.trim());
    }
    if let Some(n) = args.keep_builds {
        builder = builder.keep_builds(n);
    }
    if args.seed_demo {
        builder = builder.seed_demo();
    }
    if args.disable_domains {
        builder = builder.disable_domains();
    }
    if args.hrana_v2 {
        builder = builder.hrana_v2();
    }
    let mut sandbox = builder
        .start()
        .await
        .context("the sandbox could not start")?;
    let info = sandbox.info().clone();

    println!("Comwit Cloud sandbox ready");
    println!("  API            {}", info.api_url);
    println!("  docs           {}/docs", info.api_url);
    println!("  data (libSQL)  {}", info.data_url);
    println!("  DNS (zones)    {}", info.dns_addr);
    println!("  DNS (registry) {}", info.registry_dns_addr);
    println!("  project        {}", info.project_id);
    println!("  user token     {}", info.user_token);
    println!("  operator token {}", info.operator_token);
    match &args.data_dir {
        Some(dir) => println!("  data           {}", dir.display()),
        None => println!("  data           ephemeral (removed on exit)"),
    }
    if let Some(path) = &args.ready_file {
        write_ready_file(path, &info)
            .with_context(|| format!("writing the ready file {}", path.display()))?;
        println!("  ready file     {}", path.display());
    }

    tokio::select! {
        _ = stop_signal() => {
            eprintln!("stopping");
            sandbox.shutdown().await;
        }
        _ = sandbox.wait() => {}
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM from a CI runner or process manager.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler installs");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
