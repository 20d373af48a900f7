//! `comwit-deploy` for the flows of `tests/`: the action's own `run()` in a
//! process of its own. Cargo gives a package's tests only its own binaries
//! (`CARGO_BIN_EXE_*`), and running the action in the test process would
//! hand it the test's environment (on a CI runner, its real
//! `GITHUB_OUTPUT` and job summary); a process started with a clean
//! environment, as `comwit_e2e::runner` starts it, sees only the runner's.

use std::process::ExitCode;

fn main() -> ExitCode {
    match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(comwit_deploy_action::run(std::env::args_os().collect())),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
