//! `comwit-deploy`: the binary behind `uses: comwit/deploy`, usable on any CI.
//!
//! One run: mask every secret, parse the inputs (flags, or `INPUT_*`
//! variables on GitHub Actions), then deploy (and check), roll back or
//! delete through
//! `comwit-client`, and report from structured data — step outputs, job
//! summary, a GitHub Deployment with its status and one pull-request
//! comment per app.

pub mod delete;
pub mod deploy;
#[cfg(feature = "dns")]
pub mod dns;
pub mod failure;
pub mod github;
pub mod hosts;
pub mod inputs;
pub mod outcome;
pub mod progress;
pub mod report;
pub mod resolve;
pub mod rollback;
pub mod session;
pub mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use github::{Event, Runner};
use inputs::{Command, Inputs};

/// Runs the action with `argv` (program name first).
pub async fn run(argv: Vec<OsString>) -> ExitCode {
    let actions = inputs::on_github_actions();
    let runner = Runner::from_env(actions);
    // Before anything can print: even a usage error must not show a token.
    for secret in inputs::raw_secrets(&argv) {
        runner.mask(&secret);
    }
    let inputs = match Inputs::parse_with(argv, actions) {
        Ok(i) => i,
        Err(e) => return usage_error(&runner, e),
    };
    let env = match inputs::parse_env(&inputs.env) {
        Ok(env) => env,
        Err(message) => {
            runner.error("Invalid env input", &message);
            return ExitCode::from(failure::exit::USAGE);
        }
    };
    for entry in env.iter().filter(|e| inputs::looks_like_credential(e)) {
        runner.mask(&entry.value);
    }
    let check = match verify::Check::from_inputs(&inputs) {
        Ok(check) => check,
        Err(message) => {
            runner.error("Invalid verify input", &message);
            return ExitCode::from(failure::exit::USAGE);
        }
    };
    let event = Event::from_env();
    if let Some(code) = fork_without_token(&inputs, &event, &runner) {
        return code;
    }
    let code = match inputs.command {
        Command::Deploy => deploy::run(&inputs, &env, check.as_ref(), &event, &runner).await,
        Command::Rollback => rollback::run(&inputs, &event, &runner).await,
        Command::Delete => delete::run(&inputs, &event, &runner).await,
        Command::DnsPlan | Command::DnsApply => dns_command(&inputs, &event, &runner).await,
    };
    runner.end_group();
    runner.print_plain_outputs();
    ExitCode::from(code)
}

#[cfg(feature = "dns")]
async fn dns_command(inputs: &Inputs, event: &Event, runner: &Runner) -> u8 {
    dns::run(inputs, event, runner).await
}

/// A deploy-only build (the default `cargo install`) has no zone-file
/// reader: say how to get one rather than pretend.
#[cfg(not(feature = "dns"))]
async fn dns_command(_: &Inputs, _: &Event, runner: &Runner) -> u8 {
    runner.error(
        "DNS commands not built in",
        "this comwit-deploy was built without its dns feature (a deploy-only build): the action's release \
         binaries and its source build for dns-plan/dns-apply include it; building it yourself, run \
         `cargo install --locked --path action --features dns`",
    );
    failure::exit::USAGE
}

fn usage_error(runner: &Runner, e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.to_string();
    let first = text
        .lines()
        .next()
        .unwrap_or("invalid input")
        .trim_start_matches("error: ");
    if runner.on_actions() {
        runner.error(
            "Invalid input",
            &format!(
                "{first} — see the inputs in the README section \"comwit-deploy (GitHub Action)\""
            ),
        );
    }
    let _ = e.print();
    ExitCode::from(failure::exit::USAGE)
}

/// Secrets are not given to workflows run for pull requests from forks:
/// skip cleanly with a notice (or fail when asked to).
fn fork_without_token(inputs: &Inputs, event: &Event, runner: &Runner) -> Option<ExitCode> {
    let from_fork = event.pull_request.as_ref().is_some_and(|pr| pr.from_fork);
    if inputs.token.is_some() || inputs.dry_run || !from_fork {
        return None;
    }
    let why = "this pull request comes from a fork, and GitHub does not give secrets (the Comwit token) to \
               workflows it triggers";
    if inputs.fail_without_token {
        runner.error(
            "No Comwit token on a fork pull request",
            &format!("{why} — deploy previews from a branch of this repository, or set fail-without-token: false to skip"),
        );
        return Some(ExitCode::from(failure::exit::FAILED));
    }
    runner.notice(
        "Comwit deploy skipped",
        &format!("{why}; nothing was deployed (set fail-without-token: true to fail instead)"),
    );
    let _ = runner.set_output("skipped", "true");
    if inputs.summary {
        let _ = runner.append_summary(&format!(
            "### Comwit deploy skipped\n\n{why}; nothing was deployed.\n"
        ));
    }
    runner.print_plain_outputs();
    Some(ExitCode::SUCCESS)
}
