//! `comwit-sandbox serve`: run a local Comwit Cloud.

use anyhow::Context;
use clap::Parser;
use comwit_sandbox::cli::{Cli, Command};
use comwit_sandbox::{PublicAddrs, Sandbox, parse_tenants, write_ready_file};

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
        .site_listen(args.site_listen)
        .dns_listen(args.dns_listen)
        .registry_dns_listen(args.registry_dns_listen)
        .public(PublicAddrs {
            api_url: args.public_url,
            data_url: args.public_data_url,
            site_url: args.public_site_url,
            dns_addr: args.public_dns_addr,
            registry_dns_addr: args.public_registry_dns_addr,
        })
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
    if let Some(file) = &args.seed {
        builder = builder.seed_file(file);
    }
    if let Some(file) = &args.restore {
        builder = builder.restore(file);
    }
    if args.seed_demo {
        builder = builder.seed_demo();
    }
    if args.disable_domains {
        builder = builder.disable_domains();
    }
    builder = builder.operator_on_projects(args.operator_on_projects);
    if args.hrana_v2 {
        builder = builder.hrana_v2();
    }
    let mut sandbox = builder
        .start()
        .await
        .context("the sandbox could not start")?;
    let info = sandbox.info().clone();

    print_banner(&info, args.data_dir.as_deref());
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

/// What a person starting it needs: where everything is, and the tokens.
fn print_banner(info: &comwit_sandbox::SandboxInfo, data_dir: Option<&std::path::Path>) {
    println!("Comwit Cloud sandbox ready");
    println!("  API            {}", info.api_url);
    println!("  docs           {}/docs", info.api_url);
    println!("  data (libSQL)  {}", info.data_url);
    println!("  sites          {}/apps/{{app_id}}/", info.site_url);
    println!("  DNS (zones)    {}", info.dns_addr);
    println!("  DNS (registry) {}", info.registry_dns_addr);
    println!("  project        {}", info.project_id);
    println!("  user token     {}", info.user_token);
    println!("  operator token {}", info.operator_token);
    match data_dir {
        Some(dir) => println!("  data           {}", dir.display()),
        None => println!("  data           ephemeral (removed on exit)"),
    }
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
