//! `comwit-deploy`: see the crate docs and the README section
//! "comwit-deploy (GitHub Action)".

use std::process::ExitCode;

fn main() -> ExitCode {
    // Library logs (e.g. a lost deploy response being recovered) go to
    // stderr; RUST_LOG tunes them.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(comwit_deploy_action::run(std::env::args_os().collect()))
}
