//! `comwit-deploy`: see the crate docs and the README section
//! "comwit-deploy (GitHub Action)".

use std::process::ExitCode;

fn main() -> ExitCode {
    // Library logs (e.g. a lost deploy response being recovered) go to
    // stderr; RUST_LOG=info or debug shows more.
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::WARN);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
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
